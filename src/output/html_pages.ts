/**
 * The HTML pages of `--html FILE`, each built from a run's results: a
 * continuous run's report (`--report`: per hop its addresses, figures,
 * latency over time and findings), a multipath run (`--flows`, `--mda`: per
 * hop the addresses and flows, the diamonds) and the traces of many targets
 * (`--targets`: the merged graph, then each target's hops). Pure: results
 * in, a page model out (`html.ts` writes it).
 *
 * @module
 */
import type { Trace } from "../core/model.ts";
import type { Multipath } from "../modes/multipath.ts";
import { binSeries, type CycleSeries } from "./cycle_series.ts";
import { multipathGraph, reportGraph, tracesGraph } from "./graph.ts";
import { percent } from "./graph_words.ts";
import type { HtmlFinding, HtmlPage, HtmlRow, HtmlSection } from "./html.ts";
import { diamondWords, flowRanges, multipathSummary } from "./multipath.ts";
import { addressesByReplies, reportedHops } from "./report.ts";
import type { ReportDocumentInput } from "./report_json.ts";
import { latencyChartSvg } from "./svg.ts";

/** Columns of a latency chart at most (cycles beyond are folded together). */
export const CHART_COLUMNS = 240;

/** A round trip as pages show it. */
function ms(value: number | null): string {
  return value === null ? "–" : `${value.toFixed(2)} ms`;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** What a report page is made of: the report's document, every cycle's series, the version. */
export interface ReportPageInput extends ReportDocumentInput {
  /** Every cycle, hop by hop (null: no latency charts). */
  series: CycleSeries | null;
  /** hopwise's version, for the footer. */
  version: string;
}

/** The page of a continuous run's report. */
export function reportPage(input: ReportPageInput): HtmlPage {
  const { start, watch, snapshot } = input;
  const title = `${start.target.host} (${start.target.address})`;
  const hops = reportedHops(snapshot, start.firstHop);
  const shown = new Set(hops.map((h) => h.ttl));
  const beside = (ttl: number) =>
    input.findings.filter((f) => f.hops.find((h) => shown.has(h)) === ttl)
      .map((f): HtmlFinding => ({ kind: f.kind, text: f.text }));
  const sections = hops.map((hop): HtmlSection => {
    const several = hop.addresses.length > 1;
    const rows: HtmlRow[] = addressesByReplies(hop).map((a) => {
      const address = a.address ?? "";
      const identity = snapshot.identities?.[address];
      const name = snapshot.names[address];
      return {
        mark: "",
        address,
        ...(name !== undefined ? { name } : {}),
        ...(identity ? { identity } : {}),
        // One address: the hop's figures say it all.
        note: several ? `${percent(a.share * 100)} of replies, avg ${ms(a.mean)}` : "",
      };
    });
    if (rows.length === 0) rows.push({ mark: "", address: null, note: "no reply" });
    const series = input.series?.hop(hop.ttl);
    return {
      id: `hop-${hop.ttl}`,
      heading: String(hop.ttl),
      rows,
      facts:
        `loss ${percent(hop.lossPercent)} of ${hop.sent} sent; avg ${ms(hop.mean)}, best ${
          ms(hop.best)
        }, worst ${ms(hop.worst)}, stdev ${ms(hop.stdev)}` +
        (hop.other ? `; ${hop.other.received} replies from further addresses` : ""),
      chart: series
        ? latencyChartSvg(binSeries(series, CHART_COLUMNS), `hop ${hop.ttl}: round trip per cycle`)
        : null,
      findings: beside(hop.ttl),
    };
  });
  const flows = watch.flows > 1;
  return {
    title: `hopwise report: ${title}`,
    subtitle: `${snapshot.cycles} cycles, ${start.startedAt} to ${input.endedAt}` +
      (input.reason === "aborted" ? ", interrupted" : ""),
    settings: [
      ["target", title],
      ["method", `${start.method}${flows ? `, ${watch.flows} flows (paris)` : ""}`],
      ["started", start.startedAt],
      ["ended", `${input.endedAt}${input.reason === "aborted" ? " (interrupted)" : ""}`],
      [
        "cycles",
        `${snapshot.cycles} of ${watch.cycles === Infinity ? "∞" : watch.cycles}, every ${
          watch.interval / 1000
        } s`,
      ],
      [
        "probes",
        `${watch.queries} per hop${flows ? " and flow" : ""} a cycle, ${start.packetSize} bytes`,
      ],
      ["hops", `${start.firstHop} to ${start.maxHops} at most`],
      ["source", start.settings.source ?? "chosen by the routing table"],
      ["names", start.settings.resolveNames ? "looked up" : "not looked up (-n)"],
    ],
    findings: input.findings.filter((f) => !f.hops.some((h) => shown.has(h)))
      .map((f) => ({ kind: f.kind, text: f.text })),
    graph: reportGraph(title, snapshot, start.firstHop, watch.flows),
    graphNote: "A box per address at each hop, with its share of the hop's replies, the hop's " +
      "loss and the mean round trip; dashed boxes: no reply; " +
      (flows
        ? "edges count the flows that took them."
        : "dashed edges join hops with several addresses, where which went on to which is not known (--flows follows flows)."),
    sectionsTitle: "Hops",
    sections,
    chartLegend: sections.some((s) => s.chart !== null),
    footer: `hopwise ${input.version}`,
  };
}

/** The page of a multipath run (`--flows`, `--mda`). */
export function multipathPage(run: Multipath, version: string): HtmlPage {
  const title = `${run.target.host} (${run.target.address})`;
  const first = run.hops[0]?.ttl ?? run.firstHop;
  // A diamond is told beside the hop where its paths part (the first hop when they part at the source).
  const partsAt = (ttl: number) =>
    run.diamonds.filter((d) => Math.max(d.from.hop, first) === ttl)
      .map((d): HtmlFinding => ({ kind: "diamond", text: diamondWords(d) }));
  const sections = run.hops.map((hop): HtmlSection => {
    const rows: HtmlRow[] = hop.nodes.map((node) => ({
      mark: "",
      address: node.address,
      ...(node.name !== undefined ? { name: node.name } : {}),
      ...(node.identity ? { identity: node.identity } : {}),
      note: `${node.flows.length === 1 ? "flow" : "flows"} ${flowRanges(node.flows)}, avg ${
        ms(mean(node.rtts))
      }${node.annotations.length ? " " + node.annotations.join(" ") : ""}`,
    }));
    if (hop.unanswered.length > 0) {
      rows.push({
        mark: "",
        address: null,
        note: `no reply to ${hop.unanswered.length === 1 ? "flow" : "flows"} ${
          flowRanges(hop.unanswered)
        }`,
      });
    }
    return {
      id: `hop-${hop.ttl}`,
      heading: String(hop.ttl),
      rows,
      facts: hop.nodes.length > 1 ? `${hop.nodes.length} addresses` : "",
      chart: null,
      findings: partsAt(hop.ttl),
    };
  });
  return {
    title: `hopwise ${run.mode === "mda" ? "--mda" : "--flows"}: ${title}`,
    subtitle: `${run.startedAt} to ${run.endedAt}` +
      (run.reason === "aborted" ? ", interrupted" : ""),
    settings: [
      ["target", title],
      ["method", `${run.method}, flow-stable (paris)`],
      [
        "mode",
        run.mode === "mda"
          ? `MDA at ${+(run.confidence! * 100).toFixed(2)}% confidence`
          : `${run.flows} flows`,
      ],
      ["flows, probes", `${run.flows} flows, ${run.probes} probes`],
      ["started", run.startedAt],
      ["ended", `${run.endedAt} (${run.reason})`],
      ["hops", `${run.firstHop} to ${run.maxHops} at most`],
    ],
    findings: [{ kind: run.mode, text: multipathSummary(run) }],
    graph: multipathGraph(run),
    graphNote: "A box per address at each hop with the flows that met it; dashed boxes: flows " +
      "with no reply there; edges count the flows that took them.",
    sectionsTitle: "Hops",
    sections,
    chartLegend: false,
    footer: `hopwise ${version}`,
  };
}

/** One target's trace of a run of many, as the targets page lists it. */
export interface TargetTrace {
  /** The target as listed. */
  host: string;
  /** Its trace. */
  trace: Trace;
}

/** The page of many targets' traces (`--targets`): the merged graph, then each target's hops. */
export function targetsPage(traces: readonly TargetTrace[], version: string): HtmlPage {
  const reached = traces.filter((t) => t.trace.reason === "reached").length;
  const times = traces.flatMap((t) => [t.trace.startedAt, t.trace.endedAt]).sort();
  const sample = traces[0]?.trace;
  const sections = traces.map(({ host, trace }, i): HtmlSection => {
    const rows = trace.hops.flatMap((hop) => {
      const answered = hop.probes.filter((p) => p.address !== null);
      const addresses = [...new Set(answered.map((p) => p.address!))];
      if (addresses.length === 0) return [{ mark: String(hop.ttl), address: null, note: "" }];
      return addresses.map((address, k): HtmlRow => {
        const probes = answered.filter((p) => p.address === address);
        const named = probes.find((p) => p.name !== undefined);
        const identity = probes.find((p) => p.identity)?.identity;
        const notes = [...new Set(probes.map((p) => p.annotation).filter((a) => a))];
        return {
          mark: k === 0 ? String(hop.ttl) : "",
          address,
          ...(named ? { name: named.name ?? null } : {}),
          ...(identity ? { identity } : {}),
          note: `avg ${ms(mean(probes.flatMap((p) => p.rtt === null ? [] : [p.rtt])))}${
            notes.length ? " " + notes.join(" ") : ""
          }`,
        };
      });
    });
    return {
      id: `target-${i + 1}`,
      heading: `${host} (${trace.target.address})`,
      rows,
      facts: trace.reason === "reached"
        ? `reached in ${trace.hops.at(-1)?.ttl ?? 0} hops`
        : `not reached (${trace.reason})`,
      chart: null,
      findings: [],
    };
  });
  return {
    title: `hopwise --targets: ${traces.length} targets`,
    subtitle: `${reached} of ${traces.length} reached, ${times[0] ?? ""} to ${times.at(-1) ?? ""}`,
    settings: [
      ["targets", `${traces.length} (${reached} reached)`],
      ["method", sample?.method ?? "–"],
      ["probes", sample ? `${sample.queries} per hop, ${sample.packetSize} bytes` : "–"],
      ["hops", sample ? `${sample.firstHop} to ${sample.maxHops} at most` : "–"],
      ["started", times[0] ?? "–"],
      ["ended", times.at(-1) ?? "–"],
    ],
    findings: [],
    graph: tracesGraph(traces.map((t) => t.trace)),
    graphNote: "Every target's trace merged: a hop shared by several targets is one box; edges " +
      "count the targets that crossed them; dashed edges join hops with several addresses.",
    sectionsTitle: "Targets",
    sections,
    chartLegend: false,
    footer: `hopwise ${version}`,
  };
}
