import { describe, expect, it, vi } from 'vitest';
import { MessageWindow, PAGE_SIZE } from './message-window.svelte';
import type { MessageSummary } from './types';

function summary(i: number, flags: string[] = ['seen']): MessageSummary {
  return { id: 1000 + i, message_id: `${i}@x`, thread_id: i, folder_id: 1, subject: `S${i}`, from: 'a@x', date: '2025-03-01T00:00:00Z', snippet: '', flags, has_attachments: false };
}

function folder(total: number) {
  let rows = Array.from({ length: total }, (_, i) => summary(i));
  const fetch = vi.fn(async (offset: number, limit: number) => rows.slice(offset, offset + limit));
  return { fetch, set: (next: MessageSummary[]) => (rows = next), get rows() { return rows; } };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** A window over a folder of `total` messages, with all of them loaded. */
async function loaded(total: number) {
  const f = folder(total);
  const win = new MessageWindow(f.fetch, () => {});
  win.reset(total);
  win.ensure(0, total - 1);
  await settle();
  return { f, win };
}

describe('MessageWindow', () => {
  it('fetches only the pages of the requested rows, once', async () => {
    const f = folder(100_000);
    const win = new MessageWindow(f.fetch, () => {});
    win.reset(100_000);
    win.ensure(49_990, 50_030);
    win.ensure(49_990, 50_030);
    await settle();
    expect(f.fetch.mock.calls).toEqual([
      [49_900, PAGE_SIZE],
      [50_000, PAGE_SIZE],
    ]);
    expect(win.row(50_000)?.id).toBe(1000 + 50_000);
    expect(win.row(0)).toBeUndefined();
    expect(win.loadedCount).toBe(200);
  });

  it('keeps its cache bounded', async () => {
    const f = folder(100_000);
    const win = new MessageWindow(f.fetch, () => {});
    win.reset(100_000);
    for (let p = 0; p < 60; p++) {
      win.ensure(p * 1000, p * 1000);
      await settle();
    }
    expect(win.loadedCount).toBeLessThanOrEqual(40 * PAGE_SIZE);
    expect(win.row(59_000)).toBeDefined();
  });

  it('removes rows at once, shifting the rest, and undoes', async () => {
    const { win } = await loaded(250);
    const undo = win.remove([1000 + 1]);
    expect(win.total).toBe(249);
    expect(win.row(1)?.id).toBe(1002);
    expect(win.indexOf(1000 + 249)).toBe(248);
    undo();
    expect(win.total).toBe(250);
    expect(win.row(1)?.id).toBe(1001);
  });

  it('applies flag edits at once and keeps them over pages fetched before they settle', async () => {
    const { win } = await loaded(10);
    const flagging = win.setFlag([1003], 'flagged', true);
    expect(win.row(3)?.flags).toContain('flagged');
    await win.refresh(10); // the store has not caught up yet
    expect(win.row(3)?.flags, 'pending edit survives a refresh').toContain('flagged');
    flagging.settle();
    await win.refresh(10);
    expect(win.row(3)?.flags).not.toContain('flagged');
    const unreading = win.setFlag([1004], 'seen', false);
    expect(win.row(4)?.flags).toEqual([]);
    unreading.undo();
    expect(win.row(4)?.flags).toEqual(['seen']);
  });

  it('keeps a settled edit over an answer asked for before it settled, not over later ones', async () => {
    let answer: (rows: MessageSummary[]) => void = () => {};
    const rows = Array.from({ length: 5 }, (_, i) => summary(i));
    const fetch = vi.fn(async (offset: number, limit: number) => rows.slice(offset, offset + limit));
    const win = new MessageWindow(fetch, () => {});
    win.reset(5);
    win.ensure(0, 4);
    await settle();
    // A refresh (say, from a sync) is on its way with the rows as they were...
    fetch.mockImplementationOnce(() => new Promise((r) => (answer = r)));
    const refreshing = win.refresh(5);
    // ...when the user marks a message unread, and the Rust side has it at once.
    win.setFlag([1002], 'seen', false).settle();
    answer(rows.slice(0, 5)); // still read: it was asked for before the change
    await refreshing;
    expect(win.row(2)?.flags, 'the stale answer does not undo the edit').toEqual([]);
    // Answers asked for after the edit settled are the truth (here another device read it).
    await win.refresh(5);
    expect(win.row(2)?.flags).toEqual(['seen']);
  });

  it('an older edit settling or failing leaves a newer edit of the same flag in place', async () => {
    const { f, win } = await loaded(5);
    // u, then u again before the first answer: unread, then read again (the store still has
    // it unread, as the second change has not reached it).
    const unread = win.setFlag([1002], 'seen', false);
    f.set(f.rows.map((r) => (r.id === 1002 ? { ...r, flags: [] } : r)));
    const read = win.setFlag([1002], 'seen', true);
    unread.settle();
    await win.refresh(5);
    expect(win.row(2)?.flags, 'the first answer does not settle the second edit').toEqual(['seen']);
    // The first change fails after all, then the second: the row ends as it started.
    unread.undo();
    expect(win.row(2)?.flags, 'an older failure leaves the newer edit').toEqual(['seen']);
    read.undo();
    expect(win.row(2)?.flags, 'back to where it started, before both').toEqual(['seen']);
    // One failing change on its own goes back to what the row had.
    const flagged = win.setFlag([1001], 'flagged', true);
    const unflagged = win.setFlag([1001], 'flagged', false);
    flagged.undo();
    unflagged.undo();
    expect(win.row(1)?.flags).toEqual(['seen']);
  });

  it('refresh swaps in fresh rows and corrects the total from a short page', async () => {
    const { f, win } = await loaded(10);
    f.set([summary(99), ...f.rows.slice(0, 5)]);
    await win.refresh(10);
    expect(win.total).toBe(6);
    expect(win.row(0)?.id).toBe(1099);
    expect(win.row(6)).toBeUndefined();
  });

  it('drops answers that a reset made stale, and reports errors', async () => {
    let release: (rows: MessageSummary[]) => void = () => {};
    const onError = vi.fn();
    const win = new MessageWindow(
      (offset) => (offset === 0 ? new Promise((r) => (release = r)) : Promise.reject({ code: 'database', message: 'x' })),
      onError,
    );
    win.reset(500);
    win.ensure(0, 10);
    win.reset(3);
    release([summary(0)]);
    await settle();
    expect(win.row(0)).toBeUndefined();
    win.reset(500);
    win.ensure(150, 160);
    await settle();
    expect(onError).toHaveBeenCalledWith({ code: 'database', message: 'x' });
  });
});
