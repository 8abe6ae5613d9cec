// Highlighting search snippets without HTML: the core gives byte ranges (UTF-8) into the
// snippet; these become text pieces, marked or not, that the view renders as text nodes.

export interface Piece {
  text: string;
  mark: boolean;
}

/** `text` cut at the UTF-8 byte ranges `marks` (sorted, not overlapping) into pieces. */
export function highlightPieces(text: string, marks: [number, number][]): Piece[] {
  if (marks.length === 0) return text ? [{ text, mark: false }] : [];
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  const pieces: Piece[] = [];
  let at = 0;
  for (const [start, end] of marks) {
    if (start < at || end <= start || end > bytes.length) continue;
    if (start > at) pieces.push({ text: decoder.decode(bytes.subarray(at, start)), mark: false });
    pieces.push({ text: decoder.decode(bytes.subarray(start, end)), mark: true });
    at = end;
  }
  if (at < bytes.length) pieces.push({ text: decoder.decode(bytes.subarray(at)), mark: false });
  return pieces;
}

/** The user is still typing the last word (no space after it): it is searched as a prefix. */
export function typingLastWord(query: string): boolean {
  return query.length > 0 && !/\s$/.test(query);
}
