import { assertEquals } from "../../tests/assert.ts";
import { deficits, diamonds, flowLinks, type FlowTable, stoppingPoint } from "./mda.ts";

/** A table from rows of addresses, one string per flow ("" for no answer). */
function table(rows: string[][]): FlowTable {
  return new Map(
    rows.map((row, i) => [i + 1, new Map(row.map((a, flow) => [flow, a === "" ? null : a]))]),
  );
}

Deno.test("stopping points: the MDA paper's table for 95%, never fewer flows", () => {
  // Augustin et al.'s table for 95%: 6, 11, 16, 21, 27, 33, 38, 44, 51, 57 (an
  // exact count); the union bound used here agrees or asks one flow more.
  const paper = [6, 11, 16, 21, 27, 33, 38, 44, 51, 57];
  const ours = paper.map((_, i) => stoppingPoint(i + 1, 0.95));
  assertEquals(ours.slice(0, 6), paper.slice(0, 6));
  ours.forEach((n, i) =>
    assertEquals(n - paper[i]! >= 0 && n - paper[i]! <= 1, true, `k=${i + 1}`)
  );
  // Higher confidence needs more flows.
  for (let k = 1; k <= 10; k++) {
    assertEquals(stoppingPoint(k, 0.99) > stoppingPoint(k, 0.95), true);
  }
});

Deno.test("deficits: a node with two next hops needs 11 answered flows, one with one needs 6", () => {
  const six = table([
    ["A", "A", "A", "A", "A", "A"],
    ["B", "C", "B", "C", "B", "C"],
    ["D", "D", "D", "D", "D", "D"],
  ]);
  const short = deficits(six, 1, 3, 0.95);
  // A has seen two next hops in six flows (needs 11); B and C each lead
  // three flows to D (each needs 6).
  assertEquals(short.map((d) => [d.hop, d.from, d.have, d.need, d.share]), [
    [2, "A", 6, 11, 1],
    [3, "B", 3, 6, 0.5],
    [3, "C", 3, 6, 0.5],
  ]);
  const twelve = table([
    Array(12).fill("A"),
    Array.from({ length: 12 }, (_, i) => i % 2 ? "C" : "B"),
    Array(12).fill("D"),
  ]);
  assertEquals(deficits(twelve, 1, 3, 0.95), []);
  // Unanswered flows teach nothing: a silent hop needs nothing.
  assertEquals(deficits(table([["A", "A"], ["", ""]]), 2, 2, 0.95), []);
});

Deno.test("deficits count a flow through the nearest earlier hop that answered", () => {
  const rows = table([
    ["A", "A", "A", "A", "A", "A"],
    ["", "", "", "", "", ""],
    ["B", "B", "B", "B", "B", "B"],
  ]);
  assertEquals(deficits(rows, 1, 3, 0.95), []);
  const links = flowLinks(rows, 1, 3);
  // No link across the silent hop: links join consecutive answers only.
  assertEquals(links.map((l) => [l.hop, l.from, l.to]), [[0, null, "A"]]);
});

Deno.test("diamonds: where paths part and meet, how many paths and how wide", () => {
  const rows = table([
    ["A", "A", "A", "A"],
    ["B", "C", "B", "C"],
    ["D", "D", "D", "D"],
    ["E", "F", "G", "E"],
    ["H", "H", "H", "H"],
  ]);
  const found = diamonds(rows, 1, 5);
  assertEquals(found, [
    {
      from: { hop: 1, address: "A" },
      to: { hop: 3, address: "D" },
      paths: 2,
      width: 2,
      widestHop: 2,
    },
    {
      from: { hop: 3, address: "D" },
      to: { hop: 5, address: "H" },
      paths: 3,
      width: 3,
      widestHop: 4,
    },
  ]);
  // One path: no diamond.
  assertEquals(diamonds(table([["A", "A"], ["B", "B"]]), 1, 2), []);
  // Paths that have not met by the last hop.
  const open = diamonds(table([["A", "A"], ["B", "C"]]), 1, 2);
  assertEquals(open, [{
    from: { hop: 1, address: "A" },
    to: null,
    paths: 2,
    width: 2,
    widestHop: 2,
  }]);
});

Deno.test("diamonds multiply paths through crossing links", () => {
  // A -> {B, C} -> {D, E} with every crossing: 4 paths A..F.
  const rows = table([
    ["A", "A", "A", "A"],
    ["B", "B", "C", "C"],
    ["D", "E", "D", "E"],
    ["F", "F", "F", "F"],
  ]);
  const [d] = diamonds(rows, 1, 4);
  assertEquals(d, {
    from: { hop: 1, address: "A" },
    to: { hop: 4, address: "F" },
    paths: 4,
    width: 2,
    widestHop: 2,
  });
});
