/**
 * hopwise: a traceroute for Linux on Deno. It does what Linux traceroute
 * 2.1.2 does, prints the same output, and reports typed events to programs.
 *
 * `trace(host, options)` yields events strictly in print order: `start`,
 * each `probe` as its result is settled, a `hop` after the last probe of each
 * hop, and `end`. `traceAll` resolves to the whole trace.
 *
 * Sockets come from a small C shim bound through Deno FFI, so programs need
 * `--allow-ffi` (and `--allow-net` for name lookups). The default method
 * needs no privilege; `icmp` uses a raw socket when allowed, else an ICMP
 * datagram socket.
 *
 * @example
 * ```ts ignore
 * import { ClassicFormatter, trace } from "./mod.ts";
 *
 * const text = new ClassicFormatter({ numeric: true });
 * for await (const event of trace("198.18.1.2", { maxHops: 10, resolveNames: false })) {
 *   await Deno.stdout.write(new TextEncoder().encode(text.format(event)));
 *   if (event.type === "hop") {
 *     const answered = event.hop.probes.filter((p) => p.address !== null).length;
 *     console.error(`hop ${event.hop.ttl}: ${answered} of ${event.hop.probes.length} answered`);
 *   }
 * }
 * ```
 *
 * Run as the main module, it is the command-line tool:
 * `deno run --allow-ffi --allow-net --allow-read --allow-env mod.ts host`.
 *
 * @module
 */
export { trace, traceAll } from "./src/modes/trace.ts";
export type {
  Hop,
  IcmpInfo,
  IgnoreReason,
  MethodName,
  ProbeResult,
  StopReason,
  Target,
  Trace,
  TraceEvent,
  TraceSettings,
  TraceStart,
  TraceStatistics,
} from "./src/core/model.ts";
export {
  ADAPTIVE,
  DEFAULTS,
  type Timing,
  type TraceOptions,
  type WaitOptions,
} from "./src/config/options.ts";
export {
  DEFAULT_PARALLEL,
  DEFAULT_RATE,
  type ManyOptions,
  type ManyResult,
  type ManySummary,
  MAX_PARALLEL,
  traceMany,
} from "./src/modes/many.ts";
export {
  expandPrefix,
  MAX_PREFIX_ADDRESSES,
  parseTargets,
  type TargetEntry,
  type TargetLineError,
} from "./src/modes/targets.ts";
export { ClassicFormatter, type ClassicOptions } from "./src/output/classic.ts";
export {
  type Diamond,
  type FlowLink,
  MAX_FLOWS,
  type Multipath,
  multipath,
  type MultipathHop,
  type MultipathNode,
  type MultipathOptions,
} from "./src/modes/multipath.ts";
export {
  flowRanges,
  formatMultipath,
  MULTIPATH_SCHEMA,
  multipathToJson,
} from "./src/output/multipath.ts";
export {
  JSON_SCHEMA,
  JsonFormatter,
  type JsonProbe,
  jsonProbe,
  NDJSON_SCHEMA,
  NdjsonFormatter,
  traceToJson,
} from "./src/output/json.ts";
export {
  formatExtensions,
  type IcmpExtensionObject,
  mplsEntries,
  type MplsEntry,
} from "./src/packet/icmp_extension.ts";
export {
  explain,
  type ExplainOptions,
  type Finding,
  type FindingEvidence,
  type FindingKind,
  formatFindings,
} from "./src/explain/findings.ts";
export {
  type CycleProbe,
  type CycleResult,
  MIN_INTERVAL,
  MIN_INTERVAL_PRIVILEGED,
  watch,
  type WatchEvent,
  type WatchFault,
  type WatchOptions,
  WatchSession,
  type WatchSettings,
  type WatchSnapshot,
} from "./src/modes/watch.ts";
export {
  MAX_WATCHED_TARGETS,
  type WatchedState,
  type WatchedTarget,
  WatchMany,
  watchMany,
  type WatchManyListener,
  type WatchManyOptions,
  type WatchManyTarget,
} from "./src/modes/watch_many.ts";
export {
  type FleetFigures,
  type FleetFinding,
  type HopFigures,
  RTT_BUCKETS_SECONDS,
  type TargetFigures,
} from "./src/core/fleet_model.ts";
export { formatMetrics, type MetricsOptions } from "./src/output/metrics.ts";
export {
  explainReport,
  formatReportFindings,
  type ReportFinding,
  type ReportFindingKind,
} from "./src/explain/report.ts";
export { formatReport, type ReportInput, type ReportOptions } from "./src/output/report.ts";
export {
  type GraphEdge,
  type GraphKind,
  type GraphNode,
  multipathGraph,
  type PathGraph,
  reportGraph,
  tracesGraph,
} from "./src/output/graph.ts";
export { edgeLabel, identityLine, nodeLines, percent } from "./src/output/graph_words.ts";
export { formatDot } from "./src/output/dot.ts";
export { markupText } from "./src/output/markup.ts";
export { graphSvg, latencyChartSvg } from "./src/output/svg.ts";
export {
  binSeries,
  CycleSeries,
  type HopSeries,
  type SeriesBin,
} from "./src/output/cycle_series.ts";
export {
  findingsHtml,
  type HtmlFinding,
  type HtmlPage,
  htmlPage,
  type HtmlPageOptions,
  type HtmlRow,
  type HtmlSection,
  PAGE_CSS,
  pageMain,
  sectionHtml,
} from "./src/output/html.ts";
export {
  CHART_COLUMNS,
  multipathPage,
  reportPage,
  type ReportPageInput,
  targetsPage,
  type TargetTrace,
} from "./src/output/html_pages.ts";
export {
  IDENTITY_COLUMNS,
  type IdentityColumn,
  parseReportColumns,
  type ReportColumn,
} from "./src/output/columns.ts";
export type { AddressIdentity, GeoLocation } from "./src/core/identity.ts";
export { HIDDEN, type MultipathShape, Privacy } from "./src/core/privacy.ts";
export {
  formatCsv,
  REPORT_SCHEMA,
  type ReportDocumentInput,
  reportToJson,
} from "./src/output/report_json.ts";
export {
  type AddressStatsJson,
  type Column,
  DEFAULT_COLUMNS,
  type FlowStatsJson,
  type HistoryEntry,
  type HopStatsJson,
  JITTER_COLUMNS,
  type Outcome,
  parseColumns,
  type RunStatsJson,
  type SeriesStatsJson,
  type SeriesValues,
} from "./src/stats/mod.ts";
export {
  OptionError,
  OptionTypeError,
  PrivilegeError,
  ResolveError,
  SystemError,
} from "./src/core/errors.ts";
export {
  type ResolvedHost,
  type Resolver,
  type ReverseAnswer,
  SystemResolver,
} from "./src/lookup/resolver.ts";
export type { Family } from "./src/packet/address.ts";
export type {
  BytesOption,
  Datagram,
  Endpoint,
  ErrorOrigin,
  ExtendedError,
  IntOption,
  QueuedSend,
  Readiness,
  Socket,
  SocketKind,
  Transport,
} from "./src/core/transport.ts";
export { FfiTransport } from "./ffi/ffi_transport.ts";
export { methodNames } from "./src/methods/mod.ts";

if (import.meta.main) {
  const { runCli } = await import("./src/cli/run.ts");
  await runCli();
}
