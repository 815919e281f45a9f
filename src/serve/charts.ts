/**
 * The latest cycles of every watched target, hop by hop, for its page's
 * latency charts: a bounded {@linkcode CycleSeries} per target, begun anew
 * when the target's watch starts over (its cycles are numbered from 0
 * again), and forgotten with the target (held weakly).
 *
 * @module
 */
import type { TraceStart } from "../core/model.ts";
import type { CycleResult } from "../core/watch_model.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";
import { CHART_COLUMNS } from "../output/html_pages.ts";
import { CycleSeries } from "../output/cycle_series.ts";

/**
 * Cycles kept per target: one a column of the charts (40 minutes at the
 * default interval of 10 s). About 8 bytes a hop and cycle: some 12 KB a
 * target of 6 hops.
 */
export const CHART_CYCLES = CHART_COLUMNS;

/** Every target's latest cycles. */
export class TargetCharts {
  readonly #series = new WeakMap<
    WatchedTarget,
    { start: TraceStart | null; series: CycleSeries }
  >();

  /** Adds a settled cycle of `target`. */
  add(target: WatchedTarget, cycle: CycleResult): void {
    let kept = this.#series.get(target);
    if (!kept || kept.start !== target.start) {
      kept = { start: target.start, series: new CycleSeries({ keep: CHART_CYCLES }) };
      this.#series.set(target, kept);
    }
    kept.series.add(cycle);
  }

  /** The series of `target`'s current watch, or null before its first cycle. */
  of(target: WatchedTarget): CycleSeries | null {
    const kept = this.#series.get(target);
    return kept && kept.start === target.start ? kept.series : null;
  }
}
