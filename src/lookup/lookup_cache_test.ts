import { assertEquals, assertOk } from "../../tests/assert.ts";
import { type CacheSettings, KeptFor, LookupCache } from "./lookup_cache.ts";

const SETTINGS: CacheSettings = {
  keepFound: 1000,
  keepMissing: 100,
  keepStale: 500,
  maxEntries: 100,
  maxConcurrent: 4,
  deadline: 1000,
};

/** A lookup that answers when told to, and counts how often it was asked. */
function controlled<V>() {
  const pending: Array<(value: V | null) => void> = [];
  let asked = 0;
  return {
    ask: (_signal: AbortSignal) => {
      asked++;
      return new Promise<V | null>((resolve) => pending.push(resolve));
    },
    answer(value: V | null) {
      pending.shift()!(value);
    },
    get asked() {
      return asked;
    },
  };
}

/** A lookup that always fails (a resolver that is down), counting how often it was asked. */
function failingLookup() {
  let asked = 0;
  return {
    ask: () => {
      asked++;
      return Promise.reject(new Error("resolver down"));
    },
    get asked() {
      return asked;
    },
  };
}

Deno.test("lookups in flight are shared: one ask for many callers", async () => {
  const cache = new LookupCache<string>(SETTINGS);
  const lookup = controlled<string>();
  const all = [cache.get("a", lookup.ask), cache.get("a", lookup.ask), cache.get("a", lookup.ask)];
  cache.touch("a", () => lookup.ask);
  assertEquals(lookup.asked, 1);
  lookup.answer("name-a");
  assertEquals(await Promise.all(all), ["name-a", "name-a", "name-a"]);
  assertEquals(await cache.get("a", lookup.ask), "name-a");
  assertEquals(lookup.asked, 1);
});

Deno.test("a lookup past its deadline is nothing, and its late answer is kept", async () => {
  const cache = new LookupCache<string>({ ...SETTINGS, deadline: 30 });
  const lookup = controlled<string>();
  const started = performance.now();
  assertEquals(await cache.get("a", lookup.ask), null);
  const took = performance.now() - started;
  assertOk(took >= 25 && took < 1000, `took ${took} ms`);
  assertEquals(cache.peek("a"), null);
  lookup.answer("late");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(cache.peek("a"), "late");
});

Deno.test("a failing lookup is nothing, kept a shorter time", async () => {
  let clock = 0;
  const cache = new LookupCache<string>({ ...SETTINGS, now: () => clock });
  const failing = failingLookup();
  assertEquals(await cache.get("a", failing.ask), null);
  assertEquals(await cache.get("a", failing.ask), null);
  assertEquals(failing.asked, 1);
  clock = 99;
  assertEquals(cache.peek("a"), null);
  clock = 100;
  assertEquals(cache.peek("a"), undefined);
  assertEquals(await cache.get("a", failing.ask), null);
  assertEquals(failing.asked, 2);
});

Deno.test("answers expire after keepFound (injected clock)", async () => {
  let clock = 0;
  const cache = new LookupCache<string>({ ...SETTINGS, now: () => clock });
  let asked = 0;
  const ask = () => Promise.resolve(`v${++asked}`);
  assertEquals(await cache.get("a", ask), "v1");
  clock = 999;
  assertEquals(await cache.get("a", ask), "v1");
  clock = 1000;
  assertEquals(await cache.get("a", ask), "v2");
});

Deno.test("the cache holds at most maxEntries, letting the least recently used go", async () => {
  const cache = new LookupCache<string>({ ...SETTINGS, maxEntries: 3 });
  const ask = (key: string) => () => Promise.resolve(key.toUpperCase());
  for (const key of ["a", "b", "c"]) await cache.get(key, ask(key));
  assertEquals(cache.peek("a"), "A"); // a is now the most recently used
  await cache.get("d", ask("d"));
  assertEquals(cache.size, 3);
  assertEquals(cache.peek("b"), undefined);
  assertEquals(cache.peek("a"), "A");
  assertEquals(cache.peek("d"), "D");
});

Deno.test("at most maxConcurrent run at once; the others wait their turn", async () => {
  const cache = new LookupCache<string>({ ...SETTINGS, maxConcurrent: 2 });
  const lookup = controlled<string>();
  const all = ["a", "b", "c", "d"].map((key) => cache.get(key, lookup.ask));
  assertEquals(lookup.asked, 2);
  assertEquals(cache.running, 2);
  lookup.answer("1");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(lookup.asked, 3);
  lookup.answer("2");
  lookup.answer("3");
  await new Promise((resolve) => setTimeout(resolve, 0));
  lookup.answer("4");
  assertEquals(await Promise.all(all), ["1", "2", "3", "4"]);
  assertEquals(cache.running, 0);
});

Deno.test("a stuck lookup holds its place; those waiting behind it end at their deadline", async () => {
  const cache = new LookupCache<string>({ ...SETTINGS, maxConcurrent: 1, deadline: 30 });
  const lookup = controlled<string>();
  const started = performance.now();
  const all = await Promise.all(["a", "b", "c"].map((key) => cache.get(key, lookup.ask)));
  const took = performance.now() - started;
  assertEquals(all, [null, null, null]);
  assertOk(took < 500, `all three ended within about one deadline, took ${took} ms`);
  assertEquals(lookup.asked, 1);
  assertEquals(cache.running, 1);
  lookup.answer("a-late");
  await new Promise((resolve) => setTimeout(resolve, 0));
  // The waiting ones were given up, not run after the stuck one.
  assertEquals(lookup.asked, 1);
  assertEquals(cache.running, 0);
  assertEquals(cache.peek("a"), "a-late");
});

Deno.test("the deadline aborts a lookup that can be stopped", async () => {
  const cache = new LookupCache<string>({ ...SETTINGS, deadline: 10 });
  let aborted = false;
  const ask = (signal: AbortSignal) =>
    new Promise<string | null>((_, reject) => {
      signal.addEventListener("abort", () => {
        aborted = true;
        reject(signal.reason);
      });
    });
  assertEquals(await cache.get("a", ask), null);
  assertOk(aborted);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(cache.running, 0);
});

Deno.test("an answer past its time is still given while it is asked again, then the new one", async () => {
  let clock = 0;
  const cache = new LookupCache<string>({ ...SETTINGS, now: () => clock });
  const lookup = controlled<string>();
  const first = cache.get("a", lookup.ask);
  lookup.answer("v1");
  assertEquals(await first, "v1");
  clock = 1000;
  assertEquals(cache.peek("a"), "v1");
  cache.touch("a", () => lookup.ask);
  assertEquals(lookup.asked, 2);
  assertEquals(cache.peek("a"), "v1"); // a watch's name does not blink out meanwhile
  lookup.answer("v2");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(cache.peek("a"), "v2");
  // Asked again and found nothing: nothing.
  clock = 2000;
  cache.touch("a", () => lookup.ask);
  lookup.answer(null);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(cache.peek("a"), null);
});

Deno.test("while asking again fails, the old answer is given, keepStale longer at most", async () => {
  let clock = 0;
  const cache = new LookupCache<string>({ ...SETTINGS, now: () => clock });
  const failing = failingLookup();
  assertEquals(await cache.get("a", () => Promise.resolve("v1")), "v1");
  clock = 1000;
  assertEquals(await cache.get("a", failing.ask), "v1");
  assertEquals(failing.asked, 1);
  // Asked again keepMissing after the failure, not before.
  clock = 1099;
  assertEquals(await cache.get("a", failing.ask), "v1");
  assertEquals(failing.asked, 1);
  clock = 1100;
  cache.touch("a", () => failing.ask);
  assertEquals(failing.asked, 2);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(cache.peek("a"), "v1");
  // keepFound (1000) and keepStale (500) past the answer: gone.
  clock = 1500;
  assertEquals(cache.peek("a"), undefined);
  assertEquals(await cache.get("a", failing.ask), null);
  assertEquals(failing.asked, 3);
});

Deno.test("a lookup past its deadline is a failure: the old answer is given", async () => {
  let clock = 0;
  const cache = new LookupCache<string>({ ...SETTINGS, deadline: 20, now: () => clock });
  assertEquals(await cache.get("a", () => Promise.resolve("v1")), "v1");
  clock = 1000;
  const silent = controlled<string>();
  assertEquals(await cache.get("a", silent.ask), "v1");
  assertEquals(silent.asked, 1);
  assertEquals(cache.peek("a"), "v1");
});

Deno.test("an answer that says how long it holds is kept that long, within keepMissing and keepFound", async () => {
  let clock = 0;
  const cache = new LookupCache<string>({ ...SETTINGS, now: () => clock });
  let asked = 0;
  const holding = (ms: number) => () => {
    asked++;
    return Promise.resolve(new KeptFor<string>(null, ms));
  };
  // Nothing found, holding 400 ms: not asked again at keepMissing (100), but at 400.
  assertEquals(await cache.get("a", holding(400)), null);
  clock = 399;
  assertEquals(await cache.get("a", holding(400)), null);
  assertEquals(asked, 1);
  clock = 400;
  await cache.get("a", holding(400));
  assertEquals(asked, 2);
  // Never longer than keepFound (1000), never shorter than keepMissing (100).
  clock = 0;
  const bounded = new LookupCache<string>({ ...SETTINGS, now: () => clock });
  asked = 0;
  await bounded.get("long", holding(86_400_000));
  await bounded.get("short", holding(0));
  clock = 99;
  await bounded.get("short", holding(0));
  assertEquals(asked, 2);
  clock = 100;
  await bounded.get("short", holding(0));
  assertEquals(asked, 3);
  clock = 999;
  await bounded.get("long", holding(86_400_000));
  assertEquals(asked, 3);
  clock = 1000;
  await bounded.get("long", holding(86_400_000));
  assertEquals(asked, 4);
  // A value with its time: given as the value.
  assertEquals(
    await bounded.get("named", () => Promise.resolve(new KeptFor("r1.lab", 200))),
    "r1.lab",
  );
  assertEquals(bounded.peek("named"), "r1.lab");
});
