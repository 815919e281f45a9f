/**
 * A hop's latest probe outcomes, a bounded ring kept in typed arrays: a
 * thousand watched targets keep tens of thousands of entries each second,
 * and one object per entry (plus a boxed round trip) was a fifth of the
 * service's memory and most of its long-lived garbage.
 *
 * @module
 */

/** What became of a probe: its round trip in ms, `"lost"`, or `"pending"` while in flight. */
export type Outcome = number | "lost" | "pending";

/** One probe in a hop's history. */
export interface HistoryEntry {
  /** The cycle it belongs to. */
  readonly cycle: number;
  /** Its flow (0 without flows). */
  readonly flow: number;
  /** What became of it so far. */
  readonly outcome: Outcome;
}

/** What a reader of a history may use: it cannot change it. */
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

/** The stored codes of the outcomes that are not round trips (a round trip is never negative). */
const PENDING = -1;
const LOST = -2;

/** Entries the arrays start with; they double as needed, up to the capacity. */
const INITIAL_SLOTS = 8;

function encode(outcome: Outcome): number {
  return outcome === "pending" ? PENDING : outcome === "lost" ? LOST : outcome;
}

function decode(code: number): Outcome {
  return code === PENDING ? "pending" : code === LOST ? "lost" : code;
}

/**
 * The last `capacity` probe outcomes pushed, oldest first. Pushing past the
 * capacity drops the oldest; memory never grows past `capacity` entries.
 * The entries read are made on reading: changing one is done through
 * {@linkcode settle}.
 *
 * @example
 * ```ts
 * import { OutcomeHistory } from "./history.ts";
 *
 * const h = new OutcomeHistory(2);
 * h.push(0, 0, "pending");
 * h.push(1, 0, 12.5);
 * h.push(2, 0, "pending");
 * h.settle(2, 0, "lost");
 * h.toArray(); // [{ cycle: 1, flow: 0, outcome: 12.5 }, { cycle: 2, flow: 0, outcome: "lost" }]
 * ```
 */
export class OutcomeHistory implements ReadonlyHistory<HistoryEntry> {
  readonly #capacity: number;
  #cycles: Float64Array;
  #flows: Uint32Array;
  #outcomes: Float64Array;
  #size = 0;
  /** Slot of the oldest entry (once full, the next to be overwritten). */
  #start = 0;
  /** Entries still pending (none: nothing to look for when one settles). */
  #pending = 0;

  /** An empty history of at most `capacity` entries (an integer, at least 1). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`History capacity must be an integer, at least 1, got "${capacity}"`);
    }
    this.#capacity = capacity;
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.#cycles = new Float64Array(slots);
    this.#flows = new Uint32Array(slots);
    this.#outcomes = new Float64Array(slots);
  }

  /** The most entries it keeps. */
  get capacity(): number {
    return this.#capacity;
  }

  /** How many entries it holds now. */
  get size(): number {
    return this.#size;
  }

  /** Adds an entry as the newest, dropping the oldest when full. */
  push(cycle: number, flow: number, outcome: Outcome): void {
    const code = encode(outcome);
    let slot: number;
    if (this.#size < this.#capacity) {
      if (this.#size === this.#outcomes.length) this.#grow();
      slot = this.#size++;
    } else {
      slot = this.#start;
      if (this.#outcomes[slot] === PENDING) this.#pending--;
      this.#start = (this.#start + 1) % this.#capacity;
    }
    this.#cycles[slot] = cycle;
    this.#flows[slot] = flow;
    this.#outcomes[slot] = code;
    if (code === PENDING) this.#pending++;
  }

  /**
   * Settles the oldest pending entry of `cycle` and `flow` with `outcome`.
   * With none, the probe was never sent (a send that failed: it comes in
   * now, as the newest) or its entry is gone (older than the oldest kept:
   * nothing changes). Returns whether an entry was settled or added.
   */
  settle(cycle: number, flow: number, outcome: number | "lost"): boolean {
    if (this.#pending > 0) {
      for (let i = 0; i < this.#size; i++) {
        const slot = (this.#start + i) % this.#size;
        if (
          this.#outcomes[slot] === PENDING && this.#cycles[slot] === cycle &&
          this.#flows[slot] === flow
        ) {
          this.#outcomes[slot] = encode(outcome);
          this.#pending--;
          return true;
        }
      }
    }
    if (this.#size > 0 && cycle < this.#cycles[this.#start]!) return false;
    this.push(cycle, flow, outcome);
    return true;
  }

  /** Forgets every entry but the pending ones, which stay in their order. */
  keepPending(): void {
    const pending = this.toArray().filter((e) => e.outcome === "pending");
    this.#size = 0;
    this.#start = 0;
    this.#pending = 0;
    for (const e of pending) this.push(e.cycle, e.flow, e.outcome);
  }

  /** The entry at `index`: 0 the oldest, −1 the newest; undefined outside. */
  at(index: number): HistoryEntry | undefined {
    if (!Number.isInteger(index)) return undefined;
    const i = index < 0 ? index + this.#size : index;
    if (i < 0 || i >= this.#size) return undefined;
    const slot = (this.#start + i) % this.#size;
    return {
      cycle: this.#cycles[slot]!,
      flow: this.#flows[slot]!,
      outcome: decode(this.#outcomes[slot]!),
    };
  }

  /** The entries, oldest first. */
  *[Symbol.iterator](): IterableIterator<HistoryEntry> {
    for (let i = 0; i < this.#size; i++) yield this.at(i)!;
  }

  /** The entries, oldest first, in an array. */
  toArray(): HistoryEntry[] {
    return [...this];
  }

  #grow(): void {
    const slots = Math.min(this.#capacity, this.#outcomes.length * 2);
    const grown = (old: Float64Array) => {
      const next = new Float64Array(slots);
      next.set(old);
      return next;
    };
    const flows = new Uint32Array(slots);
    flows.set(this.#flows);
    this.#cycles = grown(this.#cycles);
    this.#outcomes = grown(this.#outcomes);
    this.#flows = flows;
  }
}
