/**
 * A bounded ring buffer of the latest values.
 *
 * @module
 */

/** What a reader of a {@linkcode History} may use: it cannot change it. */
export interface ReadonlyHistory<T> extends Iterable<T> {
  /** The most values it keeps. */
  readonly capacity: number;
  /** How many values it holds now. */
  readonly size: number;
  /** The value at `index`: 0 the oldest, −1 the newest; undefined outside. */
  at(index: number): T | undefined;
  /** The values, oldest first, in an array. */
  toArray(): T[];
}

/**
 * The last `capacity` values pushed, oldest first. Pushing past the capacity
 * drops the oldest; memory never grows past `capacity` values.
 *
 * @example
 * ```ts
 * import { History } from "./history.ts";
 *
 * const h = new History<number>(3);
 * for (const v of [1, 2, 3, 4]) h.push(v);
 * [...h]; // [2, 3, 4]
 * h.at(-1); // 4
 * ```
 */
export class History<T> implements ReadonlyHistory<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  /** Index in #items of the oldest value (once full, the next to be overwritten). */
  #start = 0;

  /** An empty history of at most `capacity` values (an integer, at least 1). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`History capacity must be an integer, at least 1, got "${capacity}"`);
    }
    this.#capacity = capacity;
  }

  /** The most values it keeps. */
  get capacity(): number {
    return this.#capacity;
  }

  /** How many values it holds now. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `value` as the newest, dropping the oldest when full. */
  push(value: T): void {
    if (this.#items.length < this.#capacity) {
      this.#items.push(value);
      return;
    }
    this.#items[this.#start] = value;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  /** The value at `index`: 0 the oldest, −1 the newest; undefined outside. */
  at(index: number): T | undefined {
    const slot = this.#slot(index);
    return slot === -1 ? undefined : this.#items[slot];
  }

  /** Replaces the value at `index` (0 the oldest, −1 the newest); a RangeError outside. */
  set(index: number, value: T): void {
    const slot = this.#slot(index);
    if (slot === -1) {
      throw new RangeError(`History index must be within its ${this.size} values, got "${index}"`);
    }
    this.#items[slot] = value;
  }

  /** Forgets every value. */
  clear(): void {
    this.#items.length = 0;
    this.#start = 0;
  }

  /** The values, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    const n = this.#items.length;
    for (let i = 0; i < n; i++) yield this.#items[(this.#start + i) % n]!;
  }

  /** The values, oldest first, in an array. */
  toArray(): T[] {
    return [...this];
  }

  #slot(index: number): number {
    const n = this.#items.length;
    if (!Number.isInteger(index)) return -1;
    const i = index < 0 ? index + n : index;
    if (i < 0 || i >= n) return -1;
    return (this.#start + i) % n;
  }
}
