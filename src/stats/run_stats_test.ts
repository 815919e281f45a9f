import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { RunStats } from "./run_stats.ts";

Deno.test("hops are made on first use and listed by TTL", () => {
  const run = new RunStats();
  assertEquals([run.firstTtl, run.lastTtl, [...run].length], [null, null, 0]);
  run.hop(5).sent(0, 0);
  run.hop(2).sent(0, 0);
  run.hop(9).sent(0, 0);
  assertEquals(run.hop(5), run.hop(5)); // the same hop each time
  assertEquals([run.firstTtl, run.lastTtl], [2, 9]);
  assertEquals([...run].map((h) => h.ttl), [2, 5, 9]);
  assertEquals(run.toJSON().map((h) => [h.ttl, h.sent]), [[2, 1], [5, 1], [9, 1]]);
  assertEquals([run.get(3), run.get(2)?.ttl], [undefined, 2]);
});

Deno.test("the options reach every hop", () => {
  const run = new RunStats({ history: 2, maxAddresses: 1 });
  const hop = run.hop(1);
  for (let c = 0; c < 3; c++) {
    hop.sent(c, 0);
    hop.answered(c, 0, `198.18.0.${c + 1}`, 1);
  }
  assertEquals([hop.history.capacity, hop.history.size, hop.addresses.size], [2, 2, 1]);
  assertEquals(hop.addresses.other?.received, 2);
});

Deno.test("reset resets every hop and keeps the TTLs seen", () => {
  const run = new RunStats();
  run.hop(1).sent(0, 0);
  run.hop(1).answered(0, 0, "198.18.0.1", 3);
  run.hop(2).sent(0, 0);
  run.reset();
  assertEquals([run.firstTtl, run.lastTtl], [1, 2]);
  assertEquals(run.toJSON().map((h) => [h.ttl, h.sent, h.received]), [[1, 0, 0], [2, 1, 0]]);
});

Deno.test("a TTL outside 1 to 255, or bad options, is a RangeError", () => {
  const run = new RunStats();
  for (const ttl of [0, 256, 1.5]) assertThrows(() => run.hop(ttl), RangeError, "TTL");
  assertEquals(run.hop(255).ttl, 255);
  assertThrows(() => new RunStats({ history: 0 }), RangeError, "History capacity");
  assertThrows(() => new RunStats({ maxFlows: -1 }), RangeError, "Flow limit");
});

Deno.test("dropAbove forgets the hops past a TTL, and a hop used again starts empty", () => {
  const run = new RunStats({ history: 4 });
  for (const ttl of [1, 2, 5, 9]) run.hop(ttl).sent(0, 0);
  run.hop(9).answered(0, 0, "198.18.0.9", 1);
  run.dropAbove(2);
  assertEquals([...run].map((h) => h.ttl), [1, 2]);
  assertEquals([run.firstTtl, run.lastTtl], [1, 2]);
  assertEquals(run.get(9), undefined);
  assertEquals(run.hop(9).series.received, 0);
  assertEquals(run.lastTtl, 9);
  run.dropAbove(0);
  assertEquals([run.firstTtl, run.lastTtl, run.toJSON().length], [null, null, 0]);
});
