/**
 * Reading back what the graph renderers drew: DOT rendered by Graphviz's
 * `dot -Tsvg` (its status, warnings and SVG), and the nodes and edges of a
 * Graphviz SVG as the words of their labels, so tests check a picture's
 * content from data.
 *
 * @module
 */
import { hasTool } from "./repo_commands.ts";

/** Why Graphviz tests of `group` cannot run here (printed), or null when they can. */
export function dotSkipReason(group: string): string | null {
  if (hasTool("dot")) return null;
  const reason = "Graphviz's dot is not installed (apt-get install graphviz)";
  // deno-lint-ignore no-console
  console.log(`${group} ignored: ${reason}`);
  return reason;
}

/** `dot -Tsvg` of `dot`: its status, stderr (warnings) and the SVG. */
export async function renderDot(
  dot: string,
): Promise<{ code: number; stderr: string; svg: string; ms: number }> {
  const started = performance.now();
  const child = new Deno.Command("dot", {
    args: ["-Tsvg"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(dot));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stderr: text.decode(out.stderr),
    svg: text.decode(out.stdout),
    ms: performance.now() - started,
  };
}

/** Markup text back to plain text (the references Graphviz and hopwise write). */
export function unescapeMarkup(text: string): string {
  return text.replace(/&#(\d+);|&#x([0-9a-f]+);|&(amp|lt|gt|quot|apos);/gi, (_, d, h, name) => {
    if (d) return String.fromCodePoint(Number(d));
    if (h) return String.fromCodePoint(parseInt(h, 16));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[name as string]!;
  });
}

/** A graph read back from Graphviz's SVG: each node's label text by id, and the edges by id. */
export interface DrawnGraph {
  /** Node id to the text of its label (lines joined by newlines). */
  nodes: Map<string, string>;
  /** Edges as `from->to` ids. */
  edges: Set<string>;
  /** Each edge's label text, by `from->to` id ("" when it has none). */
  edgeLabels: Map<string, string>;
}

/** The nodes and edges of a Graphviz SVG. */
export function readSvgGraph(svg: string): DrawnGraph {
  const nodes = new Map<string, string>();
  const edges = new Set<string>();
  const edgeLabels = new Map<string, string>();
  for (const group of svg.split(/<g id="/).slice(1)) {
    const kind = /^[^"]*" class="(node|edge)"/.exec(group)?.[1];
    const title = /<title>([^<]*)<\/title>/.exec(group)?.[1];
    if (!kind || title === undefined) continue;
    const id = unescapeMarkup(title);
    const texts = [...group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
      unescapeMarkup(m[1]!)
    );
    if (kind === "node") nodes.set(id, texts.join("\n"));
    else {
      edges.add(id);
      edgeLabels.set(id, texts.join("\n"));
    }
  }
  return { nodes, edges, edgeLabels };
}

/** The ids of the drawn nodes whose label holds `word` (an address, a name) as a whole word. */
export function nodesWith(graph: DrawnGraph, word: string): string[] {
  return [...graph.nodes].filter(([, text]) => text.split(/[\s(),]+/).includes(word)).map((
    [id],
  ) => id);
}

/** The ids of the drawn nodes of hop `hop` answered by `word` (an address, or `*`). */
export function nodesAt(graph: DrawnGraph, hop: number, word: string): string[] {
  return [...graph.nodes].filter(([, text]) => {
    const first = text.split("\n")[0]!.trim().split(/\s+/);
    return first[0] === String(hop) && first[1] === word;
  }).map(([id]) => id);
}

/** Whether some node holding `a` has an edge to some node holding `b`. */
export function hasEdge(graph: DrawnGraph, a: string, b: string): boolean {
  return nodesWith(graph, a).some((x) =>
    nodesWith(graph, b).some((y) => graph.edges.has(`${x}->${y}`))
  );
}
