/**
 * Linux traceroute's timing (ClassicPlan) over a scripted session: the probe
 * lifecycle, in-order release, the wait rule as the plan applies it, the -N
 * window, -z pacing, and where the trace ends.
 */
import { assertEquals } from "../../tests/assert.ts";
import type { ProbeStatus } from "../core/probe.ts";
import {
  chain,
  fromRouter,
  fromTarget,
  order,
  runTrace,
  silent,
  TARGET,
} from "../../tests/helpers/scripted_session.ts";

Deno.test("classic: probes go unsent, in flight, then answered or expired, released in order", async () => {
  const seen: Array<[string, ProbeStatus[]]> = [];
  const run = await runTrace({
    timing: "classic",
    queries: 2,
    maxHops: 3,
    script: (p) =>
      p.ttl === 2 && p.place === 0 ? null : p.ttl === 3 ? fromTarget(3) : fromRouter(p.ttl),
    onRelease: (probe, slots) => {
      const statuses: ProbeStatus[] = [];
      for (let i = 0; i < slots.size; i++) statuses.push(slots.at(i).status);
      seen.push([`${probe.ttl}.${probe.place}`, statuses]);
    },
  });
  assertEquals(order(run.releases), "1.0 1.1 2.0 2.1 3.0 3.1");
  assertEquals(run.releases.map((r) => r.status), [
    "answered",
    "answered",
    "expired",
    "answered",
    "answered",
    "answered",
  ]);
  // At the first release (1 ms) hop 2's silent probe is in flight, hop 3 not yet answered.
  assertEquals(seen[0], ["1.0", [
    "answered",
    "answered",
    "in-flight",
    "answered",
    "in-flight",
    "in-flight",
  ]]);
  // 2.0 waits HERE × (1 + 1 ms) = 6 ms after its send.
  assertEquals(run.releases.map((r) => r.at), [1, 1, 6, 6, 6, 6]);
  assertEquals(run.outcome, "reached");
  assertEquals(run.releases.map((r) => r.rtt), [1, 1, null, 1, 3, 3]);
});

Deno.test("classic: a later probe answered first is released only after the earlier ones", async () => {
  const run = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 3,
    script: (p) => p.ttl === 1 ? fromRouter(1, 15) : p.ttl === 2 ? fromRouter(2, 1) : fromTarget(2),
  });
  assertEquals(order(run.releases), "1.0 2.0 3.0");
  // TTL 2 and 3 answered at 1 and 2 ms, but wait for TTL 1's answer at 15 ms.
  assertEquals(run.releases.map((r) => [r.at, r.rtt]), [[15, 15], [15, 1], [15, 2]]);
});

Deno.test("classic: the wait goes by HERE, then NEAR, then MAX", async () => {
  // HERE: 1.0 and 1.2 wait 3 × (4 + 1) ms after 1.1 answered in 4 ms.
  const here = await runTrace({
    timing: "classic",
    maxHops: 2,
    script: (p) => p.ttl === 2 ? fromTarget(5) : p.place === 1 ? fromRouter(1, 4) : null,
  });
  assertEquals(here.releases.map((r) => [r.status, r.at]).slice(0, 3), [
    ["expired", 15],
    ["answered", 15],
    ["expired", 15],
  ]);
  assertEquals(here.transport.now(), 15);
  // NEAR: TTL 1 waits 10 × (4 + 1) ms after TTL 2 answered in 4 ms.
  const near = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 3,
    script: (p) => p.ttl === 1 ? null : p.ttl === 2 ? fromRouter(2, 4) : fromTarget(6),
  });
  assertEquals(near.releases.map((r) => r.at), [50, 50, 50]);
  // MAX: nothing answers: every probe waits 5 s, the last hop is the last TTL.
  const max = await runTrace({ timing: "classic", queries: 1, maxHops: 2, script: silent });
  assertEquals(max.releases.map((r) => [r.status, r.at]), [["expired", 5000], ["expired", 5000]]);
  assertEquals(max.outcome, "max-hops");
  // min raises HERE and NEAR waits (as in adaptive timing's rule).
  const min = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 3,
    wait: { min: 80 },
    script: (p) => p.ttl === 1 ? null : p.ttl === 2 ? fromRouter(2, 4) : fromTarget(6),
  });
  assertEquals(min.releases.map((r) => r.at), [80, 80, 80]);
});

Deno.test("classic: only the oldest unreleased probe is timed out (a late reply may still count)", async () => {
  // 2.0's own wait (HERE: 3 × 3 ms) is long over when its reply comes at 100
  // ms, but it is not timed out before hop 1 is done at 300 ms.
  const run = await runTrace({
    timing: "classic",
    queries: 2,
    maxHops: 3,
    wait: { near: 0 },
    script: (p) =>
      p.ttl === 1
        ? fromRouter(1, 300)
        : p.ttl === 2
        ? fromRouter(2, p.place === 0 ? 100 : 2)
        : fromTarget(2),
  });
  assertEquals(run.releases.map((r) => [r.status, r.rtt, r.at]).slice(2, 4), [
    ["answered", 100, 300],
    ["answered", 2, 300],
  ]);
  assertEquals(run.statistics.snapshot().ignored, {});
});

Deno.test("classic: -N keeps at most N unanswered probes out", async () => {
  const run = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 4,
    simultaneous: 2,
    wait: { max: 100 },
    script: silent,
  });
  assertEquals(run.session.sends.map((s) => [s.ttl, s.at]), [[1, 0], [2, 0], [3, 100], [4, 100]]);
  assertEquals(run.releases.map((r) => r.at), [100, 100, 200, 200]);
  assertEquals(run.outcome, "max-hops");
  // -N 1: each probe goes once the one before is done.
  const one = await runTrace({ timing: "classic", queries: 1, simultaneous: 1, script: chain(3) });
  assertEquals(one.session.sends.map((s) => s.at), [0, 1, 2]);
  // The window counts unanswered probes only: answered ones make room at once.
  const window = await runTrace({
    timing: "classic",
    queries: 2,
    maxHops: 4,
    simultaneous: 3,
    script: chain(3),
  });
  assertEquals(window.session.sends.map((s) => s.at), [0, 0, 0, 1, 1, 1]);
});

Deno.test("classic: -z keeps sends at least that far apart", async () => {
  const run = await runTrace({ timing: "classic", queries: 1, sendWait: 50, script: chain(3) });
  assertEquals(run.session.sends.map((s) => s.at), [0, 50, 100]);
  assertEquals(run.releases.map((r) => [r.address, r.at]), [
    ["198.18.1.1", 1],
    ["198.18.2.1", 51],
    [TARGET, 101],
  ]);
  // With answers slower than -z the window still fills, one send per 50 ms.
  const slow = await runTrace({
    timing: "classic",
    queries: 1,
    sendWait: 50,
    script: (p) => p.ttl < 3 ? fromRouter(p.ttl, 500) : fromTarget(500),
  });
  assertEquals(slow.session.sends.map((s) => s.at), [0, 50, 100, 150, 200]);
});

Deno.test("classic: the trace ends after the hop with a final reply", async () => {
  const run = await runTrace({
    timing: "classic",
    maxHops: 10,
    // At TTL 2 only the first probe reaches the destination (a final reply ends it all the same).
    script: (p) => p.ttl === 2 && p.place === 0 ? fromTarget(2) : fromRouter(p.ttl, 2),
  });
  assertEquals(order(run.releases), "1.0 1.1 1.2 2.0 2.1 2.2");
  assertEquals(run.outcome, "reached");
  // The window sent 16 probes at once; nothing more went out, nothing past hop 2 waited.
  assertEquals(run.session.sends.length, 16);
  assertEquals(run.transport.now(), 2);
  const unreachable = await runTrace({
    timing: "classic",
    script: (p) => p.ttl === 3 ? fromTarget(1, { kind: "!H" }) : fromRouter(p.ttl),
  });
  assertEquals(unreachable.releases.map((r) => r.annotation).slice(6), ["!H", "!H", "!H"]);
  assertEquals([unreachable.releases.length, unreachable.outcome], [9, "unreachable"]);
  const maxHops = await runTrace({
    timing: "classic",
    maxHops: 3,
    script: (p) => fromRouter(p.ttl),
  });
  assertEquals([maxHops.releases.length, maxHops.outcome], [9, "max-hops"]);
  // A first hop later than 1 starts the table there.
  const late = await runTrace({ timing: "classic", firstHop: 2, queries: 1, script: chain(3) });
  assertEquals(order(late.releases), "2.0 3.0");
  assertEquals(late.session.sends.map((s) => s.ttl), [2, 3, 4, 5]);
});

Deno.test("classic: a probe told of a smaller MTU (--mtu) goes again at once", async () => {
  // TTL 2's first send meets a 50-byte link (28 bytes of headers, 32 of data: too big).
  // (--mtu always runs in this timing, one probe at a time.)
  let tooBig = true;
  const run = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 3,
    simultaneous: 1,
    mtuDiscovery: true,
    script: (p) => {
      if (p.ttl !== 2) return p.ttl === 1 ? fromRouter(1) : fromTarget();
      if (!tooBig) return fromRouter(2);
      tooBig = false;
      return fromRouter(1, 1, { kind: "!F", mtu: 50 });
    },
  });
  // Sent again when the MTU came (1 ms after its first send), not once that send's 5 s wait
  // is over: Linux traceroute's do_it loop sends it on its next turn.
  assertEquals(run.session.sends.map((s) => [s.ttl, s.at]), [[1, 0], [2, 1], [2, 2], [3, 3]]);
  assertEquals(run.releases.map((r) => [r.address, r.annotation]), [
    ["198.18.1.1", ""],
    ["198.18.2.1", "F=50"],
    [TARGET, ""],
  ]);
  assertEquals([run.outcome, run.transport.now()], ["reached", 4]);
});
