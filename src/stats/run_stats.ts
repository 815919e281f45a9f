/**
 * The statistics of a continuous run: one {@linkcode HopStats} per TTL.
 *
 * @module
 */
import { HopStats, type HopStatsJson, type HopStatsOptions } from "./hop_stats.ts";

/** The largest TTL (an IPv4 TTL or IPv6 hop limit is one byte). */
export const MAX_TTL = 255;

/** How much each hop of a run keeps (see {@linkcode HopStatsOptions}). */
export interface RunStatsOptions extends HopStatsOptions {}

/** A run's statistics as plain data: the hops seen, by TTL. */
export type RunStatsJson = HopStatsJson[];

/**
 * The hops of a continuous run by TTL, each made when its TTL is first used.
 *
 * @example
 * ```ts
 * import { RunStats } from "./run_stats.ts";
 *
 * const run = new RunStats({ history: 32 });
 * run.hop(2).sent(0, 0);
 * run.hop(1).sent(0, 0);
 * run.hop(1).answered(0, 0, "198.18.0.1", 0.8);
 * [run.firstTtl, run.lastTtl]; // [1, 2]
 * run.toJSON().map((h) => h.ttl); // [1, 2]
 * ```
 */
export class RunStats implements Iterable<HopStats> {
  readonly #options: HopStatsOptions;
  /** By TTL; holes for the TTLs not seen. */
  readonly #hops: (HopStats | undefined)[] = [];
  #first: number | null = null;
  #last: number | null = null;

  /** An empty run; `options` apply to every hop (and are checked now). */
  constructor(options: RunStatsOptions = {}) {
    this.#options = { ...options };
    new HopStats(1, this.#options); // checks the options once, not at the first probe
  }

  /** The hop at `ttl` (an integer from 1 to 255), made empty on first use. */
  hop(ttl: number): HopStats {
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) {
      throw new RangeError(`TTL must be an integer from 1 to ${MAX_TTL}, got "${ttl}"`);
    }
    let hop = this.#hops[ttl];
    if (hop === undefined) {
      hop = new HopStats(ttl, this.#options);
      this.#hops[ttl] = hop;
      if (this.#first === null || ttl < this.#first) this.#first = ttl;
      if (this.#last === null || ttl > this.#last) this.#last = ttl;
    }
    return hop;
  }

  /** The hop at `ttl`, when it was used. */
  get(ttl: number): HopStats | undefined {
    return Number.isInteger(ttl) ? this.#hops[ttl] : undefined;
  }

  /** The smallest TTL used, or null. */
  get firstTtl(): number | null {
    return this.#first;
  }

  /** The largest TTL used, or null. */
  get lastTtl(): number | null {
    return this.#last;
  }

  /** The hops used, by TTL. */
  *[Symbol.iterator](): IterableIterator<HopStats> {
    for (const hop of this.#hops) if (hop !== undefined) yield hop;
  }

  /** Forgets the hops past `ttl` (used again, they start empty). */
  dropAbove(ttl: number): void {
    if (this.#last === null || this.#last <= ttl) return;
    this.#hops.length = Math.max(0, Math.floor(ttl) + 1);
    let last: number | null = null;
    for (let t = this.#hops.length - 1; t >= 0 && last === null; t--) {
      if (this.#hops[t] !== undefined) last = t;
    }
    this.#last = last;
    if (last === null) this.#first = null;
  }

  /** Resets every hop (see {@linkcode HopStats.reset}); the hops and TTLs seen stay. */
  reset(): void {
    for (const hop of this) hop.reset();
  }

  /** The hops used, by TTL, as plain data; their histories left empty with `history: false`. */
  toJSON(options: { history?: boolean } = {}): RunStatsJson {
    return [...this].map((hop) => hop.toJSON(options));
  }
}
