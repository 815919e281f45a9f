import { assertEquals } from "../../tests/assert.ts";
import type { Multipath } from "../modes/multipath.ts";
import type { TraceStatistics } from "../core/model.ts";
import { flowRanges, formatMultipath, multipathToJson } from "./multipath.ts";
import { traceSettings, traceStart } from "../../tests/fixtures.ts";

Deno.test("flow lists print as ranges", () => {
  assertEquals(flowRanges([]), "");
  assertEquals(flowRanges([3]), "3");
  assertEquals(flowRanges([5, 0, 1, 2, 7, 8]), "0-2,5,7-8");
});

function run(over: Partial<Multipath> = {}): Multipath {
  const node = (hop: number, address: string, flows: number[], rtts: number[], final = false) => ({
    hop,
    address,
    flows,
    rtts,
    final,
    annotations: [],
  });
  return {
    ...traceStart({
      queries: 1,
      settings: traceSettings({
        timing: "adaptive",
        simultaneous: 96,
        wait: { max: 5000, here: 3, near: 2, min: 20 },
        paris: true,
      }),
    }),
    mode: "mda",
    confidence: 0.95,
    flows: 4,
    probes: 12,
    limited: false,
    hops: [
      { ttl: 1, nodes: [node(1, "198.18.1.2", [0, 1, 2, 3], [1, 2, 3, 4])], unanswered: [] },
      {
        ttl: 2,
        nodes: [node(2, "198.18.2.2", [0, 2], [1, 3]), node(2, "198.18.3.2", [1], [5])],
        unanswered: [3],
      },
      { ttl: 3, nodes: [node(3, "198.18.9.9", [0, 1, 2, 3], [2, 2, 2, 2], true)], unanswered: [] },
    ],
    links: [
      { hop: 0, from: null, to: "198.18.1.2", flows: [0, 1, 2, 3] },
      { hop: 1, from: "198.18.1.2", to: "198.18.2.2", flows: [0, 2] },
    ],
    diamonds: [{
      from: { hop: 1, address: "198.18.1.2" },
      to: { hop: 3, address: "198.18.9.9" },
      paths: 2,
      width: 2,
      widestHop: 2,
    }],
    reason: "reached",
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: {} as TraceStatistics,
    ...over,
  };
}

Deno.test("multipath text: an address per line with median RTT and flows, then diamonds", () => {
  assertEquals(
    formatMultipath(run(), { numeric: true }),
    [
      "traceroute to dst.lab (198.18.9.9), 30 hops max, 60 byte packets",
      " 1  198.18.1.2  2.500 ms  flows 0-3",
      " 2  198.18.2.2  2.000 ms  flows 0,2",
      "    198.18.3.2  5.000 ms  flow 1",
      "    *  flow 3",
      " 3  198.18.9.9  2.000 ms  flows 0-3",
      "diamond: hop 1 198.18.1.2 to hop 3 198.18.9.9: 2 paths, 2 wide at hop 2",
      "4 flows, 12 probes, 1 diamond; MDA: every next hop found with 95% confidence " +
      "(per node, equal shares assumed)",
      "",
    ].join("\n"),
  );
});

Deno.test("multipath text never claims completeness it does not have", () => {
  const last = (r: Multipath) => formatMultipath(r).trim().split("\n").pop()!;
  assertEquals(
    last(run({ reason: "aborted" })).endsWith("interrupted: the run is incomplete"),
    true,
  );
  assertEquals(last(run({ limited: true })).includes("next hops may be missing"), true);
  assertEquals(
    last(run({ mode: "flows", confidence: null })).includes("more next hops may exist"),
    true,
  );
});

Deno.test("multipath JSON names nodes hop/address and links by them", () => {
  const doc = multipathToJson(run());
  assertEquals(doc.schema, "hopwise.multipath/1");
  assertEquals((doc.nodes as unknown[]).length, 4);
  assertEquals(doc.links, [
    { from: "source", to: "1/198.18.1.2", flows: [0, 1, 2, 3] },
    { from: "1/198.18.1.2", to: "2/198.18.2.2", flows: [0, 2] },
  ]);
});

Deno.test("multipath text and JSON show each node's name, AS and place as a trace's do", () => {
  const identity = {
    asn: 64501,
    asName: "Example-Access",
    prefix: "198.18.1.0/24",
    country: "DE",
    city: "Frankfurt am Main",
    location: { latitude: 50.11, longitude: 8.68, accuracyKm: 20 },
  };
  const base = run();
  const [one, two, three] = base.hops;
  const known = run({
    hops: [
      {
        ...one!,
        nodes: [{ ...one!.nodes[0]!, name: "r1.lab", asPath: "AS64501", identity }],
      },
      // Known to have no name, in no AS the source knows, in a known country.
      {
        ...two!,
        nodes: [{ ...two!.nodes[0]!, name: null, asPath: "*", identity: { country: "NL" } }],
      },
      three!,
    ],
  });
  const lines = formatMultipath(known).split("\n");
  assertEquals(
    lines[1],
    " 1  r1.lab (198.18.1.2) [AS64501] {DE, Frankfurt am Main}  2.500 ms  flows 0-3",
  );
  assertEquals(lines[2], " 2  198.18.2.2 (198.18.2.2) [*] {NL}  2.000 ms  flows 0,2");
  assertEquals(
    formatMultipath(known, { numeric: true }).split("\n")[1],
    " 1  198.18.1.2 [AS64501] {DE, Frankfurt am Main}  2.500 ms  flows 0-3",
  );
  type Node = Record<string, unknown>;
  const hops = multipathToJson(known).hops as { nodes: Node[] }[];
  const first = hops[0]!.nodes[0]!;
  assertEquals(
    Object.keys(first).slice(-8),
    ["name", "asPath", "asn", "asName", "prefix", "country", "city", "location"],
  );
  assertEquals([first.asn, first.city, first.location], [
    64501,
    "Frankfurt am Main",
    identity.location,
  ]);
  assertEquals(!("identity" in first) && !("asn" in hops[1]!.nodes[0]!), true);
  assertEquals(hops[1]!.nodes[0]!.country, "NL");
  // Nothing looked up: the document is as it was.
  assertEquals(Object.keys((multipathToJson(base).hops as { nodes: Node[] }[])[0]!.nodes[0]!), [
    "hop",
    "address",
    "flows",
    "rtts",
    "final",
    "annotations",
  ]);
});
