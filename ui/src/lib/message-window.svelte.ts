// The rows of one folder as the virtualised list sees them: a sparse cache of pages fetched by
// offset (never the whole folder), local edits applied at once (flags, removals) and undone if
// the Rust side refuses, and a refresh that swaps in fresh pages without flashing.
//
// Rows are kept in a plain Map (index → summary) outside Svelte's proxies; `version` is the one
// reactive signal that they changed, so 100,000 rows cost nothing until they are looked at.
/* eslint-disable svelte/prefer-svelte-reactivity -- plain Maps and Sets on purpose: `version` is the signal */
import type { MessageSummary } from './types';
import { pagesOf } from './virtual';
import { withFlag } from './mail';
import { ReadClock } from './read-clock';

export const PAGE_SIZE = 100;
/** Pages kept around the view; the farthest are dropped beyond this. */
const MAX_PAGES = 40;

export type FetchPage = (offset: number, limit: number) => Promise<MessageSummary[]>;

/** One local flag change on some messages: what it sets, and what each row had before it. */
interface FlagEdit {
  flag: string;
  on: boolean;
  /** Per message, the value to go back to if this edit fails (a failed earlier edit hands its
   *  own over, so a chain of failures ends where the row started). */
  before: Map<number, boolean>;
}

/** The newest edit of one flag on one message; once the Rust side has it, the last request
 *  asked before. */
interface PendingFlag {
  edit: FlagEdit;
  settledAfter: number | null;
}

/** What `setFlag` gives back: settle it when the Rust side has the change, undo it when it
 *  refused. Either only acts while no newer edit of the same flag has replaced it. */
export interface FlagChange {
  settle(): void;
  undo(): void;
}

interface Snapshot {
  rows: Map<number, MessageSummary>;
  total: number;
}

export class MessageWindow {
  /** Messages in the folder (from the folder's count, corrected by short pages). */
  total = $state(0);
  /** Bumped whenever rows change; read it to depend on them. */
  version = $state(0);
  /** The first page has been answered (an empty folder is known to be empty). */
  ready = $state(false);

  readonly #fetch: FetchPage;
  readonly #onError: (raw: unknown) => void;
  #rows = new Map<number, MessageSummary>();
  #inflight = new Set<number>();
  /** Flag edits re-applied over pages asked for before the Rust side had them. */
  #pendingFlags = new Map<number, Map<string, PendingFlag>>();
  /** Numbers every page request, so an answer is known to be older or newer than an edit. */
  readonly #clock = new ReadClock();
  /** Bumped by every local edit and reset: answers to older requests are dropped. */
  #epoch = 0;
  #lastRange: [number, number] = [0, -1];

  constructor(fetch: FetchPage, onError: (raw: unknown) => void) {
    this.#fetch = fetch;
    this.#onError = onError;
  }

  /** Starts over for another folder (or the same one from scratch). */
  reset(total: number): void {
    this.#epoch++;
    this.#rows = new Map();
    this.#inflight.clear();
    this.#pendingFlags.clear();
    this.total = Math.max(0, total);
    this.ready = total === 0;
    this.version++;
  }

  /** The folder list reported a new count. */
  setTotal(total: number): void {
    if (total === this.total) return;
    this.total = Math.max(0, total);
    for (const index of [...this.#rows.keys()]) if (index >= this.total) this.#rows.delete(index);
    this.version++;
  }

  row(index: number): MessageSummary | undefined {
    void this.version;
    return this.#rows.get(index);
  }

  /** Where a message is among the loaded rows, or -1. */
  indexOf(id: number): number {
    void this.version;
    for (const [index, row] of this.#rows) if (row.id === id) return index;
    return -1;
  }

  get loadedCount(): number {
    void this.version;
    return this.#rows.size;
  }

  /** Fetches the pages that hold rows `first..last` and are not loaded (or loading) yet. */
  ensure(first: number, last: number): void {
    this.#lastRange = [first, last];
    const end = Math.min(last, this.total - 1);
    for (const page of pagesOf(Math.max(0, first), end, PAGE_SIZE)) {
      if (this.#inflight.has(page) || this.#complete(page)) continue;
      void this.#load(page, this.#epoch);
    }
  }

  /** Re-queries the pages around the last requested range; the old rows stay until they arrive. */
  async refresh(total: number): Promise<void> {
    const epoch = ++this.#epoch;
    this.#inflight.clear();
    const [first, last] = this.#lastRange;
    const pages = pagesOf(Math.max(0, first), Math.min(Math.max(last, first), Math.max(0, total - 1)), PAGE_SIZE);
    try {
      const results = await Promise.all(pages.map((p) => this.#ask(p * PAGE_SIZE)));
      if (epoch !== this.#epoch) return;
      const rows = new Map<number, MessageSummary>();
      let newTotal = Math.max(0, total);
      pages.forEach((page, i) => {
        const [asked, result] = results[i] ?? [0, []];
        result.forEach((row, k) => rows.set(page * PAGE_SIZE + k, this.#withPending(row, asked)));
        if (result.length < PAGE_SIZE && page * PAGE_SIZE + result.length < newTotal) newTotal = page * PAGE_SIZE + result.length;
      });
      this.#rows = rows;
      this.total = newTotal;
      this.ready = true;
      this.version++;
    } catch (raw) {
      if (epoch === this.#epoch) this.#onError(raw);
    } finally {
      this.#prune();
    }
  }

  /** Sets or clears a flag on loaded rows at once. */
  setFlag(ids: readonly number[], flag: string, on: boolean): FlagChange {
    const edit: FlagEdit = { flag, on, before: new Map() };
    for (const [index, row] of this.#rows) {
      if (!ids.includes(row.id)) continue;
      edit.before.set(row.id, row.flags.includes(flag));
      this.#rows.set(index, withFlag(row, flag, on));
    }
    for (const id of ids) {
      const pending = this.#pendingFlags.get(id) ?? new Map<string, PendingFlag>();
      pending.set(flag, { edit, settledAfter: null });
      this.#pendingFlags.set(id, pending);
    }
    this.version++;
    return { settle: () => this.#settle(ids, edit), undo: () => this.#undo(ids, edit) };
  }

  /** The newest edit of `flag` on message `id`, if it is `edit` (not replaced since). */
  #current(id: number, edit: FlagEdit): PendingFlag | undefined {
    const pending = this.#pendingFlags.get(id)?.get(edit.flag);
    return pending?.edit === edit ? pending : undefined;
  }

  /** The Rust side has the change: pages asked for from now on carry it. Answers to requests
   *  already on their way may not, so it is still applied to those. */
  #settle(ids: readonly number[], edit: FlagEdit): void {
    for (const id of ids) {
      const pending = this.#current(id, edit);
      if (pending && pending.settledAfter === null) pending.settledAfter = this.#clock.last;
    }
    this.#prune();
  }

  /** The Rust side refused: rows go back to what they had, unless a newer edit replaced this
   *  one; then that edit's way back becomes this one's. */
  #undo(ids: readonly number[], edit: FlagEdit): void {
    for (const id of ids) {
      const was = edit.before.get(id);
      const newest = this.#pendingFlags.get(id)?.get(edit.flag);
      if (newest && newest.edit !== edit) {
        if (was !== undefined && newest.edit.before.has(id)) newest.edit.before.set(id, was);
        continue;
      }
      if (!newest) continue; // a reset or a settled later edit: the rows are not this edit's
      this.#dropPending([id], edit.flag, () => true);
      if (was === undefined) continue;
      for (const [index, row] of this.#rows) if (row.id === id) this.#rows.set(index, withFlag(row, edit.flag, was));
    }
    this.version++;
  }

  #dropPending(ids: readonly number[], flag: string, drop: (pending: PendingFlag) => boolean): void {
    for (const id of ids) {
      const pending = this.#pendingFlags.get(id);
      const edit = pending?.get(flag);
      if (edit && drop(edit)) pending?.delete(flag);
      if (pending?.size === 0) this.#pendingFlags.delete(id);
    }
  }

  /** Forgets settled edits once no request from before them is still unanswered. */
  #prune(): void {
    for (const [id, pending] of [...this.#pendingFlags]) {
      for (const flag of [...pending.keys()]) {
        this.#dropPending([id], flag, (p) => p.settledAfter !== null && !this.#clock.awaits(p.settledAfter));
      }
    }
  }

  /** Asks for a page, numbered (see `#withPending`). */
  #ask(offset: number): Promise<[number, MessageSummary[]]> {
    return this.#clock.read(() => this.#fetch(offset, PAGE_SIZE));
  }

  /** Takes messages out of the list at once (archive, delete, move). Returns the undo. */
  remove(ids: readonly number[]): () => void {
    const snapshot: Snapshot = { rows: new Map(this.#rows), total: this.total };
    const removed = [...this.#rows].filter(([, row]) => ids.includes(row.id)).map(([index]) => index);
    if (removed.length === 0) return () => {};
    removed.sort((a, b) => a - b);
    const rows = new Map<number, MessageSummary>();
    for (const [index, row] of this.#rows) {
      if (ids.includes(row.id)) continue;
      const shift = removed.filter((r) => r < index).length;
      rows.set(index - shift, row);
    }
    // The slot before an unloaded stretch now holds a row we do not have: leave it empty.
    this.#epoch++;
    this.#inflight.clear();
    this.#rows = rows;
    this.total = Math.max(0, this.total - removed.length);
    this.version++;
    const epoch = this.#epoch;
    return () => {
      if (epoch !== this.#epoch) return; // something newer happened; the refresh will tell
      this.#epoch++;
      this.#rows = snapshot.rows;
      this.total = snapshot.total;
      this.version++;
    };
  }

  #complete(page: number): boolean {
    const start = page * PAGE_SIZE;
    const end = Math.min(this.total, start + PAGE_SIZE);
    for (let i = start; i < end; i++) if (!this.#rows.has(i)) return false;
    return true;
  }

  /** `row` as answered to request `asked`, with the edits it may not carry yet: those not
   *  settled, and those settled after it was asked for. */
  #withPending(row: MessageSummary, asked: number): MessageSummary {
    const pending = this.#pendingFlags.get(row.id);
    if (!pending) return row;
    let out = row;
    for (const [flag, { edit, settledAfter }] of pending) {
      if (settledAfter === null || asked <= settledAfter) out = withFlag(out, flag, edit.on);
    }
    return out;
  }

  async #load(page: number, epoch: number): Promise<void> {
    this.#inflight.add(page);
    try {
      const [asked, result] = await this.#ask(page * PAGE_SIZE);
      if (epoch !== this.#epoch) return;
      const start = page * PAGE_SIZE;
      result.forEach((row, k) => this.#rows.set(start + k, this.#withPending(row, asked)));
      // A short page means the folder shrank since its count was read.
      if (result.length < PAGE_SIZE && start + result.length < this.total) {
        this.total = start + result.length;
        for (const index of [...this.#rows.keys()]) if (index >= this.total) this.#rows.delete(index);
      }
      this.#evict(page);
      this.ready = true;
      this.version++;
    } catch (raw) {
      if (epoch === this.#epoch) this.#onError(raw);
    } finally {
      if (epoch === this.#epoch) this.#inflight.delete(page);
      this.#prune();
    }
  }

  /** Keeps the cache bounded: drops the pages farthest from the one just loaded. */
  #evict(near: number): void {
    const pages = new Set<number>();
    for (const index of this.#rows.keys()) pages.add(Math.floor(index / PAGE_SIZE));
    if (pages.size <= MAX_PAGES) return;
    const [first] = this.#lastRange;
    const centre = Math.floor(Math.max(0, first) / PAGE_SIZE) || near;
    const drop = [...pages].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre)).slice(0, pages.size - MAX_PAGES);
    const dropped = new Set(drop);
    for (const index of [...this.#rows.keys()]) if (dropped.has(Math.floor(index / PAGE_SIZE))) this.#rows.delete(index);
  }
}
