/**
 * hopwise's own drawings, as inline SVG (no Graphviz, nothing fetched): the
 * path graph laid out hop by hop from the top, and a hop's latency over time
 * smokeping's way (per column of cycles, the spread from least to greatest
 * round trip shaded, the median as a tick coloured by the loss, losses
 * marked under the axis). Pure: a graph or series in, SVG text out; every
 * word escaped. The HTML report and the service's page draw with them;
 * colours come from CSS classes (`hw-*`) so the page's style (print, dark)
 * decides them.
 *
 * @module
 */
import type { SeriesBin } from "./cycle_series.ts";
import type { GraphNode, PathGraph } from "./graph.ts";
import { edgeLabel, nodeLines } from "./graph_words.ts";
import { markupText } from "./markup.ts";

const BOX_WIDTH = 230;
const GAP_X = 14;
const LINE = 14;
const ROW_GAP = 38;
const PAD = 10;
/** Nodes side by side at most; a hop with more wraps. */
const ROW_NODES = 8;
/** Characters of a line a box shows (the whole line is its tooltip). */
const LINE_CHARS = 33;

/** A number for SVG: one decimal at most. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function cut(line: string): string {
  return line.length > LINE_CHARS ? line.slice(0, LINE_CHARS - 1) + "…" : line;
}

/** Where each node is drawn. */
interface Placed {
  node: GraphNode;
  x: number;
  y: number;
  height: number;
  lines: string[];
}

/**
 * The path graph as an SVG element: a row per hop (the source on top), its
 * nodes side by side (ordered under their parents; more than eight wrap
 * onto further lines), edges drawn thicker the more traffic took them,
 * dashed where estimated, labelled with their count.
 */
export function graphSvg(graph: PathGraph): string {
  const rows = new Map<number, GraphNode[]>();
  for (const node of graph.nodes) {
    (rows.get(node.hop) ?? rows.set(node.hop, []).get(node.hop)!).push(node);
  }
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) (parents.get(e.to) ?? parents.set(e.to, []).get(e.to)!).push(e.from);
  const placed = new Map<string, Placed>();
  const hops = [...rows.keys()].sort((a, b) => a - b);
  const widest = Math.min(ROW_NODES, Math.max(...[...rows.values()].map((r) => r.length)));
  const width = PAD * 2 + widest * BOX_WIDTH + (widest - 1) * GAP_X;
  let y = PAD;
  for (const hop of hops) {
    const row = rows.get(hop)!;
    // Under their parents: by the mean x of the nodes they come from.
    const centre = (node: GraphNode) => {
      const xs = (parents.get(node.id) ?? []).map((p) => placed.get(p)?.x).filter((x) =>
        x !== undefined
      );
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
    };
    const order = row.map((node, i) => ({ node, key: centre(node), i }))
      .sort((a, b) => a.key - b.key || a.i - b.i).map((o) => o.node);
    // A hop of many nodes (many targets' last hops) wraps onto several lines.
    for (let from = 0; from < order.length; from += ROW_NODES) {
      const line = order.slice(from, from + ROW_NODES);
      const rowWidth = line.length * BOX_WIDTH + (line.length - 1) * GAP_X;
      let x = (width - rowWidth) / 2;
      let tallest = 0;
      for (const node of line) {
        const lines = nodeLines(node, graph);
        const height = 8 + LINE * lines.length;
        placed.set(node.id, { node, x: x + BOX_WIDTH / 2, y, height, lines });
        tallest = Math.max(tallest, height);
        x += BOX_WIDTH + GAP_X;
      }
      y += tallest + (from + ROW_NODES < order.length ? GAP_X : ROW_GAP);
    }
  }
  const height = y - ROW_GAP + PAD;
  const out: string[] = [
    `<svg class="hw-graph" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${
      n(height)
    }" role="img" aria-label="${markupText(`the path to ${graph.title}`)}">`,
  ];
  for (const edge of graph.edges) {
    const a = placed.get(edge.from);
    const b = placed.get(edge.to);
    if (!a || !b) continue;
    const y1 = a.y + a.height;
    const y2 = b.y;
    const mid = (y1 + y2) / 2;
    const words = edgeLabel(edge, graph);
    out.push(
      `<path class="hw-edge${edge.estimated ? " hw-estimated" : ""}" stroke-width="${
        n(1 + 4 * edge.share)
      }" d="M${n(a.x)} ${n(y1)}C${n(a.x)} ${n(mid)} ${n(b.x)} ${n(mid)} ${n(b.x)} ${n(y2)}">` +
        (words ? `<title>${markupText(words)}</title>` : "") + "</path>",
    );
    if (words) {
      out.push(
        `<text class="hw-edge-label" x="${n((a.x + b.x) / 2 + 4)}" y="${n(mid + 4)}">${
          markupText(words)
        }</text>`,
      );
    }
  }
  for (const p of placed.values()) {
    const kind = p.node.hop === 0
      ? "hw-source"
      : p.node.address === null
      ? "hw-silent"
      : p.node.final
      ? "hw-final"
      : "hw-node";
    out.push(
      `<g class="${kind}"><title>${markupText(p.lines.join("\n"))}</title><rect x="${
        n(p.x - BOX_WIDTH / 2)
      }" y="${n(p.y)}" width="${BOX_WIDTH}" height="${n(p.height)}" rx="${
        p.node.hop === 0 ? 14 : 5
      }"/>`,
    );
    p.lines.forEach((line, i) => {
      out.push(
        `<text x="${n(p.x)}" y="${n(p.y + 4 + LINE * (i + 0.8))}"${
          i === 0 ? ' class="hw-first"' : ""
        }>${markupText(cut(line))}</text>`,
      );
    });
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("");
}

/** The least round number (1, 2 or 5 times a power of ten) at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The colour class of a median by its column's loss: none, little, some, much. */
function lossClass(bin: SeriesBin): string {
  const share = bin.sent > 0 ? bin.lost / bin.sent : 0;
  return share === 0 ? "hw-l0" : share <= 0.05 ? "hw-l1" : share <= 0.2 ? "hw-l2" : "hw-l3";
}

const CHART = { width: 600, height: 130, left: 46, right: 8, top: 8, bottom: 28 };

/**
 * A hop's latency over time as an SVG element, smokeping's way: for each
 * bin of cycles the spread of its round trips (least to greatest) shaded,
 * its median a tick coloured by its loss (none, up to 5%, up to 20%, more),
 * a cycle that lost probes marked under the axis, and a column where
 * nothing answered shaded red. The scale runs from 0 to a round number
 * above the greatest round trip.
 */
export function latencyChartSvg(bins: readonly SeriesBin[], label: string): string {
  const { width, height, left, right, top, bottom } = CHART;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const base = top + plotHeight;
  const highs = bins.map((b) => b.high).filter((h) => h !== null);
  const max = niceCeiling(highs.length ? Math.max(...highs) : 0);
  const yOf = (ms: number) => base - (Math.min(ms, max) / max) * plotHeight;
  const column = bins.length > 0 ? plotWidth / bins.length : plotWidth;
  const spread: string[] = [];
  const medians = new Map<string, string[]>();
  const losses: string[] = [];
  const silent: string[] = [];
  bins.forEach((bin, i) => {
    const x = left + column * (i + 0.5);
    if (bin.median !== null && bin.low !== null && bin.high !== null) {
      const y1 = yOf(bin.low);
      const y2 = Math.min(yOf(bin.high), y1 - 1);
      spread.push(`M${n(x)} ${n(y1)}V${n(y2)}`);
      const cls = lossClass(bin);
      (medians.get(cls) ?? medians.set(cls, []).get(cls)!).push(
        `M${n(x - column / 2)} ${n(yOf(bin.median))}h${n(column)}`,
      );
    } else if (bin.sent > 0) silent.push(`M${n(x)} ${top}V${n(base)}`);
    if (bin.lost > 0) losses.push(`M${n(x)} ${n(base + 3)}v6`);
  });
  const stroke = n(Math.max(column * 0.9, 0.6));
  const first = bins[0]?.first ?? 0;
  const last = bins.at(-1)?.last ?? 0;
  const parts = [
    `<svg class="hw-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${
      markupText(label)
    }">`,
    `<title>${markupText(label)}</title>`,
    `<rect class="hw-plot" x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}"/>`,
    `<path class="hw-grid" d="M${left} ${n(top + plotHeight / 2)}h${plotWidth}"/>`,
    silent.length
      ? `<path class="hw-all-lost" stroke-width="${stroke}" d="${silent.join("")}"/>`
      : "",
    spread.length
      ? `<path class="hw-spread" stroke-width="${stroke}" d="${spread.join("")}"/>`
      : "",
    ...[...medians].map(([cls, d]) => `<path class="hw-median ${cls}" d="${d.join("")}"/>`),
    losses.length
      ? `<path class="hw-loss-mark" stroke-width="${stroke}" d="${losses.join("")}"/>`
      : "",
    `<text class="hw-axis" x="${left - 4}" y="${n(base)}" text-anchor="end">0</text>`,
    `<text class="hw-axis" x="${left - 4}" y="${n(top + plotHeight / 2 + 4)}" text-anchor="end">${
      max / 2
    }</text>`,
    `<text class="hw-axis" x="${left - 4}" y="${top + 9}" text-anchor="end">${max} ms</text>`,
    `<text class="hw-axis" x="${left}" y="${height - 4}">cycle ${first}</text>`,
    `<text class="hw-axis" x="${width - right}" y="${
      height - 4
    }" text-anchor="end">cycle ${last}</text>`,
  ];
  parts.push("</svg>");
  return parts.join("");
}
