/**
 * The service's pages, for a person with a browser: `/`, every watched
 * target with its state, its path (each hop's addresses in the current
 * window) and its findings, each linking to the target's own page
 * (`/target?name=HOST`), which is the `--html` report of its current window
 * with the latency charts of its latest cycles. Both are the HTML report's
 * pages (inline style and SVG, one inline script that fetches the same
 * address again and swaps the content), served with the report's
 * Content-Security-Policy as a header too: nothing is fetched from anywhere
 * but the page's own address. Pure: figures in, a page model and a response
 * out; routing and authentication are `http.ts`'s.
 *
 * @module
 */
import type { FleetFigures, FleetFinding, TargetFigures } from "../core/fleet_model.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";
import type { CycleSeries } from "../output/cycle_series.ts";
import type { WatchSnapshot } from "../core/watch_model.ts";
import { explainReport } from "../explain/report.ts";
import {
  type HtmlFinding,
  type HtmlPage,
  htmlPage,
  type HtmlRow,
  type HtmlSection,
  pagePolicy,
} from "../output/html.ts";
import { reportPage } from "../output/html_pages.ts";

/** Seconds between two refreshes of the overview (`/`) while it is open. */
export const OVERVIEW_REFRESH_SECONDS = 10;

/** Seconds between two refreshes of a target's page while it is open. */
export const TARGET_REFRESH_SECONDS = 5;

/** The path of a target's page, relative to `/` (the host percent-encoded). */
export function targetPath(host: string): string {
  return `target?name=${encodeURIComponent(host)}`;
}

/** Labels in one line (`site=fra1, service=db`), or "". */
function labelWords(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(", ");
}

/** The findings as a page lists them: one per kind and text (a finding on several hops once). */
function distinctFindings(findings: readonly FleetFinding[]): HtmlFinding[] {
  const seen = new Map<string, HtmlFinding>();
  for (const f of findings) seen.set(`${f.kind}\n${f.text}`, { kind: f.kind, text: f.text });
  return [...seen.values()];
}

/** A target's path as rows: each hop's addresses in the window (`*` for none), to its destination. */
function pathRows(t: TargetFigures): HtmlRow[] {
  const hops = t.pathHops === null ? t.hops : t.hops.filter((h) => h.ttl <= t.pathHops!);
  return hops.flatMap((hop) => {
    const more = hop.addressesOmitted > 0 ? `and ${hop.addressesOmitted} more` : "";
    if (hop.addresses.length === 0) return [{ mark: String(hop.ttl), address: null, note: more }];
    return hop.addresses.map((a, k): HtmlRow => ({
      mark: k === 0 ? String(hop.ttl) : "",
      address: a.address,
      name: a.name,
      ...(a.identity ? { identity: a.identity } : {}),
      note: k === hop.addresses.length - 1 ? more : "",
    }));
  });
}

/** A target's state and figures in one line. */
function targetFacts(t: TargetFigures): string {
  const state = t.up
    ? t.pathHops === null
      ? "up, destination not known yet"
      : `up, ${t.reached ? "reached" : "not reached"} at hop ${t.pathHops}`
    : `down: ${t.downReason ?? "unknown"}`;
  const labels = labelWords(t.labels);
  return [
    state,
    `${t.address ?? "no address"}, ${t.method || "–"}`,
    `${t.cycles} cycles${t.lastCycleAt ? `, the last at ${t.lastCycleAt}` : ""}`,
    `${t.pathChanges} path change${t.pathChanges === 1 ? "" : "s"}`,
    ...(labels ? [labels] : []),
  ].join("; ");
}

/** The overview (`/`): one section per target, in the configuration's order. */
export function overviewPage(figures: FleetFigures, now: string): HtmlPage {
  const targets = figures.targets;
  const up = targets.filter((t) => t.up).length;
  const troubled = targets.filter((t) => t.findings.length > 0).length;
  const sections = targets.map((t, i): HtmlSection => ({
    id: `target-${i + 1}`,
    heading: t.target,
    link: targetPath(t.target),
    rows: pathRows(t),
    facts: targetFacts(t),
    chart: null,
    findings: distinctFindings(t.findings),
  }));
  return {
    title: `hopwise --serve: ${targets.length} target${targets.length === 1 ? "" : "s"}`,
    subtitle: `${up} up, ${targets.length - up} down, ${troubled} with findings; as of ${now}`,
    settings: [
      ["targets", `${targets.length} (${up} up, ${targets.length - up} down)`],
      ["with findings", String(troubled)],
      ["probes sent", String(figures.probesSent)],
      ["as of", now],
    ],
    findings: [],
    graph: null,
    graphNote: "",
    sectionsTitle: "Targets",
    sections,
    chartLegend: false,
    footer: `hopwise ${figures.version}; the paths and findings cover the current window; ` +
      `this page refreshes every ${OVERVIEW_REFRESH_SECONDS} s`,
  };
}

/** What a target's page is drawn from. */
export interface TargetPageInput {
  /** The watched target. */
  target: WatchedTarget;
  /** Its labels. */
  labels: Readonly<Record<string, string>>;
  /** The window whose statistics speak for it now, or null. */
  window: WatchSnapshot | null;
  /** Its latest cycles, or null before any. */
  series: CycleSeries | null;
  /** hopwise's version. */
  version: string;
  /** Now (ISO 8601). */
  now: string;
}

/**
 * A target's page: the `--html` report of its current window (its graph,
 * each hop's addresses, figures and findings) with the charts of its latest
 * cycles; a target that is down or has no window yet: its state only.
 */
export function targetPage(input: TargetPageInput): HtmlPage {
  const { target, window, series, now } = input;
  const host = target.entry.host;
  const labels = labelWords(input.labels);
  const state: Array<[string, string]> = [
    ["state", target.state === "up" ? "up" : `${target.state}: ${target.reason ?? "starting"}`],
    ...(labels ? [["labels", labels] as [string, string]] : []),
  ];
  const home = { href: "./", label: "← every target" };
  if (!target.start || !window) {
    return {
      home,
      title: `hopwise --serve: ${host}`,
      subtitle: `${target.state === "up" ? "no cycle yet" : target.state}; as of ${now}`,
      settings: [["target", host], ...state, ["as of", now]],
      findings: [],
      graph: null,
      graphNote: "",
      sectionsTitle: "Hops",
      sections: [],
      chartLegend: false,
      footer: `hopwise ${input.version}`,
    };
  }
  const page = reportPage({
    start: target.start,
    watch: target.settings,
    snapshot: window,
    endedAt: now,
    reason: "done",
    statistics: target.statistics(),
    findings: explainReport(window, target.start.firstHop),
    series,
    version: input.version,
  });
  const kept = series?.hops()[0];
  const charted = kept ? kept.sent.length : 0;
  return {
    ...page,
    home,
    title: `hopwise --serve: ${target.start.target.host} (${target.start.target.address})`,
    subtitle: `the current window: ${window.cycles} cycles begun; the charts: the latest ` +
      `${charted} cycles settled; as of ${now}`,
    settings: [
      ...page.settings.filter(([k]) => k !== "ended" && k !== "cycles"),
      ...state,
      ["window", `${window.cycles} cycles begun, every ${target.settings.interval / 1000} s`],
      [
        "charts",
        `the latest ${charted} cycles settled (of ${series?.cycles ?? 0} since the watch began)`,
      ],
      ["as of", now],
    ],
    footer: `${page.footer}; this page refreshes every ${TARGET_REFRESH_SECONDS} s`,
  };
}

/** Whether an `Accept-Encoding` header takes gzip (not refused with `q=0`). */
export function acceptsGzip(header: string | null): boolean {
  for (const part of (header ?? "").split(",")) {
    const [coding, ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (coding !== "gzip" && coding !== "x-gzip") continue;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * A page as an HTTP response: the live page (it refreshes itself every
 * `refreshSeconds`), its policy also as a header, never cached; gzipped when
 * `acceptEncoding` takes it (the overview of 1,000 targets is some 650 KB of
 * text, fetched again every {@linkcode OVERVIEW_REFRESH_SECONDS} s).
 */
export function pageResponse(
  page: HtmlPage,
  refreshSeconds: number,
  acceptEncoding: string | null = null,
): Response {
  const html = htmlPage(page, { refreshSeconds });
  const gzip = acceptsGzip(acceptEncoding);
  const body = gzip ? new Blob([html]).stream().pipeThrough(new CompressionStream("gzip")) : html;
  return new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": pagePolicy(true),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "vary": "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    },
  });
}
