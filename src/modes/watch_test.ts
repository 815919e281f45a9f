import { assertEquals, assertOk } from "../../tests/assert.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { watch } from "./watch.ts";
import type { CycleResult, WatchEvent, WatchSnapshot } from "../core/watch_model.ts";

const network = () =>
  new FakeTransport({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [
      { address: "198.18.1.1", rtt: 1 },
      // Its first probe goes unanswered.
      { address: "198.18.2.1", rtt: 2, drop: [0] },
      { address: "198.18.9.9", rtt: 3 },
    ],
  });

async function run(fake: FakeTransport, cycles: number, interval: number) {
  let waits = 0;
  // A busy loop on the virtual clock would never end: stop it, and fail on the count.
  const stop = new AbortController();
  fake.onWait = () => {
    if (++waits > 2000) stop.abort();
  };
  const events: WatchEvent[] = [];
  const session = watch("198.18.9.9", {
    transport: fake,
    resolver: new TableResolver(),
    resolveNames: false,
    cycles,
    interval,
    snapshots: false,
    signal: stop.signal,
  });
  for await (const event of session) events.push(event);
  return { events, waits };
}

Deno.test("watch: cycles on a virtual clock, one result per cycle, statistics per hop", async () => {
  const fake = network();
  const { events } = await run(fake, 5, 200);
  assertEquals(events.map((e) => e.type), ["start", ...Array(5).fill("cycle"), "end"]);
  const end = events.at(-1)!;
  assertOk(end.type === "end");
  assertEquals(end.reason, "done");
  assertEquals(end.snapshot.destination, 3);
  const hops = end.snapshot.hops.filter((h) => h.ttl <= 3);
  assertEquals(hops.map((h) => [h.ttl, h.sent, h.received, h.inFlight]), [
    [1, 5, 5, 0],
    [2, 5, 4, 0],
    [3, 5, 5, 0],
  ]);
  assertEquals(hops.map((h) => h.mean), [1, 2, 3]);
  assertEquals(hops.map((h) => h.lossPercent), [0, 20, 0]);
  assertEquals(fake.openSockets(), 0, "sockets left open");
});

Deno.test("watch: waiting between cycles costs a handful of waits, not a busy loop", async () => {
  // 20 cycles 100 ms apart: a spin would wait thousands of times at 0 ms.
  const { waits } = await run(network(), 20, 100);
  assertOk(waits < 20 * 12, `${waits} waits for 20 cycles`);
});

Deno.test("watch: a cycle's responders carry their names once they are known", async () => {
  const fake = network();
  const resolver = new TableResolver({}, { "198.18.1.1": "r1.lab", "198.18.2.1": "r2.lab" });
  const cycles: CycleResult[] = [];
  const session = watch("198.18.9.9", {
    transport: fake,
    resolver,
    cycles: 4,
    interval: 200,
    snapshots: false,
  });
  for await (const event of session) if (event.type === "cycle") cycles.push(event.cycle);
  assertEquals(cycles.length, 4);
  // The names are asked at the first answers; the later cycles are handed out well after.
  const names = new Map<string, string | null | undefined>();
  for (const c of cycles.slice(1)) {
    for (const p of c.probes) if (p.address !== null && p.ttl <= 3) names.set(p.address, p.name);
  }
  assertEquals(Object.fromEntries(names), {
    "198.18.1.1": "r1.lab",
    "198.18.2.1": "r2.lab",
    "198.18.9.9": null,
  });
  // A probe with no answer carries no name.
  const silent = cycles.flatMap((c) => c.probes).filter((p) => p.address === null);
  assertOk(silent.every((p) => !("name" in p)));
});

Deno.test("watch: a responder is pending in snapshots until its lookups first answer", async () => {
  const fake = network();
  const resolver = new TableResolver({}, { "198.18.1.1": "r1.lab" });
  // 198.18.2.1's name comes only when the test lets it.
  const release = resolver.hold("198.18.2.1");
  const session = watch("198.18.9.9", { transport: fake, resolver, cycles: 6, interval: 200 });
  const pendings: string[][] = [];
  let last: WatchSnapshot | null = null;
  for await (const event of session) {
    if (event.type !== "snapshot" && event.type !== "end") continue;
    last = event.snapshot;
    pendings.push(last.pending ?? []);
    if (last.pending?.includes("198.18.2.1")) release("r2.lab");
  }
  // Pending while its name was held, never the answered ones; not once it came.
  assertOk(pendings.some((p) => p.includes("198.18.2.1")), JSON.stringify(pendings));
  assertOk(pendings.every((p) => p.every((a) => a === "198.18.2.1")), JSON.stringify(pendings));
  assertEquals(last?.pending, undefined);
  assertEquals(last?.names["198.18.2.1"], "r2.lab");
});
