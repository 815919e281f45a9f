import { assertEquals, assertOk as assert } from "../../tests/assert.ts";
import { probeResult, traceStart } from "../../tests/fixtures.ts";
import { addr, silent, snapshotOf, steady } from "../../tests/helpers/snapshot_fixture.ts";
import type { Trace } from "../core/model.ts";
import type { Multipath } from "../modes/multipath.ts";
import {
  type GraphNode,
  multipathGraph,
  type PathGraph,
  reportGraph,
  tracesGraph,
} from "./graph.ts";
import { nodeLines } from "./graph_words.ts";

/** A trace whose hop i (1-based) answers from `plan[i-1]` (one address a probe, null: `*`). */
function traceOf(plan: Array<Array<string | null>>, host = "dst.lab"): Trace {
  const hops = plan.map((probes, h) => ({
    ttl: h + 1,
    probes: probes.map((address, i) =>
      probeResult(
        h + 1,
        i,
        address === null ? {} : {
          address,
          rtt: h + 1 + i / 10,
          final: h === plan.length - 1,
        },
      )
    ),
  }));
  return {
    ...traceStart({ target: { host, address: plan.at(-1)![0]!, family: 4 } }),
    hops,
    reason: "reached",
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: { sent: 0, matched: 0, ignored: {} } as unknown as Trace["statistics"],
  };
}

/** The graph's edges as `address>address` (`*` for silence, `src` for the source). */
function edgeWords(graph: PathGraph): string[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const word = (n: GraphNode) => n.hop === 0 ? "src" : `${n.hop}:${n.address ?? "*"}`;
  return graph.edges.map((e) => `${word(byId.get(e.from)!)}>${word(byId.get(e.to)!)}`);
}

Deno.test("tracesGraph: a chain with a silent hop is a line of nodes, the silent one a * node", () => {
  const g = tracesGraph([
    traceOf([["198.18.1.2", "198.18.1.2"], [null, null], ["198.18.3.2", "198.18.3.2"]]),
  ]);
  assertEquals(g.kind, "trace");
  assertEquals(g.nodes.map((n) => n.address), [null, "198.18.1.2", null, "198.18.3.2"]);
  assertEquals(edgeWords(g), ["src>1:198.18.1.2", "1:198.18.1.2>2:*", "2:*>3:198.18.3.2"]);
  assertEquals(g.nodes[1]!.replies, 2);
  assertEquals(g.nodes[1]!.meanRtt, 1.05);
  assert(g.nodes[3]!.final);
  assert(g.edges.every((e) => !e.estimated && e.count === 1));
});

Deno.test("tracesGraph: a hop answering from two addresses links both ways, estimated", () => {
  const g = tracesGraph([traceOf([["198.18.1.2"], ["198.18.2.2", "198.18.3.2"], ["198.18.4.2"]])]);
  assertEquals(edgeWords(g).sort(), [
    "1:198.18.1.2>2:198.18.2.2",
    "1:198.18.1.2>2:198.18.3.2",
    "2:198.18.2.2>3:198.18.4.2",
    "2:198.18.3.2>3:198.18.4.2",
    "src>1:198.18.1.2",
  ]);
  assertEquals(g.edges.filter((e) => e.estimated).length, 4);
});

Deno.test("tracesGraph: many targets share their common hops, edges count targets", () => {
  const g = tracesGraph([
    traceOf([["198.18.1.2"], ["198.18.2.2"], ["198.18.9.1"]], "a"),
    traceOf([["198.18.1.2"], ["198.18.2.2"], ["198.18.9.2"]], "b"),
    traceOf([["198.18.1.2"], [null], ["198.18.9.3"]], "c"),
  ]);
  assertEquals(g.kind, "targets");
  assertEquals(g.total, 3);
  const first = g.nodes.filter((n) => n.address === "198.18.1.2");
  assertEquals(first.length, 1);
  assertEquals(first[0]!.reach, 3);
  const counts = Object.fromEntries(edgeWords(g).map((w, i) => [w, g.edges[i]!.count]));
  assertEquals(counts["src>1:198.18.1.2"], 3);
  assertEquals(counts["1:198.18.1.2>2:198.18.2.2"], 2);
  assertEquals(counts["1:198.18.1.2>2:*"], 1);
  assertEquals(counts["2:198.18.2.2>3:198.18.9.1"], 1);
  assertEquals(nodeLines(first[0]!, g).at(-1)!.includes("3 targets"), true);
});

Deno.test("multipathGraph: each flow walks its path; a diamond's edges count its flows", () => {
  const node = (hop: number, address: string, flows: number[]) => ({
    hop,
    address,
    flows,
    rtts: flows.map(() => hop),
    final: hop === 3,
    annotations: [],
  });
  const run = {
    ...traceStart(),
    mode: "mda",
    flows: 4,
    hops: [
      { ttl: 1, nodes: [node(1, "198.18.1.2", [0, 1, 2, 3])], unanswered: [] },
      {
        ttl: 2,
        nodes: [node(2, "198.18.2.2", [0, 2]), node(2, "198.18.3.2", [1])],
        unanswered: [3],
      },
      { ttl: 3, nodes: [node(3, "198.18.4.2", [0, 1, 2, 3])], unanswered: [] },
    ],
  } as unknown as Multipath;
  const g = multipathGraph(run);
  const counts = Object.fromEntries(edgeWords(g).map((w, i) => [w, g.edges[i]!.count]));
  assertEquals(counts, {
    "src>1:198.18.1.2": 4,
    "1:198.18.1.2>2:198.18.2.2": 2,
    "1:198.18.1.2>2:198.18.3.2": 1,
    "1:198.18.1.2>2:*": 1,
    "2:198.18.2.2>3:198.18.4.2": 2,
    "2:198.18.3.2>3:198.18.4.2": 1,
    "2:*>3:198.18.4.2": 1,
  });
  const two = g.nodes.find((n) => n.address === "198.18.2.2")!;
  assertEquals(two.flows, [0, 2]);
  assert(nodeLines(two, g).some((l) => l.includes("flows 0,2")));
  // Nothing looked up: no identity on any node.
  assert(g.nodes.every((n) => n.identity === undefined));
});

Deno.test("multipathGraph: a node carries its name, AS and place, which its words show", () => {
  const identity = { asn: 64502, asName: "Example-Transit", country: "NL", city: "Amsterdam" };
  const run = {
    ...traceStart(),
    mode: "flows",
    flows: 2,
    hops: [{
      ttl: 1,
      nodes: [
        {
          hop: 1,
          address: "198.18.1.2",
          name: "r1.lab",
          asPath: "AS64502",
          identity,
          flows: [0, 1],
          rtts: [1, 1],
          final: false,
          annotations: [],
        },
      ],
      unanswered: [],
    }],
  } as unknown as Multipath;
  const g = multipathGraph(run);
  const node = g.nodes.find((n) => n.address === "198.18.1.2")!;
  assertEquals([node.name, node.identity], ["r1.lab", identity]);
  assertEquals(nodeLines(node, g).slice(0, 2), [
    "1  r1.lab (198.18.1.2)",
    "AS64502 Example-Transit, Amsterdam, NL",
  ]);
});

Deno.test("reportGraph: shares, loss and mean RTT on the nodes; ECMP edges estimated; identities shown", () => {
  const snapshot = snapshotOf({
    cycles: 20,
    hops: [
      steady(addr(1), 1),
      (cycle) => ({ address: addr(2, cycle % 4 === 0 ? 2 : 1), rtt: 2 }),
      silent,
      steady(addr(4), 4),
    ],
  }, {
    destination: 4,
    names: { [addr(1)]: "r1.lab" },
    identities: { [addr(4)]: { asn: 64501, asName: "EXAMPLE-NET", country: "DE", city: "Berlin" } },
  });
  const g = reportGraph("dst.lab (198.18.4.1)", snapshot, 1, 1);
  const two = g.nodes.filter((n) => n.hop === 2);
  assertEquals(two.map((n) => n.share), [0.75, 0.25]);
  assertEquals(g.nodes.find((n) => n.hop === 3)!.lossPercent, 100);
  assertEquals(edgeWords(g).filter((w) => w.startsWith("2:")).length, 2);
  assert(g.edges.filter((e) => e.estimated).length === 4, JSON.stringify(g.edges));
  const into2 = g.edges.filter((e) => two.some((n) => n.id === e.to)).map((e) => e.share);
  assertEquals(into2, [0.75, 0.25]);
  const last = g.nodes.find((n) => n.hop === 4)!;
  assert(last.final);
  assertEquals(nodeLines(last, g)[1], "AS64501 EXAMPLE-NET, Berlin, DE");
  assertEquals(nodeLines(g.nodes.find((n) => n.hop === 1)!, g)[0], `1  r1.lab (${addr(1)})`);
});

Deno.test("reportGraph with flows: edges count the flows that took them, nothing estimated", () => {
  const snapshot = snapshotOf({
    cycles: 10,
    flows: 4,
    hops: [
      steady(addr(1), 1),
      (_cycle, flow) => ({ address: addr(2, flow % 2 ? 2 : 1), rtt: 2 }),
      steady(addr(3), 3),
    ],
  }, { destination: 3 });
  const g = reportGraph("t", snapshot, 1, 4);
  assertEquals(g.unit, "flows");
  const counts = Object.fromEntries(edgeWords(g).map((w, i) => [w, g.edges[i]!.count]));
  assertEquals(counts[`1:${addr(1)}>2:${addr(2, 1)}`], 2);
  assertEquals(counts[`1:${addr(1)}>2:${addr(2, 2)}`], 2);
  assert(g.edges.every((e) => !e.estimated));
});
