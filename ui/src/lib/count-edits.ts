// Folder counts changed at once by local edits (read, archive, delete), kept over folder lists
// read before the Rust side had the edit, and taken back if it refuses.
//
// A count is a sum, so an edit cannot be added again to an answer: one read while the Rust side
// was committing may carry it already. So while a folder has an edit an answer may predate, the
// answer's counts for it are not taken; the counts shown (which have the edit) stay.
import { ReadClock } from './read-clock';
import type { Folder } from './types';

interface CountEdit {
  folderId: number;
  total: number;
  unread: number;
  /** Once the Rust side has it: the last read asked for before. */
  settledAfter: number | null;
}

/** What `add` gives back: settle it when the Rust side has the change; undo it when it refused
 *  (true if it was still held, so the caller takes it off what it shows). */
export interface CountChange {
  settle(): void;
  undo(): boolean;
}

export class CountEdits {
  readonly #clock = new ReadClock();
  #edits = new Set<CountEdit>();

  /** Reads the folders. A folder with an edit the answer may predate keeps the counts in
   *  `shown` (the list on screen when the answer comes). */
  async read(fetch: () => Promise<Folder[]>, shown: () => readonly Folder[]): Promise<Folder[]> {
    const [asked, folders] = await this.#clock.read(fetch);
    const now = shown();
    const out = folders.map((f) => {
      const held = [...this.#edits].some((e) => e.folderId === f.id && (e.settledAfter === null || asked <= e.settledAfter));
      const mine = held ? now.find((x) => x.id === f.id) : undefined;
      return mine ? { ...f, total: mine.total, unread: mine.unread } : f;
    });
    this.#prune();
    return out;
  }

  /** Holds an edit of a folder's counts (the caller shows it with `shiftCounts`). */
  add(folderId: number, total: number, unread: number): CountChange {
    const edit: CountEdit = { folderId, total, unread, settledAfter: null };
    this.#edits.add(edit);
    return {
      settle: () => {
        if (edit.settledAfter === null && this.#edits.has(edit)) edit.settledAfter = this.#clock.last;
        this.#prune();
      },
      undo: () => this.#edits.delete(edit),
    };
  }

  /** Forgets settled edits once no read from before them is still unanswered. */
  #prune(): void {
    for (const e of [...this.#edits]) if (e.settledAfter !== null && !this.#clock.awaits(e.settledAfter)) this.#edits.delete(e);
  }
}

/** `folders` with one folder's counts moved by `total` and `unread` (never below zero). */
export function shiftCounts(folders: Folder[], folderId: number, total: number, unread: number): Folder[] {
  return folders.map((f) => (f.id === folderId ? { ...f, total: Math.max(0, f.total + total), unread: Math.max(0, f.unread + unread) } : f));
}
