// The arithmetic of a virtualised list with fixed row heights. Pure, so it is tested without a
// layout engine.
//
// Browsers cap an element's height (about 33 million px in WebKit and Chromium); beyond
// `maxPx` the scroll range is compressed and positions are scaled, so a folder of millions of
// messages still scrolls end to end. Below it (100,000 rows of 56 px = 5.6 million px) the
// mapping is 1:1 and rows sit at `index * rowHeight`.

export const MAX_SCROLL_PX = 15_000_000;

export interface WindowInput {
  total: number;
  rowHeight: number;
  scrollTop: number;
  /** Visible height of the scroller. */
  viewport: number;
  /** Extra rows rendered above and below the visible ones. */
  overscan: number;
  maxPx?: number;
}

export interface ListWindow {
  /** Height of the scrolling content. */
  scrollHeight: number;
  /** Content pixels per scroll pixel (1 unless compressed). */
  scale: number;
  /** Rows to render, inclusive; `last < first` when there are none. */
  first: number;
  last: number;
  /** Rows actually in view (without overscan), inclusive. */
  firstVisible: number;
  lastVisible: number;
  /** Top of row `i` inside the scrolling content. */
  top: (i: number) => number;
}

function scaleOf(total: number, rowHeight: number, viewport: number, maxPx: number): { scrollHeight: number; scale: number } {
  const content = total * rowHeight;
  const scrollHeight = Math.min(content, maxPx);
  const scale = content > scrollHeight && scrollHeight > viewport ? (content - viewport) / (scrollHeight - viewport) : 1;
  return { scrollHeight, scale };
}

export function listWindow({ total, rowHeight, scrollTop, viewport, overscan, maxPx = MAX_SCROLL_PX }: WindowInput): ListWindow {
  const { scrollHeight, scale } = scaleOf(total, rowHeight, viewport, maxPx);
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, scrollHeight - viewport)));
  const virtualTop = top * scale;
  if (total <= 0) return { scrollHeight: 0, scale, first: 0, last: -1, firstVisible: 0, lastVisible: -1, top: () => 0 };
  const firstVisible = Math.min(total - 1, Math.floor(virtualTop / rowHeight));
  const lastVisible = Math.min(total - 1, Math.max(firstVisible, Math.ceil((virtualTop + Math.max(viewport, rowHeight)) / rowHeight) - 1));
  return {
    scrollHeight,
    scale,
    first: Math.max(0, firstVisible - overscan),
    last: Math.min(total - 1, lastVisible + overscan),
    firstVisible,
    lastVisible,
    top: scale === 1 ? (i) => i * rowHeight : (i) => top + (i * rowHeight - virtualTop),
  };
}

/** The scrollTop that brings row `index` fully into view, or `scrollTop` when it already is. */
export function scrollToShow(
  index: number,
  { total, rowHeight, scrollTop, viewport, maxPx = MAX_SCROLL_PX }: Omit<WindowInput, 'overscan'>,
): number {
  const { scale } = scaleOf(total, rowHeight, viewport, maxPx);
  const virtualTop = scrollTop * scale;
  const rowTop = index * rowHeight;
  if (rowTop < virtualTop) return Math.floor(rowTop / scale);
  if (rowTop + rowHeight > virtualTop + viewport) return Math.ceil((rowTop + rowHeight - viewport) / scale);
  return scrollTop;
}

/** The page numbers that hold rows `first..last` (inclusive). */
export function pagesOf(first: number, last: number, pageSize: number): number[] {
  if (last < first) return [];
  const pages: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) pages.push(p);
  return pages;
}

// ---- Stacks of items with their own heights (board columns) -------------------------------------

/**
 * The top of each item stacked with `gap` between them; the last entry is the stack's height.
 * `offsets[i + 1] - offsets[i] - gap` is item i's height.
 */
export function stackOffsets(heights: readonly number[], gap: number): number[] {
  const offsets = new Array<number>(heights.length + 1);
  let y = 0;
  for (let i = 0; i < heights.length; i++) {
    offsets[i] = y;
    y += (heights[i] ?? 0) + gap;
  }
  offsets[heights.length] = heights.length > 0 ? y - gap : 0;
  return offsets;
}

/** The first index whose item ends below `y` (binary search over the offsets). */
function itemAt(offsets: readonly number[], y: number): number {
  const n = offsets.length - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((offsets[mid + 1] ?? 0) <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface StackWindow {
  /** Items to render, inclusive; `last < first` when there are none. */
  first: number;
  last: number;
  firstVisible: number;
  lastVisible: number;
}

/** Which items of a stack are in view at `scrollTop`, plus `overscan` on each side. */
export function stackWindow(offsets: readonly number[], scrollTop: number, viewport: number, overscan: number): StackWindow {
  const n = offsets.length - 1;
  if (n <= 0) return { first: 0, last: -1, firstVisible: 0, lastVisible: -1 };
  const top = Math.max(0, scrollTop);
  const firstVisible = itemAt(offsets, top);
  const lastVisible = Math.max(firstVisible, itemAt(offsets, top + Math.max(0, viewport) - 1));
  return { first: Math.max(0, firstVisible - overscan), last: Math.min(n - 1, lastVisible + overscan), firstVisible, lastVisible };
}

/** The scrollTop that shows the span [top, top + height) whole, or `scrollTop` when it already is. */
export function scrollToSpan(top: number, height: number, scrollTop: number, viewport: number): number {
  if (top < scrollTop || height > viewport) return Math.max(0, top);
  if (top + height > scrollTop + viewport) return Math.max(0, top + height - viewport);
  return scrollTop;
}
