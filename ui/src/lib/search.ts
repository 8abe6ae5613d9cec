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

/** A filter written in a query (`from:alice`, `-is:read`, `subject:"weekly sync"`). */
export interface QueryChip {
  /** `from`, `is`, `before`… */
  field: string;
  /** What follows the colon, without quotes. */
  value: string;
  /** Written with a leading `-`: excluded. */
  negated: boolean;
  /** Where it stands in the query (start, end), to take it out. */
  start: number;
  end: number;
}

const CHIP = /(^|\s)(-?)(from|to|cc|subject|filename|has|is|in|label|before|after|older_than|newer_than):("[^"]*"|[^\s()"]+)/gi;

/** The filters of a query, in order, as chips the search box shows. */
export function queryChips(query: string): QueryChip[] {
  const chips: QueryChip[] = [];
  for (const m of query.matchAll(CHIP)) {
    const lead = m[1] ?? '';
    const start = (m.index ?? 0) + lead.length;
    const raw = m[4] ?? '';
    chips.push({
      field: (m[3] ?? '').toLowerCase(),
      value: raw.startsWith('"') ? raw.slice(1, -1) : raw,
      negated: m[2] === '-',
      start,
      end: (m.index ?? 0) + m[0].length,
    });
  }
  return chips;
}

/** The query without `chip`, spaces tidied. */
export function withoutChip(query: string, chip: QueryChip): string {
  return `${query.slice(0, chip.start)} ${query.slice(chip.end)}`.replace(/\s+/g, ' ').trim();
}
