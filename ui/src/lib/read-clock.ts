// Numbers the reads of some state the Rust side owns, so a local edit can tell the answers that
// may predate it (asked for before the Rust side had the edit) from those that carry it.

export class ReadClock {
  #last = 0;
  #asking = new Set<number>();

  /** Runs one read, numbered. */
  async read<T>(fetch: () => Promise<T>): Promise<[number, T]> {
    const asked = ++this.#last;
    this.#asking.add(asked);
    try {
      return [asked, await fetch()];
    } finally {
      this.#asking.delete(asked);
    }
  }

  /** The number of the last read asked for: an edit settled now is in every later one. */
  get last(): number {
    return this.#last;
  }

  /** Whether a read asked for no later than `settledAfter` is still unanswered (and may come
   *  back without an edit settled then). */
  awaits(settledAfter: number): boolean {
    for (const asked of this.#asking) if (asked <= settledAfter) return true;
    return false;
  }
}
