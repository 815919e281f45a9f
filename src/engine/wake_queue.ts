/**
 * A min-heap of things to wake at given times, so the prober steps only the
 * plans that are due (or were poked) instead of scanning every plan.
 *
 * The heap is indexed: each item has one entry that knows its place, so
 * rescheduling moves the entry and removing takes it out, both in O(log n).
 * Nothing of an item stays in the heap once it is removed or taken (a heap
 * that left stale entries behind would hold every finished plan, and all it
 * references, until its old time came round).
 *
 * @module
 */

interface Entry<T> {
  at: number;
  item: T;
  /** Where the entry is in the heap's array. */
  index: number;
}

/** Items ordered by the time they are due. */
export class WakeQueue<T> {
  #heap: Entry<T>[] = [];
  #entries = new Map<T, Entry<T>>();

  /** Items scheduled. */
  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `item` at `at` (replacing an earlier schedule). */
  schedule(item: T, at: number): void {
    const entry = this.#entries.get(item);
    if (!entry) {
      const added: Entry<T> = { at, item, index: this.#heap.length };
      this.#entries.set(item, added);
      this.#heap.push(added);
      this.#up(added);
      return;
    }
    const earlier = at < entry.at;
    entry.at = at;
    if (earlier) this.#up(entry);
    else this.#down(entry);
  }

  /** Forgets `item`. */
  remove(item: T): void {
    const entry = this.#entries.get(item);
    if (entry) this.#take(entry);
  }

  /** The earliest time anything is due (Infinity when nothing is). */
  next(): number {
    return this.#heap[0]?.at ?? Infinity;
  }

  /** Takes out every item due at or before `now`, earliest first. */
  takeDue(now: number): T[] {
    const out: T[] = [];
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.at > now) return out;
      this.#take(top);
      out.push(top.item);
    }
  }

  /** Takes `entry` out: the last entry fills its place and moves to where it belongs. */
  #take(entry: Entry<T>): void {
    const heap = this.#heap;
    this.#entries.delete(entry.item);
    const last = heap.pop()!;
    if (last === entry) return;
    last.index = entry.index;
    heap[entry.index] = last;
    if (last.at < entry.at) this.#up(last);
    else this.#down(last);
  }

  #up(entry: Entry<T>): void {
    const heap = this.#heap;
    let i = entry.index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent]!;
      if (above.at <= entry.at) break;
      heap[i] = above;
      above.index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
  }

  #down(entry: Entry<T>): void {
    const heap = this.#heap;
    let i = entry.index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
      const below = heap[child]!;
      if (below.at >= entry.at) break;
      heap[i] = below;
      below.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
