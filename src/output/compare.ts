/**
 * `--compare`'s output: several traces of one target with different methods,
 * shown hop by hop side by side, then the summary line of each method
 * (compare_summary.ts reads them), and the JSON document of the whole
 * comparison. Pure functions of the traces.
 *
 * @module
 */
import type { MethodName } from "../core/model.ts";
import {
  type CompareEntry,
  type CompareFormatOptions,
  type CompareRun,
  describeReply,
  finalAnswer,
  lastAnswer,
  lastProbed,
  summarize,
} from "./compare_summary.ts";
import { traceToJson } from "./json.ts";

/** The schema of the `--compare --json` document. */
export const COMPARE_SCHEMA = "hopwise.compare/1";

/** The deepest hop worth a row: the deepest final answer, or else the deepest answer. */
function lastRow(run: CompareRun): number {
  let row = 0;
  for (const entry of run.entries) {
    if (!entry.trace) continue;
    const final = finalAnswer(entry.trace);
    const last = lastAnswer(entry.trace);
    row = Math.max(row, final?.ttl ?? 0, last?.ttl ?? 0);
  }
  return row;
}

/** The first line: what is compared, to where. */
export function formatCompareHeader(run: CompareRun): string {
  const target = run.target;
  const traced = run.entries.find((e) => e.trace !== null)?.trace;
  const to = target ? `${target.host} (${target.address})` : run.host;
  const max = traced ? `, ${traced.maxHops} hops max` : "";
  return `compare ${run.entries.map((e) => e.label).join(", ")} to ${to}${max}\n`;
}

/** The cell of one method at one hop. */
function cell(
  entry: CompareEntry,
  ttl: number,
  stops: number | null,
  numeric: boolean,
): string {
  const trace = entry.trace;
  if (!trace) return "-";
  const hop = trace.hops.find((h) => h.ttl === ttl);
  if (!hop || hop.probes.length === 0) return "";
  const answered = hop.probes.filter((p) => p.address !== null);
  if (answered.length === 0) return ttl === stops ? "* <- stops" : "*";
  const parts: string[] = [];
  for (const probe of answered) {
    const text = !numeric && probe.name ? probe.name : probe.address!;
    if (!parts.includes(text)) parts.push(text);
  }
  if (answered.length < hop.probes.length) parts.push("*");
  const final = hop.probes.find((p) => p.final && p.address !== null);
  if (final) {
    const reply = describeReply(final, entry.method);
    parts.push(`[${reply ?? "reached"}]`);
  }
  return parts.join(" ");
}

/**
 * The table (one row per hop, a column per method; `*` for no answer, `-`
 * for a method that was not traced, `* <- stops` where a method falls silent
 * for good while another still answers deeper), then one summary line per
 * method.
 */
export function formatCompareBody(run: CompareRun, options: CompareFormatOptions): string {
  const summaries = summarize(run, options);
  const traced = run.entries.filter((e) => e.trace !== null);
  const first = Math.min(...traced.map((e) => e.trace!.firstHop), Infinity);
  const last = lastRow(run);
  const lines: string[] = [];
  if (traced.length > 0 && last >= first) {
    const header = ["hop", ...run.entries.map((e) => e.label)];
    const rows: string[][] = [header];
    for (let ttl = first; ttl <= last; ttl++) {
      rows.push([
        String(ttl),
        ...run.entries.map((e, i) => {
          const s = summaries[i]!;
          const stops = s.stillAnswering.length > 0 ? s.silentFrom : null;
          return cell(e, ttl, stops, options.numeric);
        }),
      ]);
    }
    const widths = header.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
    for (const row of rows) {
      lines.push(
        row.map((text, col) => col === 0 ? text.padStart(widths[0]!) : text.padEnd(widths[col]!))
          .join("  ").trimEnd(),
      );
    }
  } else if (traced.length > 0) {
    lines.push("no answer from any method");
  }
  const deeper = traced.filter((e) => lastProbed(e.trace!) > last);
  if (deeper.length > 0 && last >= first) {
    const to = Math.max(...deeper.map((e) => lastProbed(e.trace!)));
    lines.push(
      `hops ${last + 1} to ${to} not shown: no answer (${deeper.map((e) => e.label).join(", ")})`,
    );
  }
  lines.push("");
  for (const s of summaries) lines.push(s.text);
  return lines.join("\n") + "\n";
}

/** The whole classic text of a comparison: header, table, summary. */
export function formatCompare(run: CompareRun, options: CompareFormatOptions): string {
  return formatCompareHeader(run) + formatCompareBody(run, options);
}

/** The methods of a comparison as JSON. */
export function compareMethodsToJson(
  run: CompareRun,
): Array<{ label: string; method: MethodName; port: number | null; error: string | null }> {
  return run.entries.map((e) => ({
    label: e.label,
    method: e.method,
    port: e.port,
    error: e.error,
  }));
}

/**
 * The `--compare --json` document: `schema`, `target`, `methods` (each
 * `label`, `method`, `port`, `error`), `privileges`, `aborted`, `traces` (the
 * single-trace JSON object of each method that was traced, with its
 * `label`), and `summary` (see {@linkcode CompareSummary}).
 */
export function compareToJson(
  run: CompareRun,
  options: CompareFormatOptions,
): Record<string, unknown> {
  return {
    schema: COMPARE_SCHEMA,
    target: run.target,
    methods: compareMethodsToJson(run),
    privileges: run.privileges,
    aborted: run.aborted,
    traces: run.entries.filter((e) => e.trace !== null).map((e) => ({
      label: e.label,
      ...traceToJson(e.trace!),
    })),
    summary: summarize(run, options),
  };
}
