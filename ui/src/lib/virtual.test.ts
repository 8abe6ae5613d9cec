import { describe, expect, it } from 'vitest';
import { listWindow, pagesOf, scrollToShow, scrollToSpan, stackOffsets, stackWindow } from './virtual';

describe('listWindow', () => {
  it('renders the visible rows plus overscan, positioned 1:1', () => {
    const w = listWindow({ total: 100_000, rowHeight: 60, scrollTop: 3_000_000, viewport: 600, overscan: 5 });
    expect(w.scrollHeight).toBe(6_000_000);
    expect(w.scale).toBe(1);
    expect([w.firstVisible, w.lastVisible]).toEqual([50_000, 50_009]);
    expect([w.first, w.last]).toEqual([49_995, 50_014]);
    expect(w.top(50_000)).toBe(3_000_000);
  });

  it('clamps at both ends', () => {
    expect(listWindow({ total: 3, rowHeight: 60, scrollTop: 0, viewport: 600, overscan: 5 })).toMatchObject({ first: 0, last: 2, scrollHeight: 180 });
    const end = listWindow({ total: 1000, rowHeight: 60, scrollTop: 10_000_000, viewport: 600, overscan: 5 });
    expect(end.lastVisible).toBe(999);
    expect(end.last).toBe(999);
    expect(listWindow({ total: 0, rowHeight: 60, scrollTop: 0, viewport: 600, overscan: 5 })).toMatchObject({ first: 0, last: -1, scrollHeight: 0 });
  });

  it('compresses huge lists below the browser’s height limit and still reaches the last row', () => {
    const input = { total: 5_000_000, rowHeight: 60, viewport: 600, overscan: 2, maxPx: 15_000_000 };
    const top = listWindow({ ...input, scrollTop: 0 });
    expect(top.scrollHeight).toBe(15_000_000);
    expect(top.scale).toBeGreaterThan(1);
    expect(top.top(0)).toBe(0);
    const bottom = listWindow({ ...input, scrollTop: 15_000_000 - 600 });
    expect(bottom.lastVisible).toBe(4_999_999);
    // The last row ends exactly at the bottom of the viewport.
    expect(bottom.top(4_999_999) + 60).toBeCloseTo(15_000_000, 0);
  });
});

describe('scrollToShow', () => {
  const base = { total: 1000, rowHeight: 60, viewport: 600 };
  it('scrolls up or down only as far as needed', () => {
    expect(scrollToShow(5, { ...base, scrollTop: 0 })).toBe(0);
    expect(scrollToShow(10, { ...base, scrollTop: 0 })).toBe(60);
    expect(scrollToShow(2, { ...base, scrollTop: 600 })).toBe(120);
  });
});

describe('pagesOf', () => {
  it('lists the pages that hold a range', () => {
    expect(pagesOf(0, 99, 100)).toEqual([0]);
    expect(pagesOf(95, 140, 100)).toEqual([0, 1]);
    expect(pagesOf(10, 5, 100)).toEqual([]);
  });
});

describe('stacks with their own heights', () => {
  it('stacks items with gaps and finds the ones in view', () => {
    const offsets = stackOffsets([50, 100, 50, 50, 200], 10);
    expect(offsets).toEqual([0, 60, 170, 230, 290, 490]);
    expect(stackWindow(offsets, 0, 100, 0)).toEqual({ first: 0, last: 1, firstVisible: 0, lastVisible: 1 });
    // Item 1 ends at 160: from 170 on, item 2 is the first shown.
    expect(stackWindow(offsets, 175, 100, 1)).toEqual({ first: 1, last: 4, firstVisible: 2, lastVisible: 3 });
    expect(stackWindow(offsets, 10_000, 100, 2)).toMatchObject({ firstVisible: 4, lastVisible: 4, first: 2, last: 4 });
    expect(stackWindow(stackOffsets([], 10), 0, 100, 2)).toEqual({ first: 0, last: -1, firstVisible: 0, lastVisible: -1 });
  });

  it('a window over 2,000 items stays small', () => {
    const offsets = stackOffsets(new Array<number>(2000).fill(76), 8);
    const w = stackWindow(offsets, 84 * 1000, 700, 4);
    expect(w.firstVisible).toBe(1000);
    expect(w.last - w.first + 1).toBeLessThan(20);
  });

  it('scrolls just enough to show a span', () => {
    expect(scrollToSpan(500, 80, 0, 400)).toBe(180);
    expect(scrollToSpan(100, 80, 300, 400)).toBe(100);
    expect(scrollToSpan(350, 40, 300, 400)).toBe(300);
    expect(scrollToSpan(350, 900, 0, 400)).toBe(350);
  });
});
