import { assertEquals } from "../../tests/assert.ts";
import { WakeQueue } from "./wake_queue.ts";

Deno.test("wake queue: items come out earliest first, only once due", () => {
  const queue = new WakeQueue<string>();
  assertEquals([queue.size, queue.next()], [0, Infinity]);
  const times: Record<string, number> = { e: 50, b: 20, g: 70, a: 10, f: 60, c: 30, d: 40 };
  for (const [item, at] of Object.entries(times)) queue.schedule(item, at);
  assertEquals([queue.size, queue.next()], [7, 10]);
  assertEquals(queue.takeDue(9), []);
  assertEquals(queue.takeDue(35), ["a", "b", "c"]);
  assertEquals([queue.size, queue.next()], [4, 40]);
  assertEquals(queue.takeDue(40), ["d"], "due at the very time");
  assertEquals(queue.takeDue(1000), ["e", "f", "g"]);
  assertEquals([queue.size, queue.next()], [0, Infinity]);
});

Deno.test("wake queue: items due at the same time all come out", () => {
  const queue = new WakeQueue<number>();
  for (let i = 0; i < 5; i++) queue.schedule(i, 100);
  queue.schedule(9, 50);
  const due = queue.takeDue(100);
  assertEquals(due[0], 9);
  assertEquals(due.slice(1).sort(), [0, 1, 2, 3, 4]);
});

Deno.test("wake queue: rescheduling replaces the earlier time, later or sooner", () => {
  const queue = new WakeQueue<string>();
  queue.schedule("a", 10);
  queue.schedule("b", 20);
  queue.schedule("a", 30); // later
  assertEquals([queue.size, queue.next()], [2, 20]);
  assertEquals(queue.takeDue(25), ["b"]);
  queue.schedule("c", 40);
  queue.schedule("c", 5); // sooner
  assertEquals(queue.next(), 5);
  assertEquals(queue.takeDue(30), ["c", "a"]);
  assertEquals(queue.takeDue(100), [], "the replaced entries never come out");
  assertEquals(queue.size, 0);
});

Deno.test("wake queue: a removed item never comes out; removing it twice does nothing", () => {
  const queue = new WakeQueue<string>();
  queue.schedule("a", 10);
  queue.schedule("b", 20);
  queue.remove("a");
  queue.remove("a");
  queue.remove("never scheduled");
  assertEquals([queue.size, queue.next()], [1, 20]);
  assertEquals(queue.takeDue(100), ["b"]);
});

Deno.test("wake queue: many items in random order come out sorted", () => {
  const queue = new WakeQueue<number>();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const at = new Map<number, number>();
  for (let i = 0; i < 500; i++) {
    const t = Math.floor(random() * 10000);
    at.set(i, t);
    queue.schedule(i, t);
  }
  // Reschedule a fifth of them.
  for (let i = 0; i < 500; i += 5) {
    const t = Math.floor(random() * 10000);
    at.set(i, t);
    queue.schedule(i, t);
  }
  const out: number[] = [];
  for (let now = 0; queue.size > 0; now += 250) out.push(...queue.takeDue(now));
  assertEquals(out.length, 500);
  const times = out.map((i) => at.get(i)!);
  assertEquals(times, [...times].sort((x, y) => x - y));
});

Deno.test({
  name: "wake queue: an item taken or removed and scheduled again is due only at its new time",
  fn() {
    const queue = new WakeQueue<string>();
    queue.schedule("a", 10);
    queue.remove("a");
    queue.schedule("a", 30);
    assertEquals(queue.next(), 30);
    assertEquals(queue.takeDue(20), []);
    // The same through takeDue: "a" at 50 (stale once rescheduled sooner) stays deep in the heap.
    const other = new WakeQueue<string>();
    other.schedule("a", 50);
    other.schedule("b", 8);
    other.schedule("a", 5);
    assertEquals(other.takeDue(6), ["a"]);
    other.schedule("a", 100);
    assertEquals(other.takeDue(60), ["b"]);
    assertEquals(other.next(), 100);
  },
});

Deno.test("wake queue: items removed from anywhere in the heap leave the rest in order", () => {
  const queue = new WakeQueue<number>();
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const at = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const t = Math.floor(random() * 10000);
    at.set(i, t);
    queue.schedule(i, t);
  }
  // Remove a third, rescheduling some of the others between the removals.
  for (let i = 0; i < 400; i += 3) {
    queue.remove(i);
    at.delete(i);
    const other = i + 1;
    const t = Math.floor(random() * 10000);
    at.set(other, t);
    queue.schedule(other, t);
  }
  assertEquals(queue.size, at.size);
  const out: number[] = [];
  for (let now = 0; queue.size > 0; now += 100) out.push(...queue.takeDue(now));
  const times = out.map((i) => at.get(i)!);
  assertEquals(times, [...times].sort((x, y) => x - y), "earliest first");
  assertEquals(out.sort((x, y) => x - y), [...at.keys()].sort((x, y) => x - y));
  assertEquals([queue.size, queue.next()], [0, Infinity]);
});

Deno.test("wake queue: its earliest time is always the earliest item's, after removals", () => {
  const queue = new WakeQueue<string>();
  queue.schedule("a", 10);
  queue.schedule("b", 20);
  queue.schedule("c", 15);
  queue.remove("a");
  assertEquals(queue.next(), 15);
  queue.remove("c");
  assertEquals([queue.size, queue.next()], [1, 20]);
});
