/**
 * Graphviz DOT of a path graph (`--dot`): one box per node, hop by hop from
 * the top (the nodes of a hop on one rank), an edge per link labelled with
 * how many traces, flows or targets took it and drawn thicker the more did;
 * silent hops dashed, the destination doubled, edges not proven by a flow
 * dashed. Identifiers are the graph's own (`src`, `n1`...), never taken from
 * the data, and every label is an HTML-like label of escaped text, so no
 * address, name or AS name can break the file. `dot -Tsvg` renders it.
 *
 * @module
 */
import type { PathGraph } from "./graph.ts";
import { edgeLabel, nodeLines } from "./graph_words.ts";
import { markupText } from "./markup.ts";

/** A label of lines, as Graphviz's HTML-like label. */
function label(lines: readonly string[]): string {
  return `<${lines.map(markupText).join("<br/>")}>`;
}

/**
 * The DOT text of `graph`.
 *
 * @example
 * ```ts
 * import { formatDot } from "./dot.ts";
 * import type { PathGraph } from "./graph.ts";
 *
 * const graph: PathGraph = {
 *   kind: "trace", title: "198.18.2.2", unit: "traces", total: 1,
 *   nodes: [
 *     { id: "src", hop: 0, address: null, final: false, annotations: [], replies: 0,
 *       reach: null, share: null, lossPercent: null, meanRtt: null, flows: null },
 *     { id: "n1", hop: 1, address: "198.18.2.2", final: true, annotations: [], replies: 3,
 *       reach: null, share: null, lossPercent: null, meanRtt: 0.1, flows: null },
 *   ],
 *   edges: [{ from: "src", to: "n1", count: 1, share: 1, estimated: false }],
 * };
 * formatDot(graph).includes("src -> n1"); // true
 * ```
 */
export function formatDot(graph: PathGraph): string {
  const out: string[] = [
    "digraph hopwise {",
    `  graph [rankdir=TB, labelloc=t, fontname="Helvetica", label=${label([graph.title])}];`,
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.6];',
  ];
  const hops = new Map<number, string[]>();
  for (const node of graph.nodes) {
    const attributes = [`label=${label(nodeLines(node, graph))}`];
    if (node.hop === 0) attributes.push("shape=ellipse");
    else if (node.address === null) attributes.push('style="rounded,dashed"', "color=gray50");
    else if (node.final) attributes.push("peripheries=2");
    out.push(`  ${node.id} [${attributes.join(", ")}];`);
    const ids = hops.get(node.hop) ?? hops.set(node.hop, []).get(node.hop)!;
    ids.push(node.id);
  }
  for (const ids of hops.values()) {
    if (ids.length > 1) out.push(`  { rank=same; ${ids.join("; ")}; }`);
  }
  for (const edge of graph.edges) {
    const attributes = [`penwidth=${(1 + 3 * edge.share).toFixed(2)}`];
    const words = edgeLabel(edge, graph);
    if (words) attributes.push(`label=${label([words])}`);
    if (edge.estimated) attributes.push("style=dashed");
    out.push(`  ${edge.from} -> ${edge.to} [${attributes.join(", ")}];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}
