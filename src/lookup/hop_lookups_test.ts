import { assertEquals, assertOk } from "../../tests/assert.ts";
import type { ProbeResult } from "../core/model.ts";
import { HopLookups, NAME_CACHE } from "./hop_lookups.ts";
import type { Resolver } from "./resolver.ts";

/** A resolver that names addresses from a table, counting what it is asked. */
function tableResolver(names: Record<string, string>) {
  const asked: string[] = [];
  const resolver: Resolver = {
    lookupHost: () => Promise.reject(new Error("not used")),
    reverse: (address) => {
      asked.push(address);
      return Promise.resolve(names[address] ?? null);
    },
  };
  return { resolver, asked };
}

/** A probe result answered by `address`. */
function answered(address: string | null): ProbeResult {
  return {
    ttl: 1,
    index: 0,
    address,
    rtt: 1,
    annotation: "",
    final: false,
    icmp: null,
    replyTtl: null,
    moved: false,
  } as ProbeResult;
}

Deno.test("names are looked up once a process, whatever asks (many traces, watches)", async () => {
  const { resolver, asked } = tableResolver({ "198.18.1.2": "r1.lab\x1b[2J" });
  const lookups = new HopLookups(resolver);
  const a = await lookups.forChoice({ names: true, as: null, geo: null });
  const b = await lookups.forChoice({ names: true, as: null, geo: null });
  a.start("198.18.1.2");
  b.start("198.18.1.2");
  const [x, y] = await Promise.all([
    a.fill(answered("198.18.1.2")),
    b.fill(answered("198.18.1.2")),
  ]);
  assertEquals([x.name, y.name], ["r1.lab\\x1b[2J", "r1.lab\\x1b[2J"]);
  assertEquals(asked, ["198.18.1.2"]);
  assertEquals(a.known("198.18.1.2"), { name: "r1.lab\\x1b[2J" });
  // Not asked yet: nothing known, pending (a service lists it once it is not).
  assertEquals(a.known("198.18.7.7"), { pending: true });
  // Names off: nothing asked, nothing filled.
  const off = await lookups.forChoice({ names: false, as: null, geo: null });
  assertOk(!off.active);
  assertEquals((await off.fill(answered("198.18.9.9"))).name, undefined);
  assertEquals(asked, ["198.18.1.2"]);
});

Deno.test("Team Cymru's DNS: the AS, its prefix and name; garbage is *, a failure !! said once", async () => {
  const txt: Record<string, string[]> = {
    "2.1.18.198.origin.asn.lab": ["64501 | 198.18.1.0/24 | ZZ | lab | 2026-01-01"],
    "AS64501.asn.lab": ["64501 | ZZ | lab | 2026-01-01 | LAB-ONE"],
    "2.2.18.198.origin.asn.lab": ["garbage \x00 | 198.18"],
  };
  const queries: string[] = [];
  const lines: string[] = [];
  const lookups = new HopLookups(tableResolver({}).resolver, {
    txt: (name) => {
      queries.push(name);
      if (name.includes(".3.18.198.")) return Promise.reject(new Error("SERVFAIL"));
      return Promise.resolve(txt[name] ?? []);
    },
  });
  const view = await lookups.forChoice(
    { names: false, as: { kind: "dns", zone: "asn.lab" }, geo: null },
    (line) => lines.push(line),
  );
  const results = await Promise.all(
    ["198.18.1.2", "198.18.2.2", "198.18.3.2", "198.18.3.3", "198.18.1.2"].map((a) =>
      view.fill(answered(a))
    ),
  );
  assertEquals(results.map((r) => r.asPath), ["AS64501", "*", "!!", "!!", "AS64501"]);
  assertEquals(results[0]!.identity, { asn: 64501, prefix: "198.18.1.0/24", asName: "LAB-ONE" });
  assertEquals(results[1]!.identity, undefined);
  assertEquals(lines, [
    "hopwise: --as-source dns:asn.lab: SERVFAIL; going on without it where it fails",
  ]);
  // Each address asked once, the AS name once.
  assertEquals(queries.filter((q) => q.startsWith("2.1.")).length, 1);
  assertEquals(queries.filter((q) => q.startsWith("AS")).length, 1);
  // No answer: nothing filled, nothing asked.
  assertEquals(await view.fill(answered(null)), answered(null));
});

Deno.test("a lookup past its deadline leaves the address unnamed, and a watch sees the late name", async () => {
  let answer: (name: string) => void = () => {};
  const resolver: Resolver = {
    lookupHost: () => Promise.reject(new Error("not used")),
    reverse: () => new Promise((resolve) => (answer = resolve)),
  };
  const lookups = new HopLookups(resolver, { names: { ...NAME_CACHE, deadline: 20 } });
  const view = await lookups.forChoice({ names: true, as: null, geo: null });
  const started = performance.now();
  assertEquals((await view.fill(answered("198.18.1.2"))).name, null);
  assertOk(performance.now() - started < 1000);
  assertEquals(view.known("198.18.1.2").name, null);
  answer("late.lab");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(view.known("198.18.1.2").name, "late.lab");
});

Deno.test("a known name stays shown while it is asked again, and while the resolver fails", async () => {
  let clock = 0;
  const asked: string[] = [];
  const resolver: Resolver = {
    lookupHost: () => Promise.reject(new Error("not used")),
    reverse: (address) => {
      asked.push(address);
      return asked.length === 1
        ? Promise.resolve("r1.lab")
        : Promise.reject(new Error("no answer from 198.18.250.2 in 5 s"));
    },
  };
  const lookups = new HopLookups(resolver, { names: { ...NAME_CACHE, now: () => clock } });
  const view = await lookups.forChoice({ names: true, as: null, geo: null });
  view.start("198.18.1.2");
  assertEquals(await view.name("198.18.1.2"), "r1.lab");
  // An hour on: a watch asks again (start), and sees the name meanwhile and after the failure.
  clock = NAME_CACHE.keepFound;
  view.start("198.18.1.2");
  assertEquals(asked.length, 2);
  assertEquals(view.known("198.18.1.2"), { name: "r1.lab" });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(view.known("198.18.1.2"), { name: "r1.lab" });
  assertEquals((await view.fill(answered("198.18.1.2"))).name, "r1.lab");
  // A day past its hour, a name no lookup renewed is no longer shown.
  clock = NAME_CACHE.keepFound + NAME_CACHE.keepStale;
  assertEquals(view.known("198.18.1.2"), { pending: true }); // no name: nothing known now
});

Deno.test("no name is kept as long as its zone says (RFC 2308), a minute to an hour", async () => {
  let clock = 0;
  const asked: string[] = [];
  const ttls: Record<string, number | undefined> = {
    "198.18.1.2": 1800, // the zone's negative TTL: half an hour
    "198.18.1.3": 86400, // a day: an hour at most
    "198.18.1.4": undefined, // no SOA in the answer: a minute
  };
  const resolver: Resolver = {
    lookupHost: () => Promise.reject(new Error("not used")),
    reverse: () => Promise.reject(new Error("reverseAnswer is asked instead")),
    reverseAnswer: (address) => {
      asked.push(address);
      const ttl = ttls[address];
      return Promise.resolve(ttl === undefined ? { name: null } : { name: null, ttl });
    },
  };
  const lookups = new HopLookups(resolver, { names: { ...NAME_CACHE, now: () => clock } });
  const view = await lookups.forChoice({ names: true, as: null, geo: null });
  const addresses = Object.keys(ttls);
  const askAll = async () => {
    for (const a of addresses) view.start(a);
    await Promise.all(addresses.map((a) => view.name(a)));
    const count = asked.length;
    asked.length = 0;
    return count;
  };
  assertEquals(await askAll(), 3);
  clock = NAME_CACHE.keepMissing; // a minute: only the one without a TTL
  assertEquals(await askAll(), 1);
  clock = 1_800_000; // half an hour: the half-hour one (and the minute one again)
  assertEquals(await askAll(), 2);
  clock = NAME_CACHE.keepFound - 1; // not yet the hour: the day-long one is still kept
  await askAll();
  assertEquals(view.known("198.18.1.3"), { name: null });
  view.start("198.18.1.3");
  assertEquals(asked, []);
  clock = NAME_CACHE.keepFound; // the hour: asked again
  view.start("198.18.1.3");
  assertEquals(asked, ["198.18.1.3"]);
});
