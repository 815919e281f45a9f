import { assertEquals, assertOk } from "../../tests/assert.ts";
import { probeResult, traceSettings, traceStart } from "../../tests/fixtures.ts";
import { addr, snapshotOf, steady } from "../../tests/helpers/snapshot_fixture.ts";
import type { Trace, TraceEvent } from "./model.ts";
import { HIDDEN, Privacy } from "./privacy.ts";

const identity = { asn: 64501, asName: "Example-Access", country: "DE", city: "Berlin" };
const TARGET = "198.18.9.9";

Deno.test("a probe of a hidden hop loses its address, name, AS path and identity; its RTT stays", () => {
  const privacy = new Privacy(2, TARGET);
  const probe = probeResult(2, 1, {
    address: "198.18.2.1",
    name: "r2.lab",
    asPath: "AS64501",
    identity,
    rtt: 1.25,
    annotation: "!H",
  });
  const hidden = privacy.probe(probe);
  assertEquals(hidden.address, "hidden-2");
  assertEquals("name" in hidden || "asPath" in hidden || "identity" in hidden, false);
  assertEquals([hidden.ttl, hidden.index, hidden.rtt, hidden.annotation], [2, 1, 1.25, "!H"]);
  // Past N, silent probes and the target itself are left as they are (the same object).
  assertOk(new Privacy(1, TARGET).probe(probe) === probe);
  const silent = probeResult(1, 0);
  assertOk(privacy.probe(silent) === silent);
  const target = probeResult(1, 0, { address: TARGET });
  assertOk(privacy.probe(target) === target);
});

Deno.test("labels: one per address, named for the hop where first met, kept through the run", () => {
  const privacy = new Privacy(3, TARGET);
  const at = (ttl: number, address: string) =>
    privacy.probe(probeResult(ttl, 0, { address })).address;
  assertEquals(
    [at(1, "198.18.1.1"), at(2, "198.18.2.1"), at(3, "198.18.1.1"), at(2, "198.18.2.9")],
    ["hidden-1", "hidden-2", "hidden-1", "hidden-2b"],
  );
  const many = new Privacy(1, TARGET);
  const labels = Array.from({ length: 28 }, (_, i) => many.label(`198.18.1.${i + 1}`, 1));
  assertEquals([labels[0], labels[1], labels[25], labels[26], labels[27]], [
    "hidden-1",
    "hidden-1b",
    "hidden-1z",
    "hidden-1-27",
    "hidden-1-28",
  ]);
  assertEquals(new Set(labels).size, 28);
});

Deno.test("labels: a path of one address a hop gets the same labels in whatever order its replies come", () => {
  const path = ["198.18.1.1", "198.18.2.1", "198.18.3.1"];
  const labels = (order: number[]) => {
    const privacy = new Privacy(3, TARGET);
    for (const i of order) privacy.probe(probeResult(i + 1, 0, { address: path[i]! }));
    return path.map((address, i) => privacy.label(address, i + 1));
  };
  assertEquals(labels([0, 1, 2]), ["hidden-1", "hidden-2", "hidden-3"]);
  assertEquals(labels([2, 0, 1]), labels([0, 1, 2]));
});

Deno.test("a start keeps its target but hides the source and the gateways; 0 hides nothing", () => {
  const start: TraceEvent = {
    type: "start",
    ...traceStart({
      settings: traceSettings({ source: "198.18.0.1", gateways: ["198.18.1.1", "198.18.2.1"] }),
    }),
  };
  const hidden = new Privacy(1).traceEvent(start);
  assertOk(hidden.type === "start");
  assertEquals(hidden.settings.source, HIDDEN);
  assertEquals(hidden.settings.gateways, [HIDDEN, HIDDEN]);
  assertEquals(hidden.target, start.target);
  assertOk(new Privacy(0).traceEvent(start) === start);
  const unset = new Privacy(3).traceEvent({ type: "start", ...traceStart() });
  assertOk(unset.type === "start");
  assertEquals(unset.settings.source, null);
});

Deno.test("a whole trace: hops up to N hidden, later hops untouched, the target kept", () => {
  const trace: Trace = {
    ...traceStart(),
    hops: [1, 2, 3].map((ttl) => ({
      ttl,
      probes: [probeResult(ttl, 0, { address: ttl === 2 ? TARGET : `198.18.${ttl}.1`, rtt: ttl })],
    })),
    reason: "reached",
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: { sent: 3, received: 3, matched: 3, socketErrors: 0, ignored: {} },
  };
  const hidden = new Privacy(2).trace(trace);
  assertEquals(hidden.hops.map((h) => h.probes[0]!.address), ["hidden-1", TARGET, "198.18.3.1"]);
  assertEquals(hidden.hops.map((h) => h.probes[0]!.rtt), [1, 2, 3]);
  assertOk(hidden.hops[2] === trace.hops[2]);
  assertEquals(JSON.stringify(hidden).includes("198.18.1.1"), false);
});

Deno.test("a snapshot: hidden hops' addresses go, and the names and identities seen only there", () => {
  // 198.18.8.8 answers at hop 1 and again at hop 3: its name stays for hop 3.
  const snapshot = snapshotOf(
    { cycles: 3, hops: [steady("198.18.8.8", 1), steady(addr(2), 2), steady("198.18.8.8", 3)] },
    {
      names: { "198.18.8.8": "r8.lab", [addr(2)]: "r2.lab" },
      asPaths: { [addr(2)]: "AS64501" },
      identities: { [addr(2)]: identity, "198.18.8.8": identity },
    },
  );
  const hidden = new Privacy(2, TARGET).snapshot(snapshot);
  assertEquals(hidden.hops.map((h) => h.addresses.map((a) => a.address)), [
    ["hidden-1"],
    ["hidden-2"],
    ["198.18.8.8"],
  ]);
  assertEquals(hidden.hops.map((h) => h.lastAddress), ["hidden-1", "hidden-2", "198.18.8.8"]);
  assertEquals(hidden.hops[0]!.flows[0]!.addresses[0]!.address, "hidden-1");
  assertEquals(hidden.names, { "198.18.8.8": "r8.lab" });
  assertEquals(hidden.asPaths, {});
  assertEquals(Object.keys(hidden.identities!), ["198.18.8.8"]);
  assertEquals(hidden.hops.map((h) => h.received), snapshot.hops.map((h) => h.received));
  const text = JSON.stringify(hidden.hops.slice(0, 2));
  assertEquals([addr(2), "198.18.8.8", "r2.lab"].filter((s) => text.includes(s)), []);
  assertOk(new Privacy(0).snapshot(snapshot) === snapshot);
});

Deno.test("a settled cycle and a watch event hide their first hops", () => {
  const probe = (ttl: number) => ({
    ttl,
    flow: 0,
    address: `198.18.${ttl}.1`,
    rtt: 1,
    annotation: "",
    final: false,
    lost: false,
    reason: null,
  });
  const known = (ttl: number) => ({
    ...probe(ttl),
    name: `r${ttl}.lab`,
    asPath: "AS64501",
    identity,
  });
  const cycle = { cycle: 0, lastHop: 2, probes: [known(1), known(2)] };
  const privacy = new Privacy(1, TARGET);
  const shown = privacy.cycle(cycle).probes;
  assertEquals(shown.map((p) => p.address), ["hidden-1", "198.18.2.1"]);
  // The hidden responder's name, AS path and identity go with its address; the next hop's stay.
  assertEquals(shown[0], { ...probe(1), address: "hidden-1" });
  assertOk(shown[1] === cycle.probes[1]);
  const event = new Privacy(2, TARGET).watchEvent({ type: "cycle", cycle });
  assertOk(event.type === "cycle");
  assertEquals(event.cycle.probes.map((p) => p.address), ["hidden-1", "hidden-2"]);
});

Deno.test("forTarget: targets side by side share the labels, each keeping its own target", () => {
  const run = new Privacy(2);
  const a = run.forTarget("198.18.2.1");
  const b = run.forTarget(TARGET);
  const at = (p: Privacy, ttl: number, address: string) =>
    p.probe(probeResult(ttl, 0, { address })).address;
  assertEquals(
    [at(b, 1, "198.18.1.1"), at(a, 1, "198.18.1.1"), at(b, 2, "198.18.2.1")],
    ["hidden-1", "hidden-1", "hidden-2"],
  );
  // a's target is its own: never hidden there, though b hid it.
  assertEquals(at(a, 2, "198.18.2.1"), "198.18.2.1");
  assertEquals([run.label("198.18.2.1", 2), a.hops], ["hidden-2", 2]);
});

Deno.test("a message hides every address in it but the target's: hidden hops by label", () => {
  const privacy = new Privacy(2, TARGET);
  privacy.probe(probeResult(1, 0, { address: "198.18.1.1" }));
  assertEquals(
    privacy.text(`Option "source" 2001:DB8::5 is not of the target's IP version`),
    `Option "source" hidden is not of the target's IP version`,
  );
  assertEquals(
    privacy.text(`198.18.1.1: no route from 198.18.0.2 to ${TARGET}, 1.5 s, at 12:30`),
    `hidden-1: no route from hidden to ${TARGET}, 1.5 s, at 12:30`,
  );
  // Nothing hidden: the message as it is.
  assertEquals(new Privacy(0).text("source 198.18.0.2"), "source 198.18.0.2");
});
