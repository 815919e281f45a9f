/**
 * Each hop's round trips cycle by cycle, kept compact for pictures of
 * latency over time (`--html`, the service's target page): per hop and
 * cycle, the median, least and greatest round trip and how many probes were
 * sent and lost, in typed arrays used as rings. A hop costs 8 bytes a cycle
 * (the median as a 32-bit float, the counts as 16-bit integers) while every
 * cycle has at most one round trip there (one probe a hop, the service's
 * default), 16 once one has several (the least and greatest are kept then).
 * Round trips are kept to a 32-bit float's precision (some 7 digits). The
 * statistics of a continuous run keep only a short history; this keeps every
 * cycle (or the latest `keep`), and is fed only when a picture is asked for.
 *
 * @module
 */
import type { CycleResult } from "../core/watch_model.ts";

/** One hop's series: arrays indexed by cycle (from `firstCycle`). */
export interface HopSeries {
  /** The TTL. */
  ttl: number;
  /** The cycle of index 0. */
  firstCycle: number;
  /** Median round trip of the cycle's answers, ms; NaN when none answered. */
  median: number[];
  /** Least round trip, ms; NaN when none answered. */
  low: number[];
  /** Greatest round trip, ms; NaN when none answered. */
  high: number[];
  /** Probes sent (0 when the cycle did not probe this hop). */
  sent: number[];
  /** Probes lost. */
  lost: number[];
}

/** Cycles folded into one column of a chart. */
export interface SeriesBin {
  /** The first cycle in it. */
  first: number;
  /** The last cycle in it. */
  last: number;
  /** The median of its cycles' medians, ms, or null when nothing answered. */
  median: number | null;
  /** The least round trip in it, ms, or null. */
  low: number | null;
  /** The greatest round trip in it, ms, or null. */
  high: number | null;
  /** Probes sent in it. */
  sent: number;
  /** Probes lost in it. */
  lost: number;
}

function medianOf(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * Cycles a hop's ring holds at first; it doubles as needed, up to `keep`. A
 * `keep` up to {@linkcode WHOLE_KEEP} is allocated whole at once, so that a
 * service's memory does not creep up over its first cycles.
 */
const FIRST_CAPACITY = 64;

/** The largest `keep` allocated whole at a hop's first cycle. */
const WHOLE_KEEP = 4096;

/**
 * One hop's latest cycles, in rings: cycle `c` is at slot `c % capacity`,
 * the cycles from `start` to `end - 1` are held.
 */
class HopRing {
  /** The first cycle held. */
  start: number;
  /** One past the last cycle held. */
  end: number;
  capacity: number;
  median: Float32Array;
  /** Sent and lost, two a slot. */
  counts: Uint16Array;
  /** Least and greatest, two a slot; null while no cycle had two round trips (they equal the median). */
  spread: Float32Array | null = null;

  constructor(readonly ttl: number, first: number, capacity: number) {
    this.start = this.end = first;
    this.capacity = capacity;
    this.median = new Float32Array(capacity);
    this.counts = new Uint16Array(capacity * 2);
  }

  /** Room for cycles up to `cycle` (growing, or dropping the oldest past `keep`), the new slots empty. */
  reach(cycle: number, keep: number): void {
    if (cycle < this.end) return;
    const needed = cycle + 1 - this.start;
    if (needed > this.capacity && this.capacity < keep) {
      let capacity = this.capacity;
      while (capacity < needed && capacity < keep) capacity *= 2;
      this.#grow(Math.min(capacity, keep));
    }
    for (let c = Math.max(this.end, cycle + 1 - this.capacity); c <= cycle; c++) {
      const slot = c % this.capacity;
      this.median[slot] = NaN;
      this.counts[2 * slot] = this.counts[2 * slot + 1] = 0;
      if (this.spread) this.spread[2 * slot] = this.spread[2 * slot + 1] = NaN;
    }
    this.end = cycle + 1;
    this.start = Math.max(this.start, this.end - this.capacity);
  }

  #grow(capacity: number): void {
    const median = new Float32Array(capacity);
    const counts = new Uint16Array(capacity * 2);
    const spread = this.spread ? new Float32Array(capacity * 2) : null;
    for (let c = this.start; c < this.end; c++) {
      const from = c % this.capacity, to = c % capacity;
      median[to] = this.median[from]!;
      counts[2 * to] = this.counts[2 * from]!;
      counts[2 * to + 1] = this.counts[2 * from + 1]!;
      if (spread) {
        spread[2 * to] = this.spread![2 * from]!;
        spread[2 * to + 1] = this.spread![2 * from + 1]!;
      }
    }
    this.capacity = capacity;
    this.median = median;
    this.counts = counts;
    this.spread = spread;
  }

  /** Sets a held cycle's figures. */
  set(cycle: number, sent: number, lost: number, rtts: number[]): void {
    const slot = cycle % this.capacity;
    this.counts[2 * slot] = Math.min(sent, 0xffff);
    this.counts[2 * slot + 1] = Math.min(lost, 0xffff);
    const median = rtts.length > 0 ? medianOf(rtts) : NaN;
    this.median[slot] = median;
    const low = rtts.length > 0 ? rtts[0]! : NaN; // sorted by medianOf
    const high = rtts.length > 0 ? rtts.at(-1)! : NaN;
    if (!this.spread && rtts.length > 1 && low !== high) {
      // The first cycle with a spread: every held cycle's least and greatest were its median.
      this.spread = new Float32Array(this.capacity * 2);
      for (let s = 0; s < this.capacity; s++) {
        this.spread[2 * s] = this.spread[2 * s + 1] = this.median[s]!;
      }
    }
    if (this.spread) {
      this.spread[2 * slot] = low;
      this.spread[2 * slot + 1] = high;
    }
  }

  /** The held cycles as a {@linkcode HopSeries} (new arrays). */
  series(): HopSeries {
    const n = this.end - this.start;
    const out: HopSeries = {
      ttl: this.ttl,
      firstCycle: this.start,
      median: new Array(n),
      low: new Array(n),
      high: new Array(n),
      sent: new Array(n),
      lost: new Array(n),
    };
    for (let i = 0; i < n; i++) {
      const slot = (this.start + i) % this.capacity;
      const median = this.median[slot]!;
      out.median[i] = median;
      out.low[i] = this.spread ? this.spread[2 * slot]! : median;
      out.high[i] = this.spread ? this.spread[2 * slot + 1]! : median;
      out.sent[i] = this.counts[2 * slot]!;
      out.lost[i] = this.counts[2 * slot + 1]!;
    }
    return out;
  }
}

/**
 * Collects every cycle of a run (or the latest `keep`), hop by hop.
 *
 * @example
 * ```ts
 * import { CycleSeries } from "./cycle_series.ts";
 *
 * const series = new CycleSeries();
 * series.add({
 *   cycle: 0,
 *   lastHop: 1,
 *   probes: [{ ttl: 1, flow: 0, address: "198.18.1.2", rtt: 0.5, annotation: "", final: false, lost: false, reason: null }],
 * });
 * series.hops()[0]!.median; // [0.5]
 * ```
 */
export class CycleSeries {
  readonly #hops = new Map<number, HopRing>();
  readonly #keep: number;
  #cycles = 0;

  /**
   * A series keeping every cycle, or with `keep` the latest `keep` cycles of
   * each hop at most (a service's page, which runs for good).
   *
   * @throws {RangeError} when `keep` is not a positive integer
   */
  constructor(options: { keep?: number } = {}) {
    const keep = options.keep ?? Infinity;
    if (keep !== Infinity && !(Number.isInteger(keep) && keep > 0)) {
      throw new RangeError(`keep must be a positive integer, got "${keep}"`);
    }
    this.#keep = keep;
  }

  /** Cycles added. */
  get cycles(): number {
    return this.#cycles;
  }

  /** Adds a settled cycle. */
  add(result: CycleResult): void {
    this.#cycles++;
    const byTtl = new Map<number, { rtts: number[]; sent: number; lost: number }>();
    for (const probe of result.probes) {
      let hop = byTtl.get(probe.ttl);
      if (!hop) byTtl.set(probe.ttl, hop = { rtts: [], sent: 0, lost: 0 });
      hop.sent++;
      if (probe.rtt !== null && probe.address !== null) hop.rtts.push(probe.rtt);
      else if (probe.lost) hop.lost++;
    }
    for (const [ttl, cycle] of byTtl) {
      let ring = this.#hops.get(ttl);
      if (!ring) {
        ring = new HopRing(
          ttl,
          result.cycle,
          this.#keep <= WHOLE_KEEP ? this.#keep : FIRST_CAPACITY,
        );
        this.#hops.set(ttl, ring);
      }
      // A cycle older than the hop's first held: cycles settle nearly in order.
      if (result.cycle < ring.start) continue;
      // Cycles not seen yet at this hop (it was not probed) stay empty.
      ring.reach(result.cycle, this.#keep);
      ring.set(result.cycle, cycle.sent, cycle.lost, cycle.rtts);
    }
  }

  /** The series of `ttl` (its arrays made anew), or undefined when it was never probed. */
  hop(ttl: number): HopSeries | undefined {
    return this.#hops.get(ttl)?.series();
  }

  /** Every hop's series, by TTL. */
  hops(): HopSeries[] {
    return [...this.#hops.values()].sort((a, b) => a.ttl - b.ttl).map((h) => h.series());
  }
}

/**
 * A hop's series folded into at most `columns` bins of consecutive cycles
 * (each cycle its own bin when there are fewer): what a chart draws, so its
 * size does not grow with the cycles.
 */
export function binSeries(series: HopSeries, columns: number): SeriesBin[] {
  const n = series.sent.length;
  const count = Math.max(1, Math.min(n, columns));
  const bins: SeriesBin[] = [];
  for (let b = 0; b < count && n > 0; b++) {
    const from = Math.floor((b * n) / count);
    const to = Math.floor(((b + 1) * n) / count);
    const medians: number[] = [];
    let low = Infinity, high = -Infinity, sent = 0, lost = 0;
    for (let i = from; i < to; i++) {
      sent += series.sent[i]!;
      lost += series.lost[i]!;
      if (!Number.isNaN(series.median[i]!)) {
        medians.push(series.median[i]!);
        low = Math.min(low, series.low[i]!);
        high = Math.max(high, series.high[i]!);
      }
    }
    const answered = medians.length > 0;
    bins.push({
      first: series.firstCycle + from,
      last: series.firstCycle + to - 1,
      median: answered ? medianOf(medians) : null,
      low: answered ? low : null,
      high: answered ? high : null,
      sent,
      lost,
    });
  }
  return bins;
}
