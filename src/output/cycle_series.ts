/**
 * Each hop's round trips cycle by cycle, kept compact for pictures of
 * latency over time (`--html`): per hop and cycle, the median, least and
 * greatest round trip and how many probes were sent and lost, as numbers in
 * arrays. The statistics of a continuous run keep only a short history; this
 * keeps every cycle, about 20 bytes a hop and cycle (a thousand cycles of
 * thirty hops: some 600 KB), and is fed only when a picture is asked for.
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
 * Collects every cycle of a run, hop by hop.
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
  readonly #hops = new Map<number, HopSeries>();
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
      let series = this.#hops.get(ttl);
      if (!series) {
        series = {
          ttl,
          firstCycle: result.cycle,
          median: [],
          low: [],
          high: [],
          sent: [],
          lost: [],
        };
        this.#hops.set(ttl, series);
      }
      const i = result.cycle - series.firstCycle;
      if (i < 0) continue; // A cycle older than the hop's first: cycles settle nearly in order.
      // Cycles not seen yet at this hop (it was not probed) stay empty.
      while (series.sent.length <= i) {
        series.median.push(NaN);
        series.low.push(NaN);
        series.high.push(NaN);
        series.sent.push(0);
        series.lost.push(0);
      }
      series.sent[i] = cycle.sent;
      series.lost[i] = cycle.lost;
      if (cycle.rtts.length > 0) {
        series.low[i] = Math.min(...cycle.rtts);
        series.high[i] = Math.max(...cycle.rtts);
        series.median[i] = medianOf(cycle.rtts);
      }
      // Past `keep`, the oldest go, a quarter of `keep` at a time.
      const over = series.sent.length - this.#keep;
      if (over > 0 && over >= Math.ceil(this.#keep / 4)) {
        for (const values of [series.median, series.low, series.high, series.sent, series.lost]) {
          values.splice(0, over);
        }
        series.firstCycle += over;
      }
    }
  }

  /** The series of `ttl`, or undefined when it was never probed. */
  hop(ttl: number): HopSeries | undefined {
    return this.#hops.get(ttl);
  }

  /** Every hop's series, by TTL. */
  hops(): HopSeries[] {
    return [...this.#hops.values()].sort((a, b) => a.ttl - b.ttl);
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
