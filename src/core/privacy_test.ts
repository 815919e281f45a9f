import { assertEquals, assertOk as assert } from "../../tests/assert.ts";
import { probeResult, traceSettings, traceStart } from "../../tests/fixtures.ts";
import { addr, snapshotOf, steady } from "../../tests/helpers/snapshot_fixture.ts";
import type { Trace, TraceEvent } from "./model.ts";
import {
  HIDDEN,
  hideCycle,
  hideProbe,
  hideSnapshot,
  hideTrace,
  hideTraceEvent,
  hideWatchEvent,
} from "./privacy.ts";

const identity = { asn: 64501, asName: "Example-Access", country: "DE", city: "Berlin" };

Deno.test("a probe of a hidden hop loses its address, name, AS path and identity; its RTT stays", () => {
  const probe = probeResult(2, 1, {
    address: "198.18.2.1",
    name: "r2.lab",
    asPath: "AS64501",
    identity,
    rtt: 1.25,
    annotation: "!H",
  });
  const hidden = hideProbe(probe, 2);
  assertEquals(hidden.address, HIDDEN);
  assertEquals("name" in hidden || "asPath" in hidden || "identity" in hidden, false);
  assertEquals([hidden.ttl, hidden.index, hidden.rtt, hidden.annotation], [2, 1, 1.25, "!H"]);
  // Past N, and silent probes, are left as they are (the same object).
  assert(hideProbe(probe, 1) === probe);
  const silent = probeResult(1, 0);
  assert(hideProbe(silent, 5) === silent);
});

Deno.test("a start keeps its target but hides the source and the gateways; 0 hides nothing", () => {
  const start: TraceEvent = {
    type: "start",
    ...traceStart({
      settings: traceSettings({ source: "198.18.0.1", gateways: ["198.18.1.1", "198.18.2.1"] }),
    }),
  };
  const hidden = hideTraceEvent(start, 1);
  assert(hidden.type === "start");
  assertEquals(hidden.settings.source, HIDDEN);
  assertEquals(hidden.settings.gateways, [HIDDEN, HIDDEN]);
  assertEquals(hidden.target, start.target);
  assert(hideTraceEvent(start, 0) === start);
  const unset = hideTraceEvent({ type: "start", ...traceStart() }, 3);
  assert(unset.type === "start");
  assertEquals(unset.settings.source, null);
});

Deno.test("a whole trace: hops up to N hidden, later hops untouched", () => {
  const trace: Trace = {
    ...traceStart(),
    hops: [1, 2, 3].map((ttl) => ({
      ttl,
      probes: [probeResult(ttl, 0, { address: `198.18.${ttl}.1`, rtt: ttl })],
    })),
    reason: "reached",
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: { sent: 3, received: 3, matched: 3, socketErrors: 0, ignored: {} },
  };
  const hidden = hideTrace(trace, 2);
  assertEquals(hidden.hops.map((h) => h.probes[0]!.address), [HIDDEN, HIDDEN, "198.18.3.1"]);
  assertEquals(hidden.hops.map((h) => h.probes[0]!.rtt), [1, 2, 3]);
  assert(hidden.hops[2] === trace.hops[2]);
  assertEquals(JSON.stringify(hidden).includes("198.18.1.1"), false);
});

Deno.test("a snapshot: hidden hops' addresses go, and the names and identities seen only there", () => {
  // 198.18.9.9 answers at hop 1 and again at hop 3: its name stays for hop 3.
  const snapshot = snapshotOf(
    { cycles: 3, hops: [steady(addr(1), 1), steady(addr(2), 2), steady("198.18.9.9", 3)] },
    {
      names: { [addr(1)]: "r1.lab", [addr(2)]: "r2.lab", "198.18.9.9": "dst.lab" },
      asPaths: { [addr(1)]: "AS64501" },
      identities: { [addr(2)]: identity, "198.18.9.9": identity },
    },
  );
  const hidden = hideSnapshot(snapshot, 2);
  assertEquals(hidden.hops.map((h) => h.addresses.map((a) => a.address)), [
    [HIDDEN],
    [HIDDEN],
    ["198.18.9.9"],
  ]);
  assertEquals(hidden.hops.map((h) => h.lastAddress), [HIDDEN, HIDDEN, "198.18.9.9"]);
  assertEquals(hidden.hops[0]!.flows[0]!.addresses[0]!.address, HIDDEN);
  assertEquals(hidden.names, { "198.18.9.9": "dst.lab" });
  assertEquals(hidden.asPaths, {});
  assertEquals(Object.keys(hidden.identities!), ["198.18.9.9"]);
  assertEquals(hidden.hops.map((h) => h.received), snapshot.hops.map((h) => h.received));
  const text = JSON.stringify(hidden);
  assertEquals([addr(1), addr(2), "r1.lab", "r2.lab"].filter((s) => text.includes(s)), []);
  assert(hideSnapshot(snapshot, 0) === snapshot);
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
  const cycle = { cycle: 0, lastHop: 2, probes: [probe(1), probe(2)] };
  assertEquals(hideCycle(cycle, 1).probes.map((p) => p.address), [HIDDEN, "198.18.2.1"]);
  const event = hideWatchEvent({ type: "cycle", cycle }, 2);
  assert(event.type === "cycle");
  assertEquals(event.cycle.probes.map((p) => p.address), [HIDDEN, HIDDEN]);
});
