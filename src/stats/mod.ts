/**
 * Continuous statistics with mtr's definitions: one series of probes
 * ({@linkcode SeriesStats}), a bounded history ({@linkcode OutcomeHistory}), a hop
 * by address and flow ({@linkcode HopStats}), a run by TTL
 * ({@linkcode RunStats}), and the columns of the report and the screen.
 * Pure: no I/O, no clock; memory stays flat however long a run lasts.
 *
 * @example
 * ```ts
 * import { DEFAULT_COLUMNS, formatCells, formatHeader, RunStats } from "./mod.ts";
 *
 * const run = new RunStats();
 * const hop = run.hop(1);
 * hop.sent(0, 0);
 * hop.answered(0, 0, "198.18.0.1", 0.5);
 * formatHeader(DEFAULT_COLUMNS); // " Loss%   Snt   Last   Avg  Best  Wrst StDev"
 * formatCells(DEFAULT_COLUMNS, hop.series); // "  0.0%     1    0.5   0.5   0.5   0.5   0.0"
 * ```
 *
 * @module
 */
export { type AddressStatsJson, AddressTable, DEFAULT_MAX_ADDRESSES } from "./addresses.ts";
export {
  BLANK_COLUMN,
  type Column,
  COLUMNS,
  columnsFromKeys,
  DEFAULT_COLUMNS,
  formatCells,
  formatHeader,
  JITTER_COLUMNS,
  parseColumns,
} from "./columns.ts";
export { OutcomeHistory, type ReadonlyHistory } from "./history.ts";
export {
  DEFAULT_HISTORY,
  DEFAULT_MAX_FLOWS,
  FlowStats,
  type FlowStatsJson,
  type HistoryEntry,
  HopStats,
  type HopStatsJson,
  type HopStatsOptions,
  type Outcome,
} from "./hop_stats.ts";
export { printfFixed, printfInteger } from "./printf.ts";
export { MAX_TTL, RunStats, type RunStatsJson, type RunStatsOptions } from "./run_stats.ts";
export { SeriesStats, type SeriesStatsJson, type SeriesValues } from "./series.ts";
