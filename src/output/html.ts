/**
 * A self-contained HTML page of a run (`--html FILE`): inline CSS and SVG
 * only, and a Content-Security-Policy that forbids fetching anything, so it
 * looks the same offline, forwarded by mail or printed. A page has a title,
 * the run's settings and times, the findings about the whole path, the path
 * graph, then one section per hop (or per target) with its addresses (names,
 * AS, places), its figures, its latency chart and the findings about it.
 * Responsive (one column on a phone) and printable (no backgrounds, no
 * section split over pages). Pure: a page model in, HTML text out; the
 * builders from a report, a multipath run or many traces are in
 * `html_pages.ts`.
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import type { PathGraph } from "./graph.ts";
import { identityLine } from "./graph_words.ts";
import { markupText } from "./markup.ts";
import { graphSvg } from "./svg.ts";

/** One line of a section: an address (or `*`) and what is known of it. */
export interface HtmlRow {
  /** A short mark before it (a hop number in a target's list), or "". */
  mark: string;
  /** The address; null for no answer (`*`). */
  address: string | null;
  /** Its reverse name, when known. */
  name?: string | null;
  /** Its AS and place, when known. */
  identity?: AddressIdentity;
  /** Figures about it (`75% of replies, 1.20 ms`), or "". */
  note: string;
}

/** A finding in words. */
export interface HtmlFinding {
  /** Its kind (`loss`, `ecmp`, `diamond`...), a CSS class and a tag. */
  kind: string;
  /** What was seen and what it means. */
  text: string;
}

/** One section: a hop of a report, or a target of many. */
export interface HtmlSection {
  /** Its anchor (`hop-3`), unique in the page, letters, digits and `-` only. */
  id: string;
  /** Its heading (`3`, or a target's name). */
  heading: string;
  /**
   * Where its heading leads (a service's page of that target, `target/3`),
   * or absent: a file's sections link nowhere.
   */
  link?: string;
  /** Who answered there. */
  rows: HtmlRow[];
  /** Its figures in one line (`loss 2%, 1000 sent, avg 1.20 ms`), or "". */
  facts: string;
  /** An SVG chart (`latencyChartSvg`), or null. */
  chart: string | null;
  /** The findings about it. */
  findings: HtmlFinding[];
}

/** What a page shows. */
export interface HtmlPage {
  /**
   * A link above the title to the page this one belongs to (a service's
   * target page: `./`, every target), or absent: a file links nowhere.
   */
  home?: { href: string; label: string };
  /** The page's title (`hopwise report: dst.lab (198.18.6.2)`). */
  title: string;
  /** One line under the title (when, how long, how it ended). */
  subtitle: string;
  /** The run's settings, as name and value. */
  settings: Array<[string, string]>;
  /** The findings about the whole path. */
  findings: HtmlFinding[];
  /** The path graph, or null for none (a page of many targets' states). */
  graph: PathGraph | null;
  /** What the graph shows, in one sentence (what its edges count). */
  graphNote: string;
  /** The sections' heading (`Hops`, `Targets`). */
  sectionsTitle: string;
  /** One per hop or target. */
  sections: HtmlSection[];
  /** A legend for the charts, when there are any. */
  chartLegend: boolean;
  /** The last line (`hopwise 0.1.0`). */
  footer: string;
}

/** How a page is made. */
export interface HtmlPageOptions {
  /**
   * Reload the page's content from its own address every this many seconds
   * (a service's live page): adds an inline script and lets the page fetch
   * its own origin; a file leaves it out and fetches nothing.
   */
  refreshSeconds?: number;
}

/** The page's style: a phone's one column, a desktop's three, and print. */
export const PAGE_CSS = `
:root{--fg:#1d232a;--muted:#5b6570;--line:#d5dae0;--bg:#fff;--panel:#f5f7f9;--accent:#1f5fa8;
--ok:#2e8b3a;--warn:#c98a00;--bad:#c0392b}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:1.4rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;margin:0}.hw-sub,.hw-note,.hw-foot{color:var(--muted)}
dl.hw-settings{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
dl.hw-settings dt{color:var(--muted)}dl.hw-settings dd{margin:0;overflow-wrap:anywhere}
ul.hw-findings{padding-left:1.1rem;margin:.3rem 0}ul.hw-findings li{margin:.2rem 0}
.hw-tag{display:inline-block;font-size:.75rem;padding:0 .35rem;border-radius:.3rem;background:var(--panel);border:1px solid var(--line);margin-right:.3rem}
.hw-tag.hw-loss,.hw-tag.hw-destination-loss,.hw-tag.hw-fault{border-color:var(--bad);color:var(--bad)}
.hw-tag.hw-rate-limited,.hw-tag.hw-slow-responder{border-color:var(--warn)}
.hw-scroll{overflow-x:auto;border:1px solid var(--line);border-radius:.4rem;background:var(--panel);padding:.3rem}
svg.hw-graph{display:block;margin:0 auto;font:11px ui-monospace,Menlo,Consolas,monospace}
svg text{fill:var(--fg)}
.hw-graph rect{fill:#fff;stroke:#7d8894;stroke-width:1}.hw-graph .hw-final rect{stroke:var(--accent);stroke-width:2.5}
.hw-graph .hw-silent rect{stroke-dasharray:4 3;fill:var(--panel)}.hw-graph .hw-source rect{fill:var(--panel)}
.hw-graph text{text-anchor:middle}.hw-graph .hw-first{font-weight:600}
.hw-edge{fill:none;stroke:#6c7a89}.hw-edge.hw-estimated{stroke-dasharray:5 4}
.hw-graph .hw-edge-label{text-anchor:start;fill:var(--muted);font-size:10px}
.hw-section{display:grid;grid-template-columns:minmax(12rem,1fr) 2fr minmax(12rem,1fr);gap:.6rem 1rem;
padding:.7rem 0;border-bottom:1px solid var(--line);break-inside:avoid}
.hw-nochart{grid-template-columns:2fr 0 1fr}.hw-section h3{display:inline-block;min-width:2rem}
ul.hw-rows{list-style:none;padding:0;margin:.2rem 0}ul.hw-rows li{overflow-wrap:anywhere}
.hw-mark{display:inline-block;min-width:1.8rem;color:var(--muted)}.hw-id{color:var(--muted);font-size:.85rem}
svg.hw-chart{width:100%;height:auto;display:block;font:10px system-ui,sans-serif}
.hw-plot{fill:var(--panel);stroke:var(--line)}.hw-grid{stroke:var(--line);fill:none}
.hw-spread{stroke:#b7c3cf;fill:none}.hw-median{fill:none;stroke-width:2}
.hw-l0{stroke:var(--ok)}.hw-l1{stroke:#2f7fd1}.hw-l2{stroke:var(--warn)}.hw-l3{stroke:var(--bad)}
.hw-all-lost{stroke:#f3c5c0;fill:none}.hw-loss-mark{stroke:var(--bad);fill:none}
.hw-axis{fill:var(--muted)}
.hw-legend{font-size:.85rem;color:var(--muted)}.hw-key{display:inline-block;width:1.2rem;height:.4rem;vertical-align:middle}
.hw-k-spread{background:#b7c3cf}.hw-k0{background:var(--ok)}.hw-k1{background:#2f7fd1}.hw-k2{background:var(--warn)}.hw-k3{background:var(--bad)}
@media (max-width:52rem){.hw-section,.hw-nochart{grid-template-columns:1fr}main{padding:.6rem}}
@media print{body{font-size:11pt}main{max-width:none;padding:0}.hw-scroll{overflow:visible;border:0;background:none}
svg.hw-graph{max-width:100%;height:auto}.hw-section{grid-template-columns:14rem 1fr 14rem}
h2{break-after:avoid}a{color:inherit;text-decoration:none}.hw-nav{display:none}}
`;

/** Markup of a row: its mark, name and address, AS and place, figures. */
function rowHtml(row: HtmlRow): string {
  const mark = row.mark ? `<span class="hw-mark">${markupText(row.mark)}</span>` : "";
  const who = row.address === null
    ? "*"
    : row.name
    ? `<b>${markupText(row.name)}</b> (${markupText(row.address)})`
    : `<b>${markupText(row.address)}</b>`;
  const identity = identityLine(row.identity);
  return `<li>${mark}${who}${
    identity ? ` <span class="hw-id">${markupText(identity)}</span>` : ""
  }${row.note ? ` <span class="hw-note">${markupText(row.note)}</span>` : ""}</li>`;
}

/** Markup of findings, as a list (empty when there are none). */
export function findingsHtml(findings: readonly HtmlFinding[]): string {
  if (findings.length === 0) return "";
  return `<ul class="hw-findings">${
    findings.map((f) =>
      `<li class="hw-finding"><span class="hw-tag hw-${markupText(f.kind)}">${
        markupText(f.kind)
      }</span>${markupText(f.text)}</li>`
    ).join("")
  }</ul>`;
}

/** Markup of one section (a hop, a target): who answered, figures, chart, findings. */
export function sectionHtml(section: HtmlSection): string {
  const cls = section.chart === null ? "hw-section hw-nochart" : "hw-section";
  const heading = section.link === undefined
    ? markupText(section.heading)
    : `<a href="${markupText(section.link)}">${markupText(section.heading)}</a>`;
  return `<article class="${cls}" id="${
    markupText(section.id)
  }"><div><h3>${heading}</h3><ul class="hw-rows">${section.rows.map(rowHtml).join("")}</ul>${
    section.facts ? `<div class="hw-note">${markupText(section.facts)}</div>` : ""
  }</div><div>${section.chart ?? ""}</div><aside>${
    findingsHtml(section.findings)
  }</aside></article>`;
}

/** The legend of the latency charts. */
const CHART_LEGEND = '<p class="hw-legend">Charts, per column of cycles: the spread of round ' +
  'trips from least to greatest <span class="hw-key hw-k-spread"></span>, the median coloured by ' +
  'the loss: none <span class="hw-key hw-k0"></span>, up to 5% <span class="hw-key hw-k1"></span>, ' +
  'up to 20% <span class="hw-key hw-k2"></span>, more <span class="hw-key hw-k3"></span>; a red ' +
  "mark under the axis where probes were lost, a pink column where none answered.</p>";

/** The page's main content (what a live page swaps when it refreshes). */
export function pageMain(page: HtmlPage): string {
  const settings = page.settings.map(([k, v]) =>
    `<dt>${markupText(k)}</dt><dd>${markupText(v)}</dd>`
  ).join("");
  const home = page.home
    ? `<nav class="hw-nav"><a href="${markupText(page.home.href)}">${
      markupText(page.home.label)
    }</a></nav>`
    : "";
  return `<header>${home}<h1>${markupText(page.title)}</h1><p class="hw-sub">${
    markupText(page.subtitle)
  }</p></header><section><h2>Run</h2><dl class="hw-settings">${settings}</dl></section>${
    page.findings.length
      ? `<section><h2>Findings about the whole path</h2>${findingsHtml(page.findings)}</section>`
      : ""
  }${
    page.graph
      ? `<section><h2>Path</h2><div class="hw-scroll">${
        graphSvg(page.graph)
      }</div><p class="hw-note">${markupText(page.graphNote)}</p></section>`
      : ""
  }<section><h2>${markupText(page.sectionsTitle)}</h2>${page.chartLegend ? CHART_LEGEND : ""}${
    page.sections.map(sectionHtml).join("")
  }</section><footer class="hw-foot"><p>${markupText(page.footer)}</p></footer>`;
}

/** The script of a live page: fetch its own address, swap the main content. */
function refreshScript(seconds: number): string {
  return `<script>setInterval(async()=>{try{const r=await fetch(location.href,{credentials:"same-origin"});` +
    `if(!r.ok)return;const d=new DOMParser().parseFromString(await r.text(),"text/html");` +
    `const m=d.querySelector("main");if(m)document.querySelector("main").replaceWith(m)}catch(e){}},${
      Math.max(1, Math.round(seconds)) * 1000
    })</script>`;
}

/**
 * The Content-Security-Policy of a page: nothing fetched, only inline style;
 * a live page also its inline script and its own origin (what a server
 * sends as a header besides the page's own `<meta>`).
 */
export function pagePolicy(live: boolean): string {
  return live
    ? "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'"
    : "default-src 'none'; style-src 'unsafe-inline'";
}

/**
 * The whole page: one HTML document with its style inline and a policy that
 * lets it fetch nothing (a live page: only its own address, again).
 */
export function htmlPage(page: HtmlPage, options: HtmlPageOptions = {}): string {
  const live = options.refreshSeconds !== undefined;
  const policy = pagePolicy(live);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>${markupText(page.title)}</title>
<style>${PAGE_CSS}</style></head>
<body><main>${pageMain(page)}</main>${
    live ? refreshScript(options.refreshSeconds!) : ""
  }</body></html>
`;
}
