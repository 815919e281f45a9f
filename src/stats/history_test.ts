import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { History } from "./history.ts";

Deno.test("a 256-value history keeps the last 256 of 1,000 values", () => {
  const h = new History<number>(256);
  for (let i = 0; i < 1000; i++) h.push(i);
  assertEquals([h.size, h.capacity], [256, 256]);
  // The last 256 of 0..999 are 744..999.
  const expected: number[] = [];
  for (let v = 744; v <= 999; v++) expected.push(v);
  assertEquals([...h], expected);
  assertEquals(h.toArray(), expected);
  assertEquals([h.at(0), h.at(255), h.at(-1), h.at(-256)], [744, 999, 999, 744]);
  assertEquals([h.at(256), h.at(-257), h.at(0.5)], [undefined, undefined, undefined]);
});

Deno.test("a history not yet full, oldest first", () => {
  const h = new History<string>(5);
  h.push("a");
  h.push("b");
  h.push("c");
  assertEquals([[...h], h.size], [["a", "b", "c"], 3]);
  assertEquals([h.at(0), h.at(-1), h.at(3), h.at(-4)], ["a", "c", undefined, undefined]);
});

Deno.test("set replaces in place, also after wrapping", () => {
  const h = new History<number>(3);
  for (const v of [1, 2, 3, 4]) h.push(v); // [2, 3, 4]
  h.set(0, 20);
  h.set(-1, 40);
  assertEquals([...h], [20, 3, 40]);
  h.push(5); // drops 20
  assertEquals([...h], [3, 40, 5]);
  assertThrows(() => h.set(3, 0), RangeError, "within its 3 values");
});

Deno.test("clear empties it, and it fills again", () => {
  const h = new History<number>(2);
  for (const v of [1, 2, 3]) h.push(v);
  h.clear();
  assertEquals([[...h], h.size, h.at(0)], [[], 0, undefined]);
  for (const v of [7, 8, 9]) h.push(v);
  assertEquals([...h], [8, 9]);
});

Deno.test("a history of one keeps the newest", () => {
  const h = new History<number>(1);
  h.push(1);
  h.push(2);
  assertEquals([...h], [2]);
});

Deno.test("a capacity that is not an integer at least 1 is a RangeError", () => {
  for (const c of [0, -1, 1.5, NaN]) {
    assertThrows(() => new History<number>(c), RangeError, "History capacity");
  }
});
