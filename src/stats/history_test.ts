import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { type HistoryEntry, OutcomeHistory } from "./history.ts";

const entry = (cycle: number, outcome: HistoryEntry["outcome"], flow = 0): HistoryEntry => ({
  cycle,
  flow,
  outcome,
});
const cycles = (h: OutcomeHistory) => [...h].map((e) => e.cycle);

Deno.test("a 256-entry history keeps the last 256 of 1,000 entries", () => {
  const h = new OutcomeHistory(256);
  for (let i = 0; i < 1000; i++) h.push(i, i % 3, i / 2);
  assertEquals([h.size, h.capacity], [256, 256]);
  // The last 256 of 0..999 are 744..999.
  const expected: HistoryEntry[] = [];
  for (let v = 744; v <= 999; v++) expected.push(entry(v, v / 2, v % 3));
  assertEquals([...h], expected);
  assertEquals(h.toArray(), expected);
  assertEquals([h.at(0), h.at(255), h.at(-1), h.at(-256)], [
    expected[0],
    expected[255],
    expected[255],
    expected[0],
  ]);
  assertEquals([h.at(256), h.at(-257), h.at(0.5)], [undefined, undefined, undefined]);
});

Deno.test("a history not yet full, oldest first, every kind of outcome", () => {
  const h = new OutcomeHistory(5);
  h.push(0, 0, "pending");
  h.push(1, 2, "lost");
  h.push(2, 0, 0);
  assertEquals([[...h], h.size], [[entry(0, "pending"), entry(1, "lost", 2), entry(2, 0)], 3]);
  assertEquals([h.at(0)?.cycle, h.at(-1)?.cycle, h.at(3), h.at(-4)], [0, 2, undefined, undefined]);
});

Deno.test("settling replaces in place, also after wrapping", () => {
  const h = new OutcomeHistory(3);
  for (const c of [1, 2, 3, 4]) h.push(c, 0, "pending"); // 2, 3, 4
  h.settle(2, 0, 20);
  h.settle(4, 0, "lost");
  assertEquals([...h], [entry(2, 20), entry(3, "pending"), entry(4, "lost")]);
  h.push(5, 0, 5); // drops 2
  assertEquals([...h], [entry(3, "pending"), entry(4, "lost"), entry(5, 5)]);
  // A cycle older than the oldest kept changes nothing; one not pending comes in as the newest.
  assertEquals(h.settle(1, 0, 9), false);
  assertEquals(h.settle(6, 0, "lost"), true);
  assertEquals(cycles(h), [4, 5, 6]);
});

Deno.test("keepPending forgets all but the pending entries, and it fills again", () => {
  const h = new OutcomeHistory(3);
  for (const c of [1, 2, 3]) h.push(c, 0, c === 2 ? "pending" : c);
  h.keepPending();
  assertEquals([...h], [entry(2, "pending")]);
  h.settle(2, 0, 7);
  for (const c of [8, 9, 10]) h.push(c, 0, c);
  assertEquals(cycles(h), [8, 9, 10]);
  h.keepPending();
  assertEquals([[...h], h.size, h.at(0)], [[], 0, undefined]);
});

Deno.test("a history of one keeps the newest", () => {
  const h = new OutcomeHistory(1);
  h.push(1, 0, 1);
  h.push(2, 0, 2);
  assertEquals(cycles(h), [2]);
});

Deno.test("a capacity that is not an integer at least 1 is a RangeError", () => {
  for (const c of [0, -1, 1.5, NaN]) {
    assertThrows(() => new OutcomeHistory(c), RangeError, "History capacity");
  }
});
