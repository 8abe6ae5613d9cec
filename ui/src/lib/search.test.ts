import { describe, expect, it } from 'vitest';
import { highlightPieces, typingLastWord } from './search';

describe('search snippets', () => {
  it('cuts at UTF-8 byte ranges, accents and emoji included', () => {
    const text = 'Grüße from Zürich 📷 report';
    const bytes = new TextEncoder().encode(text);
    const at = (word: string) => {
      const start = new TextEncoder().encode(text.slice(0, text.indexOf(word))).length;
      return [start, start + new TextEncoder().encode(word).length] as [number, number];
    };
    expect(bytes.length).toBeGreaterThan(text.length);
    expect(highlightPieces(text, [at('Zürich'), at('report')])).toEqual([
      { text: 'Grüße from ', mark: false },
      { text: 'Zürich', mark: true },
      { text: ' 📷 ', mark: false },
      { text: 'report', mark: true },
    ]);
  });

  it('ignores ranges that make no sense rather than breaking the text', () => {
    expect(highlightPieces('abc', [[2, 1], [0, 99]])).toEqual([{ text: 'abc', mark: false }]);
    expect(highlightPieces('', [])).toEqual([]);
  });

  it('a query still being typed ends without a space', () => {
    expect(typingLastWord('quarterly rep')).toBe(true);
    expect(typingLastWord('quarterly rep ')).toBe(false);
    expect(typingLastWord('')).toBe(false);
  });
});

describe('filter chips', () => {
  it('finds the filters of a query, quoted, negated or not, and takes one out', async () => {
    const { queryChips, withoutChip } = await import('./search');
    const query = 'budget from:alice -is:read subject:"weekly sync" newer_than:30d';
    const chips = queryChips(query);
    expect(chips.map((c) => [c.field, c.value, c.negated])).toEqual([
      ['from', 'alice', false],
      ['is', 'read', true],
      ['subject', 'weekly sync', false],
      ['newer_than', '30d', false],
    ]);
    expect(withoutChip(query, chips[1]!)).toBe('budget from:alice subject:"weekly sync" newer_than:30d');
    expect(withoutChip(query, chips[2]!)).toBe('budget from:alice -is:read newer_than:30d');
    expect(queryChips('https://example.com nothing:here')).toEqual([]);
  });
});
