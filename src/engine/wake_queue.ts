/**
 * A min-heap of things to wake at given times, so the prober steps only the
 * plans that are due (or were poked) instead of scanning every plan.
 * Rescheduling pushes a new entry; stale entries are skipped when popped.
 *
 * @module
 */

interface Entry<T> {
  at: number;
  item: T;
  version: number;
}

/** Items ordered by the time they are due. */
export class WakeQueue<T> {
  #heap: Entry<T>[] = [];
  #version = new Map<T, number>();
  /** Versions are never reused, so an entry left in the heap never comes back to life. */
  #nextVersion = 0;

  /** Items scheduled. */
  get size(): number {
    return this.#version.size;
  }

  /** Schedules `item` at `at` (replacing an earlier schedule). */
  schedule(item: T, at: number): void {
    const version = ++this.#nextVersion;
    this.#version.set(item, version);
    this.#push({ at, item, version });
  }

  /** Forgets `item`. */
  remove(item: T): void {
    this.#version.delete(item);
  }

  /** The earliest time anything is due (Infinity when nothing is). */
  next(): number {
    this.#dropStale();
    return this.#heap[0]?.at ?? Infinity;
  }

  /** Takes out every item due at or before `now`, earliest first. */
  takeDue(now: number): T[] {
    const out: T[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (!top || top.at > now) return out;
      this.#pop();
      this.#version.delete(top.item);
      out.push(top.item);
    }
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (!top || this.#version.get(top.item) === top.version) return;
      this.#pop();
    }
  }

  #push(entry: Entry<T>): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= entry.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
      if (heap[child]!.at >= last.at) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
