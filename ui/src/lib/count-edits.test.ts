import { describe, expect, it } from 'vitest';
import { CountEdits, shiftCounts } from './count-edits';
import type { Folder } from './types';

function folder(id: number, total: number, unread: number): Folder {
  return { id, account_id: 1, name: `F${id}`, role: null, total, unread, synced_at: null };
}

describe('CountEdits', () => {
  it('keeps the counts shown over lists read before an edit settled, not over later ones', async () => {
    const counts = new CountEdits();
    let shown = [folder(1, 5, 4), folder(2, 0, 0)];
    let store = shown;
    // A list is on its way from before the change...
    let answer: (f: Folder[]) => void = () => {};
    const early = counts.read(() => new Promise((r) => (answer = r)), () => shown);
    // ...when a message is marked unread; the Rust side commits at once but answers later.
    const change = counts.add(1, 0, 1);
    shown = shiftCounts(shown, 1, 0, 1);
    store = shiftCounts(store, 1, 0, 1);
    answer(store); // this answer already has the change: it is not added again
    expect((await early)[0]?.unread).toBe(5);
    const before = counts.read(async () => [folder(1, 5, 4), folder(2, 3, 1)], () => shown); // and this one has not
    expect((await before)[0]?.unread).toBe(5);
    expect((await before)[1], 'other folders take the answer').toMatchObject({ total: 3, unread: 1 });
    change.settle();
    // Later lists are the truth (here more mail came meanwhile).
    store = shiftCounts(store, 1, 2, 2);
    expect((await counts.read(async () => store, () => shown))[0]).toMatchObject({ total: 7, unread: 7 });
  });

  it('undo drops the edit once; a failed edit holds nothing back', async () => {
    const counts = new CountEdits();
    const change = counts.add(1, -1, -1);
    expect(change.undo()).toBe(true);
    expect(change.undo(), 'a second undo does nothing').toBe(false);
    change.settle();
    expect((await counts.read(async () => [folder(1, 5, 4)], () => [folder(1, 9, 9)]))[0]).toMatchObject({ total: 5, unread: 4 });
  });

  it('never shows a count below zero', () => {
    expect(shiftCounts([folder(1, 0, 0)], 1, -1, -1)[0]).toMatchObject({ total: 0, unread: 0 });
  });
});
