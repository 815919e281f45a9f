import { assertEquals, assertOk as assert } from "../../tests/assert.ts";
import {
  dotSkipReason,
  hasEdge,
  readSvgGraph,
  renderDot,
} from "../../tests/helpers/graph_check.ts";
import { formatDot } from "./dot.ts";
import type { GraphEdge, GraphNode, PathGraph } from "./graph.ts";
import { markupText } from "./markup.ts";

/** Names that try every way out of a DOT label or an SVG/HTML text. */
const HOSTILE = [
  'evil"];\nn0 -> n0 [label="x',
  "a{b}c\\",
  "<b>bold</b> & &amp; ]]> <!-- --> <script>alert(1)</script>",
  "tab\there\u0000nul\u001b[31mred\u007f\u0085",
  '\\\\"\\',
  "lone \ud800 surrogate",
  "ünïcødé 名前 🚀",
];

const noDot = dotSkipReason("DOT rendering tests");

function node(id: string, hop: number, over: Partial<GraphNode> = {}): GraphNode {
  return {
    id,
    hop,
    address: null,
    final: false,
    annotations: [],
    replies: 1,
    reach: null,
    share: null,
    lossPercent: null,
    meanRtt: null,
    flows: null,
    ...over,
  };
}

/** A chain of hostile names, each with a hostile AS name and place. */
function hostileGraph(): PathGraph {
  const nodes = [node("src", 0)];
  const edges: GraphEdge[] = [];
  HOSTILE.forEach((name, i) => {
    nodes.push(node(`n${i + 1}`, i + 1, {
      address: `198.18.${i + 1}.2`,
      name,
      identity: { asn: 64500 + i, asName: name, city: name, country: 'X"Y' },
    }));
    edges.push({
      from: i === 0 ? "src" : `n${i}`,
      to: `n${i + 1}`,
      count: 1,
      share: 1,
      estimated: false,
    });
  });
  return { kind: "trace", title: HOSTILE.join(" "), unit: "traces", total: 1, nodes, edges };
}

Deno.test("markupText: nothing hostile survives as markup; controls shown as \\xNN", () => {
  for (const text of HOSTILE) {
    const out = markupText(text);
    assert(![...out].some((c) => `<>"'\\`.includes(c) || /\p{Cc}/u.test(c)), out);
    assert(!/&(?!(amp|lt|gt|quot|#39|#92);)/.test(out), out);
    assert(out.toWellFormed() === out);
  }
  assertEquals(markupText("a\u001bb"), "a&#92;x1bb");
});

Deno.test("formatDot: identifiers are the graph's own; every label is one escaped HTML-like label", () => {
  const dot = formatDot(hostileGraph());
  // Every line is a statement of its own: no label broke out onto another line.
  const lines = dot.trimEnd().split("\n");
  assertEquals(lines.length, 4 + 8 + 7 + 1);
  for (const line of lines.slice(4, -1)) {
    assert(/^ {2}(src|n\d+)( -> n\d+)? \[.*\];$/.test(line), line);
  }
});

Deno.test({
  name: "formatDot: dot -Tsvg renders hostile names without a warning, every node and edge drawn",
  ignore: noDot !== null,
  fn: async () => {
    const graph = hostileGraph();
    const drawn = await renderDot(formatDot(graph));
    assertEquals(drawn.code, 0, drawn.stderr);
    assertEquals(drawn.stderr, "");
    const read = readSvgGraph(drawn.svg);
    assertEquals([...read.nodes.keys()].sort(), graph.nodes.map((n) => n.id).sort());
    for (const e of graph.edges) assert(read.edges.has(`${e.from}->${e.to}`), `${e.from}->${e.to}`);
    // The names come out as the text they were (controls as \xNN, a lone surrogate as U+FFFD).
    const texts = [...read.nodes.values()].join("\n");
    assert(texts.includes("a{b}c\\"), texts);
    assert(texts.includes("<script>alert(1)</script>"));
    assert(texts.includes("\\x1b[31mred"));
    assert(texts.includes("ünïcødé 名前 🚀"));
    assert(hasEdge(read, "198.18.1.2", "198.18.2.2"));
  },
});

Deno.test({
  name: "formatDot: a 30-hop, 4-wide graph renders in well under a second",
  ignore: noDot !== null,
  fn: async () => {
    const nodes = [node("src", 0)];
    const edges: GraphEdge[] = [];
    let previous = ["src"];
    for (let hop = 1; hop <= 30; hop++) {
      const ids = [1, 2, 3, 4].map((k) => `n${hop * 10 + k}`);
      ids.forEach((id, k) => nodes.push(node(id, hop, { address: `198.18.${hop}.${k + 1}` })));
      for (const a of previous) {
        for (const b of ids) {
          edges.push({ from: a, to: b, count: 1, share: 0.25, estimated: true });
        }
      }
      previous = ids;
    }
    const dot = formatDot({ kind: "report", title: "t", unit: "traces", total: 1, nodes, edges });
    const drawn = await renderDot(dot);
    assertEquals(drawn.stderr, "");
    assertEquals(readSvgGraph(drawn.svg).edges.size, edges.length);
    assert(drawn.ms < 5000, `${drawn.ms} ms`);
  },
});
