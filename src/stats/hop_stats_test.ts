import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import { type HistoryEntry, HopStats } from "./hop_stats.ts";

const A = "198.18.0.1";
const B = "198.18.0.2";

function entry(cycle: number, outcome: HistoryEntry["outcome"], flow = 0): HistoryEntry {
  return { cycle, flow, outcome };
}

Deno.test("a hop with two addresses: Loss% for the hop, a share for each address", () => {
  const hop = new HopStats(4);
  for (let c = 0; c < 4; c++) hop.sent(c, 0);
  hop.answered(0, 0, A, 10);
  hop.answered(1, 0, B, 20);
  hop.answered(2, 0, A, 12);
  hop.lost(3, 0);
  // The hop: 4 sent, 3 answered, 1 lost: Loss% = 100·(1 − 3/4) = 25.
  const s = hop.series;
  assertEquals([s.sent, s.received, s.lost, s.lossPercent], [4, 3, 1, 25]);
  assertEquals(s.mean, 14); // (10 + 20 + 12) / 3
  assertEquals(hop.lastAddress, A);
  const json = hop.toJSON();
  assertEquals(json.addresses.map((a) => a.address), [A, B]); // order of first appearance
  // A: 2 of the 3 replies, mean (10 + 12) / 2 = 11; B: 1 of 3, mean 20.
  const [a, b] = json.addresses;
  assertEquals([a?.share, a?.received, a?.mean, a?.best, a?.worst], [2 / 3, 2, 11, 10, 12]);
  assertEquals([b?.share, b?.received, b?.mean], [1 / 3, 1, 20]);
  // An address counts replies only: no Snt, no Loss%.
  assertEquals(a !== undefined && "lossPercent" in a, false);
  assertEquals(a !== undefined && "sent" in a, false);
  assertEquals(json.other, null);
});

Deno.test("flows: each with its own series and addresses, listed by flow number", () => {
  const hop = new HopStats(2);
  hop.sent(0, 1);
  hop.sent(0, 0);
  hop.answered(0, 1, B, 20);
  hop.answered(0, 0, A, 10);
  hop.sent(1, 0);
  hop.sent(1, 1);
  hop.lost(1, 0);
  hop.answered(1, 1, B, 22);
  const f0 = hop.flow(0)!, f1 = hop.flow(1)!;
  // Flow 0: 2 sent, 1 answered (A), 1 lost: 50%. Flow 1: 2 sent, 2 answered (B), mean 21.
  assertEquals([f0.series.sent, f0.series.received, f0.series.lossPercent], [2, 1, 50]);
  assertEquals([f1.series.sent, f1.series.received, f1.series.lossPercent], [2, 2, 0]);
  assertEquals([f1.series.mean, f1.lastAddress], [21, B]);
  // The hop: 4 sent, 3 answered: 25%.
  assertEquals([hop.series.sent, hop.series.received, hop.series.lossPercent], [4, 3, 25]);
  const json = hop.toJSON();
  assertEquals(json.flows.map((f) => f.flow), [0, 1]);
  assertEquals(json.flows.map((f) => f.addresses.map((a) => [a.address, a.share])), [
    [[A, 1]],
    [[B, 1]],
  ]);
  assertEquals(hop.flow(2), undefined);
});

Deno.test("flows past the limit count in the hop only", () => {
  const hop = new HopStats(1, { maxFlows: 2 });
  for (const flow of [0, 1, 2]) {
    hop.sent(0, flow);
    hop.answered(0, flow, A, 1);
  }
  assertEquals(hop.flows().map((f) => f.flow), [0, 1]);
  assertEquals([hop.series.sent, hop.series.received], [3, 3]);
});

Deno.test("the history: pending entries settle in place, late answers included", () => {
  const hop = new HopStats(3);
  hop.sent(0, 0);
  hop.sent(1, 0);
  hop.sent(2, 0);
  hop.answered(1, 0, A, 15);
  assertEquals(hop.history.toArray(), [entry(0, "pending"), entry(1, 15), entry(2, "pending")]);
  hop.lost(2, 0);
  hop.answered(0, 0, A, 30); // late: cycle 0 answers after cycle 2 is lost
  assertEquals(hop.history.toArray(), [entry(0, 30), entry(1, 15), entry(2, "lost")]);
  // The answers count in the order recorded: 15 then 30.
  assertEquals([hop.series.last, hop.series.jitter], [30, 15]);
  assertOk(Math.abs(hop.series.lossPercent - 100 / 3) < 1e-9); // 1 lost of 3 settled
});

Deno.test("the history: the oldest pending of a cycle and flow settles first", () => {
  const hop = new HopStats(3);
  hop.sent(5, 0);
  hop.sent(5, 1);
  hop.sent(5, 0);
  hop.answered(5, 0, A, 1);
  assertEquals(hop.history.toArray(), [entry(5, 1), entry(5, "pending", 1), entry(5, "pending")]);
});

Deno.test("the history: a late answer for a cycle no longer in it changes nothing there", () => {
  const hop = new HopStats(3, { history: 2 });
  hop.sent(0, 0);
  hop.sent(1, 0);
  hop.sent(2, 0); // cycle 0's entry, pending, drops out
  hop.answered(0, 0, A, 5);
  assertEquals(hop.history.toArray(), [entry(1, "pending"), entry(2, "pending")]);
  assertEquals([hop.series.received, hop.series.inFlight], [1, 2]);
  hop.answered(2, 0, A, 6);
  assertEquals(hop.history.toArray(), [entry(1, "pending"), entry(2, 6)]);
});

Deno.test("the history: a probe that could not be sent comes in lost", () => {
  const hop = new HopStats(1);
  hop.sent(0, 0);
  hop.answered(0, 0, A, 1);
  hop.lost(1, 0); // no sent(1, 0): the send failed
  assertEquals(hop.history.toArray(), [entry(0, 1), entry(1, "lost")]);
  assertEquals([hop.series.sent, hop.series.lost, hop.series.inFlight], [2, 1, 0]);
});

Deno.test("the address bound: 16 addresses apart, the rest in other", () => {
  const hop = new HopStats(7);
  for (let i = 1; i <= 1000; i++) {
    hop.sent(i, 0);
    hop.answered(i, 0, `198.18.${i >> 8}.${i & 255}`, 1);
  }
  assertEquals(hop.addresses.size, 16);
  const json = hop.toJSON();
  assertEquals(json.addresses.length, 16);
  assertEquals(json.addresses[0]?.address, "198.18.0.1");
  assertEquals(json.addresses[15]?.address, "198.18.0.16");
  // 1000 replies, 16 from kept addresses (1 each): 984 in other, share 0.984.
  assertEquals([json.other?.address, json.other?.received, json.other?.share], [null, 984, 0.984]);
  assertEquals(json.addresses[0]?.share, 0.001);
  assertEquals(json.flows[0]?.addresses.length, 16); // the flow's table is bounded too
  assertEquals(hop.lastAddress, "198.18.3.232"); // 1000 = 3·256 + 232
});

Deno.test("reset keeps the probes in flight and their pending entries", () => {
  const hop = new HopStats(2);
  hop.sent(0, 0);
  hop.sent(1, 0);
  hop.sent(2, 0);
  hop.answered(0, 0, A, 10);
  hop.lost(1, 0);
  hop.reset();
  assertEquals([hop.series.sent, hop.series.received, hop.series.lost], [1, 0, 0]);
  assertEquals([hop.addresses.size, hop.lastAddress], [0, null]);
  assertEquals(hop.history.toArray(), [entry(2, "pending")]);
  assertEquals(hop.flow(0)?.series.sent, 1);
  hop.answered(2, 0, B, 12);
  assertEquals(hop.history.toArray(), [entry(2, 12)]);
  assertEquals([hop.series.received, hop.series.lossPercent, hop.series.mean], [1, 0, 12]);
  assertEquals(hop.toJSON().addresses.map((a) => a.address), [B]);
});

Deno.test("a cycle or flow that is not an integer at least 0 is a RangeError", () => {
  const hop = new HopStats(1);
  assertThrows(() => hop.sent(-1, 0), RangeError, "Cycle");
  assertThrows(() => hop.lost(0, 1.5), RangeError, "Flow");
  assertThrows(() => hop.answered(0, 0, A, -2), RangeError, "Round trip");
  assertOk(hop.series.sent === 0);
  assertThrows(() => new HopStats(1, { maxAddresses: 0 }), RangeError, "Address limit");
  assertThrows(() => new HopStats(1, { history: 0 }), RangeError, "History capacity");
});

Deno.test("toJSON without the history leaves it empty and the rest as it is", () => {
  const hop = new HopStats(2);
  hop.sent(0, 0);
  hop.answered(0, 0, "198.18.0.1", 3);
  const { history, ...rest } = hop.toJSON();
  const { history: none, ...same } = hop.toJSON({ history: false });
  assertEquals([history.length, none, same], [1, [], rest]);
});

Deno.test("a hop of one flow: flow 0 shares the hop's figures, each probe counted once", () => {
  const one = new HopStats(4, { maxFlows: 1 });
  const apart = new HopStats(4, { maxFlows: 2 });
  for (const hop of [one, apart]) {
    hop.sent(0, 0);
    hop.sent(1, 0);
    hop.sent(2, 0);
    hop.answered(0, 0, A, 10);
    hop.lost(1, 0);
    hop.withdrawn(2, 0);
  }
  assertEquals(one.flow(0)?.whole, true);
  assertEquals(apart.flow(0)?.whole, false);
  assertEquals(one.toJSON(), apart.toJSON());
  assertEquals([one.series.sent, one.series.received, one.series.inFlight], [2, 1, 0]);
  one.reset();
  apart.reset();
  assertEquals(one.toJSON(), apart.toJSON());
});
