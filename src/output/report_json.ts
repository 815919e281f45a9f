/**
 * Structured output of a continuous run: the `--json` document (schema
 * `hopwise.report/1`), the `--ndjson` lines (`start`, one `cycle` line per
 * cycle as it is settled, `end` with the statistics), and `--csv` (one row
 * per hop and address, as mtr's `-C` has one per hop). Pure.
 *
 * @module
 */
import type { CycleResult, WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import type { ReportFinding } from "../explain/report.ts";
import type { TraceStatistics } from "../core/statistics.ts";
import type { TraceStart } from "../core/model.ts";
import { identityFields, jsonRtt } from "./json.ts";
import { addressesByReplies, identityOf, reportedHops } from "./report.ts";
import { isIdentityColumn, type ReportColumn } from "./columns.ts";

/** The schema of the `--json` document of a continuous run. */
export const REPORT_SCHEMA = "hopwise.report/1";
/** The schema of the `--ndjson` lines of a continuous run. */
export const REPORT_EVENTS_SCHEMA = "hopwise.report-events/1";

/** Everything the document holds. */
export interface ReportDocumentInput {
  /** The run's start. */
  start: TraceStart;
  /** Its settings. */
  watch: WatchSettings;
  /** The statistics at the end. */
  snapshot: WatchSnapshot;
  /** When it ended (ISO 8601). */
  endedAt: string;
  /** `done`, or `aborted` when it was stopped early. */
  reason: "done" | "aborted";
  /** What was read and ignored. */
  statistics: TraceStatistics;
  /** What the numbers mean. */
  findings: readonly ReportFinding[];
}

/** Round trips of a statistics object rounded to the microsecond, and names beside addresses. */
function rounded<T extends object>(values: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = typeof value === "number" && !Number.isInteger(value) ? jsonRtt(value) : value;
  }
  return out as T;
}

/**
 * The hops of a snapshot as JSON: statistics rounded, names and what is
 * known of each address ({@linkcode identityFields}) beside addresses.
 */
export function hopsToJson(snapshot: WatchSnapshot, firstHop: number): unknown[] {
  return reportedHops(snapshot, firstHop).map((hop) => {
    const { addresses, other, flows, history, ...series } = hop;
    const named = (address: string | null) =>
      address === null ? {} : {
        name: snapshot.names[address] ?? null,
        ...identityFields(snapshot.identities?.[address]),
      };
    return {
      ...rounded(series),
      addresses: addresses.map((a) => ({ ...rounded(a), ...named(a.address) })),
      other: other && rounded(other),
      flows: flows.map(({ addresses: fa, other: fo, ...fs }) => ({
        ...rounded(fs),
        addresses: fa.map((a) => ({ ...rounded(a), ...named(a.address) })),
        other: fo && rounded(fo),
      })),
      history: history.map((h) => ({
        ...h,
        outcome: typeof h.outcome === "number" ? jsonRtt(h.outcome) : h.outcome,
      })),
    };
  });
}

/** The `--json` document. */
export function reportToJson(input: ReportDocumentInput): Record<string, unknown> {
  const { start } = input;
  return {
    schema: REPORT_SCHEMA,
    target: start.target,
    method: start.method,
    firstHop: start.firstHop,
    maxHops: start.maxHops,
    packetSize: start.packetSize,
    startedAt: start.startedAt,
    endedAt: input.endedAt,
    reason: input.reason,
    // cycles: null for a run until stopped (JSON has no Infinity).
    settings: {
      ...start.settings,
      watch: {
        ...input.watch,
        cycles: Number.isFinite(input.watch.cycles) ? input.watch.cycles : null,
      },
    },
    cycles: input.snapshot.cycles,
    destination: input.snapshot.destination,
    hops: hopsToJson(input.snapshot, start.firstHop),
    faults: input.snapshot.faults,
    findings: input.findings,
    statistics: input.statistics,
  };
}

/** The `--ndjson` start line. */
export function startLine(start: TraceStart, watch: WatchSettings): string {
  return JSON.stringify({ type: "start", schema: REPORT_EVENTS_SCHEMA, ...start, watch }) + "\n";
}

/**
 * The `--ndjson` line of one settled cycle: each probe's fields, its name
 * and AS path where the cycle carries them, and its responder's identity as
 * the other documents give it ({@linkcode identityFields}).
 */
export function cycleLine(cycle: CycleResult): string {
  return JSON.stringify({
    type: "cycle",
    cycle: cycle.cycle,
    lastHop: cycle.lastHop,
    probes: cycle.probes.map(({ identity, ...p }) => ({
      ...p,
      rtt: jsonRtt(p.rtt),
      ...identityFields(identity),
    })),
  }) + "\n";
}

/** The `--ndjson` end line: the document's statistics and findings. */
export function endLine(input: ReportDocumentInput): string {
  const { schema: _s, ...document } = reportToJson(input);
  return JSON.stringify({ type: "end", ...document }) + "\n";
}

/** A CSV field, quoted when it must be. */
function csvField(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * `--csv`: a header, then one row per hop and address (the hop's row with
 * the address that answered most, then one per further address with its
 * share), the columns' values unrounded but for round trips (to the
 * microsecond); an identity column (`ASN`, `AS_Name`, `CC`, `City`) holds
 * the row's address's value as the lookups gave it, empty when unknown.
 */
export function formatCsv(
  input: Pick<ReportDocumentInput, "start" | "snapshot">,
  columns: readonly ReportColumn[],
  version: string,
): string {
  const shown = columns.filter((c) => isIdentityColumn(c) || c.key !== " ");
  const header = ["Hopwise_Version", "Start_Time", "Status", "Host", "Hop", "Ip", "Name", "Share"]
    .concat(shown.map((c) => c.name));
  const rows = [header.join(",")];
  const { start, snapshot } = input;
  const startTime = Math.floor(Date.parse(start.startedAt) / 1000);
  for (const hop of reportedHops(snapshot, start.firstHop)) {
    const addresses = addressesByReplies(hop);
    const first = addresses[0] ?? null;
    const common = [version, startTime, "OK", start.target.host, hop.ttl];
    rows.push(
      [
        ...common,
        first?.address ?? "???",
        first?.address ? snapshot.names[first.address] ?? "" : "",
        first ? jsonRtt(first.share) : "",
        ...shown.map((c) =>
          isIdentityColumn(c)
            ? c.value(identityOf(snapshot, first?.address))
            : jsonRtt(c.value(hop))
        ),
      ].map(csvField).join(","),
    );
    for (const a of addresses.slice(1)) {
      const values = { ...a, sent: a.received, lost: 0, inFlight: 0, lossPercent: 0 };
      rows.push(
        [
          ...common,
          a.address,
          a.address ? snapshot.names[a.address] ?? "" : "",
          jsonRtt(a.share),
          ...shown.map((c) =>
            isIdentityColumn(c)
              ? c.value(identityOf(snapshot, a.address))
              : ["Loss%", "Snt", "Drop"].includes(c.name)
              ? ""
              : jsonRtt(c.value(values))
          ),
        ].map(csvField).join(","),
      );
    }
  }
  return rows.join("\n") + "\n";
}
