/**
 * The text report of a continuous run (`--report`), laid out as mtr's `-r`
 * so that those who read mtr reports read it at once: a `Start:` line, a
 * `HOST:` header with the columns, one `N.|-- host` row per hop (`???` for
 * a hop that never answered), then one line per further address of a hop
 * (load balancing, path changes) with its share of the replies, and, with
 * flows, one line per flow; then, when given, the findings. Pure: a snapshot
 * in, text out.
 *
 * @module
 */
import type { WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import { formatReportFindings, type ReportFinding } from "../explain/report.ts";
import type { AddressStatsJson, HopStatsJson } from "../stats/mod.ts";
import type { SeriesValues } from "../stats/series.ts";
import type { TraceStart } from "../core/model.ts";
import type { AddressIdentity } from "../core/identity.ts";
import {
  formatRowCells,
  formatRowHeader,
  isIdentityColumn,
  type ReportColumn,
  type RowLayout,
  rowLayout,
} from "./columns.ts";

/** What the report shows. */
export interface ReportInput {
  /** The run's start. */
  start: TraceStart;
  /** Its settings. */
  watch: WatchSettings;
  /** The statistics at the end. */
  snapshot: WatchSnapshot;
  /** This host's name, for the `HOST:` header. */
  host: string;
  /** The findings (`explainReport`), printed after the hops and a blank line when any. */
  findings?: readonly ReportFinding[];
}

/** How the report is laid out. */
export interface ReportOptions {
  /** The columns, in order (statistics and identity columns). */
  columns: readonly ReportColumn[];
  /** Addresses only (`-n`). */
  numeric: boolean;
}

/** mtr's `Start:` time: ISO 8601 to the second, with the UTC offset (`+0000`). */
export function reportTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "+0000").replace(/Z$/, "+0000");
}

/** A responder as the report names it: its name, or its address (`-n`, or no name). */
export function hostLabel(address: string, snapshot: WatchSnapshot, numeric: boolean): string {
  const name = numeric ? null : snapshot.names[address] ?? null;
  const as = snapshot.asPaths[address];
  return (name ?? address) + (as !== undefined ? ` [${as}]` : "");
}

/** The hop's addresses, the one with most replies first (ties: first seen). */
export function addressesByReplies(hop: HopStatsJson): AddressStatsJson[] {
  return [...hop.addresses].sort((a, b) => b.received - a.received);
}

/** The values of an address's row: its replies only (it has no Snt or Loss% of its own). */
function addressValues(a: AddressStatsJson): SeriesValues {
  return { ...a, sent: a.received, lost: 0, inFlight: 0, lossPercent: 0 };
}

/** Columns an address row leaves blank (they count probes, and an address only counts replies). */
const PROBE_COLUMNS = new Set(["Loss%", "Snt", "Drop"]);

/** What the lookups know of `address` (nothing for the "other" bucket). */
export function identityOf(
  snapshot: WatchSnapshot,
  address: string | null | undefined,
): AddressIdentity | undefined {
  return address ? snapshot.identities?.[address] : undefined;
}

/** The address that answered a flow most, or null. */
function flowTop(flow: HopStatsJson["flows"][number]): AddressStatsJson | null {
  return [...flow.addresses].sort((a, b) => b.received - a.received)[0] ?? null;
}

/**
 * The layout of `columns` for the rows of `hops`: identity columns as wide
 * as the identities of every address shown (each hop's, and with flows each
 * flow's top address).
 */
export function hopsLayout(
  columns: readonly ReportColumn[],
  snapshot: WatchSnapshot,
  hops: readonly HopStatsJson[],
  flows: boolean,
): RowLayout {
  return rowLayout(columns, function* () {
    for (const hop of hops) {
      for (const a of hop.addresses) yield identityOf(snapshot, a.address);
      if (flows) { for (const f of hop.flows) yield identityOf(snapshot, flowTop(f)?.address); }
    }
  });
}

/** Cells of an address row: the probe-counting columns blank. */
function addressCells(layout: RowLayout, a: AddressStatsJson, snapshot: WatchSnapshot): string {
  return formatRowCells(
    layout,
    addressValues(a),
    identityOf(snapshot, a.address),
    (c) => PROBE_COLUMNS.has(c.name),
  );
}

/** The hops a report shows: from the first probed to the destination's (or the last that answered). */
export function reportedHops(snapshot: WatchSnapshot, firstHop: number): HopStatsJson[] {
  const hops = snapshot.hops.filter((h) => h.ttl >= firstHop);
  const last = snapshot.destination ??
    hops.filter((h) => h.received > 0).at(-1)?.ttl ?? hops.at(-1)?.ttl ?? firstHop;
  return hops.filter((h) => h.ttl <= last);
}

/** The text report, with its findings when `input` has any. */
export function formatReport(input: ReportInput, options: ReportOptions): string {
  const { snapshot } = input;
  const { columns, numeric } = options;
  const hops = reportedHops(snapshot, input.start.firstHop);
  const labels = hops.map((h) => {
    const top = addressesByReplies(h)[0];
    return top ? hostLabel(top.address ?? "", snapshot, numeric) : "???";
  });
  // Wide enough for every row's label: the hops', their further addresses' (4 more to the
  // left) and their flows' (9 more).
  const further = hops.flatMap((h) => [
    ...addressesByReplies(h).slice(1).map((a) =>
      `${hostLabel(a.address ?? "", snapshot, numeric)} ${share(a)}`.length + 4
    ),
    ...(h.other ? [`(other addresses) ${share(h.other)}`.length + 4] : []),
    ...(input.watch.flows > 1
      ? h.flows.map((f) => {
        const top = flowTop(f);
        return (top ? hostLabel(top.address ?? "", snapshot, numeric) : "???").length + 9;
      })
      : []),
  ]);
  const width = Math.max(25, ...labels.map((l) => l.length + 1), ...further.map((n) => n + 1));
  const layout = hopsLayout(columns, snapshot, hops, input.watch.flows > 1);
  let out = `Start: ${reportTime(input.start.startedAt)}\n`;
  out += `HOST: ${input.host}`.padEnd(width + 8) + formatRowHeader(layout) + "\n";
  hops.forEach((hop, i) => {
    const ttl = String(hop.ttl).padStart(3);
    const top = addressesByReplies(hop)[0];
    out += `${ttl}.|-- ${labels[i]!.padEnd(width)}${
      formatRowCells(layout, hop, identityOf(snapshot, top?.address))
    }\n`;
    for (const a of addressesByReplies(hop).slice(1)) {
      const label = `${hostLabel(a.address ?? "", snapshot, numeric)} ${share(a)}`;
      out += `    |  \`|-- ${label.padEnd(width - 4)}${addressCells(layout, a, snapshot)}\n`;
    }
    if (hop.other) {
      out += `    |  \`|-- ${`(other addresses) ${share(hop.other)}`.padEnd(width - 4)}${
        addressCells(layout, hop.other, snapshot)
      }\n`;
    }
    if (input.watch.flows > 1) {
      for (const flow of hop.flows) {
        const top = flowTop(flow);
        const where = top ? hostLabel(top.address ?? "", snapshot, numeric) : "???";
        out += `    |   flow ${String(flow.flow).padEnd(3)} ${where.padEnd(width - 9)}${
          formatRowCells(layout, flow, identityOf(snapshot, top?.address))
        }\n`;
      }
    }
  });
  // A left-aligned identity column last pads its rows: mtr's rows end with their last figure.
  if (columns.length > 0 && isIdentityColumn(columns[columns.length - 1]!)) {
    out = out.replace(/ +$/gm, "");
  }
  const findings = input.findings ?? [];
  return findings.length > 0 ? `${out}\n${formatReportFindings(findings)}` : out;
}

/** An address's share of its hop's replies, as `(45%)`. */
function share(a: AddressStatsJson): string {
  return `(${Math.round(a.share * 100)}%)`;
}
