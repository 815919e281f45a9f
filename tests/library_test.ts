/**
 * The library API over the fake network: event order, the Trace value,
 * cancellation, and several traces at once.
 */
import { assertEquals, assertRejects } from "./assert.ts";
import { ResolveError, trace, traceAll, type TraceEvent } from "../mod.ts";
import { FakeTransport, type Scenario } from "./fake/transport.ts";
import { TableResolver } from "./fake/resolver.ts";

const network = (): Scenario => ({
  family: 4,
  source: "198.18.0.2",
  target: "198.18.9.9",
  hops: [{ address: "198.18.1.1", rtt: 1 }, { address: null }, { address: "198.18.9.9", rtt: 3 }],
});

Deno.test("events come in print order: start, probes with a hop after each hop's last, end", async () => {
  const events: TraceEvent[] = [];
  const it = trace("198.18.9.9", {
    transport: new FakeTransport(network()),
    resolver: new TableResolver({}, { "198.18.1.1": "r1.lab" }),
    queries: 2,
  });
  let step = await it.next();
  while (!step.done) {
    events.push(step.value);
    step = await it.next();
  }
  const shape = events.map((e) =>
    e.type === "probe"
      ? `p${e.probe.ttl}.${e.probe.index}`
      : e.type === "hop"
      ? `h${e.hop.ttl}`
      : e.type
  );
  assertEquals(shape, [
    "start",
    "p1.0",
    "p1.1",
    "h1",
    "p2.0",
    "p2.1",
    "h2",
    "p3.0",
    "p3.1",
    "h3",
    "end",
  ]);
  const result = step.value;
  assertEquals(result.reason, "reached");
  assertEquals(result.hops.map((h) => h.probes.map((p) => p.address)), [
    ["198.18.1.1", "198.18.1.1"],
    [null, null],
    ["198.18.9.9", "198.18.9.9"],
  ]);
  assertEquals(result.hops[0]!.probes[0]!.name, "r1.lab");
  assertEquals(result.hops[2]!.probes[0]!.name, null);
  assertEquals(result.hops[0]!.probes[0]!.replyTtl, 64);
  assertEquals(result.hops[2]!.probes[0]!.icmp, { type: 3, code: 3 });
  assertEquals(result.packetSize, 60);
});

Deno.test("without name lookups no name field is set and no lookup is made", async () => {
  const resolver = new TableResolver({}, { "198.18.1.1": "r1.lab" });
  const result = await traceAll("198.18.9.9", {
    transport: new FakeTransport(network()),
    resolver,
    resolveNames: false,
  });
  assertEquals("name" in result.hops[0]!.probes[0]!, false);
  assertEquals(resolver.reverseAsked, []);
});

Deno.test("an AbortSignal stops the trace: partial hops, reason aborted, sockets closed", async () => {
  const fake = new FakeTransport({
    ...network(),
    hops: [{ address: "198.18.1.1", rtt: 1 }, { address: null }],
  });
  const stop = new AbortController();
  // Abort once hop 1 has answered (virtual time 1 ms); hop 2 is silent, so
  // without the abort the trace would wait 5 s there.
  fake.onWait = (now) => {
    if (now >= 1) stop.abort();
  };
  const events: TraceEvent[] = [];
  const it = trace("198.18.9.9", {
    transport: fake,
    resolver: new TableResolver(),
    signal: stop.signal,
  });
  let step = await it.next();
  for (; !step.done; step = await it.next()) events.push(step.value);
  const result = step.value;
  assertEquals(result.reason, "aborted");
  assertEquals(events.at(-1)?.type, "end");
  assertEquals(result.hops.map((h) => h.ttl), [1]);
  assertEquals(fake.openSockets(), 0);
  assertEquals(fake.now(), 1, "stopped at once, not after the silent hop's timeout");
});

Deno.test("breaking out of the loop closes every socket", async () => {
  const fake = new FakeTransport(network());
  for await (
    const event of trace("198.18.9.9", { transport: fake, resolver: new TableResolver() })
  ) {
    if (event.type === "probe") break;
  }
  assertEquals(fake.openSockets(), 0);
});

Deno.test("several traces at once in one process do not mix replies", async () => {
  // One network for every trace: each raw ICMP socket connected to
  // 198.18.9.9 gets a copy of every echo reply from it and of every ICMP
  // error about an echo request to it, whichever trace sent the request.
  const fake = new FakeTransport({
    ...network(),
    routes: {
      "198.18.8.8": [{ address: "198.18.5.5", rtt: 2 }, { address: "198.18.8.8", rtt: 4 }],
    },
  }, { concurrent: true });
  const common = { transport: fake, resolver: new TableResolver(), maxHops: 3 } as const;
  const [ra, rb, rc, rd] = await Promise.all([
    traceAll("198.18.9.9", { ...common, method: "icmp" }),
    traceAll("198.18.8.8", { ...common, method: "icmp" }),
    traceAll("198.18.9.9", common),
    traceAll("198.18.9.9", { ...common, method: "icmp", queries: 1 }),
  ]);
  const addresses = (r: typeof ra) => r.hops.map((h) => h.probes.map((p) => p.address));
  const hop1 = "198.18.1.1";
  const dst = "198.18.9.9";
  assertEquals(addresses(ra), [[hop1, hop1, hop1], [null, null, null], [dst, dst, dst]]);
  assertEquals(rb.hops.map((h) => h.probes[0]!.address), ["198.18.5.5", "198.18.8.8"]);
  assertEquals(rc.hops.length, 3);
  assertEquals(addresses(rd), [[hop1], [null], [dst]]);
  // Every probe went out on the one network.
  assertEquals(fake.sent.length, 9 + 9 + 9 + 3);
  // The two ICMP traces to 198.18.9.9 read each other's messages (three
  // errors and three echo replies for a's probes, one of each for d's) and
  // ignored them as another trace's; each took exactly its own.
  assertEquals(ra.statistics.matched, 6);
  assertEquals(ra.statistics.ignored, { foreign: 2 });
  assertEquals(ra.statistics.received, 8);
  assertEquals(rd.statistics.matched, 2);
  assertEquals(rd.statistics.ignored, { foreign: 6 });
  assertEquals(rd.statistics.received, 8);
  // The trace to 198.18.8.8 (a raw socket connected elsewhere) and the UDP
  // trace (a socket per probe) see only their own.
  assertEquals(rb.statistics.ignored, {});
  assertEquals(rb.statistics.received, rb.statistics.matched);
  assertEquals(rc.statistics.ignored, {});
  assertEquals(rc.statistics.received, rc.statistics.matched);
  assertEquals(fake.openSockets(), 0);
});

Deno.test("errors before probing reject the first next()", async () => {
  await assertRejects(
    () =>
      traceAll("nowhere.lab", {
        transport: new FakeTransport(network()),
        resolver: new TableResolver(),
      }),
    ResolveError,
    "nowhere.lab",
  );
  await assertRejects(() => traceAll("198.18.9.9", { queries: 0 }), RangeError, "queries");
});
