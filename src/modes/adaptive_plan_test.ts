/**
 * hopwise's adaptive timing (AdaptivePlan) over a scripted session: every
 * probe timed out on its own, silent hops held back until the first pass is
 * over, and the second pass: which hops are probed again, when, and what a
 * re-probe that finds the destination nearer does.
 */
import { assertEquals } from "../../tests/assert.ts";
import {
  fromRouter,
  fromTarget,
  order,
  runTrace,
  type Script,
  TARGET,
} from "../../tests/helpers/scripted_session.ts";
import { REPROBE_AFTER } from "./adaptive_plan.ts";

/** Hop `ttl`'s router, its reply TTL telling its true distance. */
const hop = (ttl: number, after = 1, replyTtl = 65 - ttl) => fromRouter(ttl, after, { replyTtl });
const reached = (after: number, replyTtl: number) => fromTarget(after, { replyTtl });
/** hopwise's adaptive rule (ADAPTIVE in options.ts). */
const wait = { max: 5000, here: 3, near: 1.5, min: 20 };

Deno.test("adaptive: a silent hop is held back until the first pass is over; classic releases it at once", async () => {
  // TTL 1 silent (expires at 20 ms: NEAR 10 × 2 ms), TTL 3 answers late, at 25 ms.
  const script: Script = (p) =>
    p.ttl === 1 ? null : p.ttl === 2 ? hop(2, 1) : p.ttl === 3 ? hop(3, 25) : reached(2, 61);
  const setup = { queries: 1, maxHops: 4, wait: { ...wait, near: 10 }, script };
  const adaptive = await runTrace({ timing: "adaptive", ...setup });
  assertEquals(order(adaptive.releases), "1.0 2.0 3.0 4.0");
  assertEquals(adaptive.releases.map((r) => [r.status, r.at]), [
    ["expired", 25],
    ["answered", 25],
    ["answered", 25],
    ["answered", 25],
  ]);
  assertEquals(adaptive.outcome, "reached");
  assertEquals(adaptive.session.sends.filter((s) => s.reprobe), [], "no evidence of rate limiting");
  const classic = await runTrace({ timing: "classic", ...setup });
  assertEquals(classic.releases.map((r) => r.at), [20, 20, 25, 25]);
});

Deno.test("adaptive: every probe is timed out on its own (a late reply no longer counts)", async () => {
  const run = await runTrace({
    timing: "adaptive",
    queries: 2,
    maxHops: 3,
    wait: { max: 5000, here: 3, near: 0, min: 0 },
    script: (p) =>
      p.ttl === 1 ? hop(1, 300) : p.ttl === 2 ? hop(2, p.place === 0 ? 100 : 2) : reached(2, 62),
  });
  // 2.0 waited HERE × (2 + 1) ms = 9 ms: its reply at 100 ms comes too late.
  assertEquals(run.releases.map((r) => [r.status, r.rtt]).slice(2, 4), [
    ["expired", null],
    ["answered", 2],
  ]);
  assertEquals(run.statistics.snapshot().ignored, { "unknown-probe": 1 });
  assertEquals(run.releases.map((r) => r.at), [300, 300, 300, 300, 300, 300]);
});

Deno.test("adaptive: a hop answered only in part makes every silent hop be probed again", async () => {
  const run = await runTrace({
    timing: "adaptive",
    maxHops: 4,
    wait,
    script: (p) => {
      if (p.ttl === 1) return hop(1);
      if (p.ttl === 2) return p.place === 0 ? hop(2, 2) : null; // in part: rate limited?
      if (p.ttl === 3) return p.reprobed ? hop(3, 3) : null; // silent, then answers
      return reached(4, 61);
    },
  });
  // The first pass is over at 20 ms: hop 3 waits NEAR 1.5 × (4 + 1) ms, raised to 20.
  const reprobes = run.session.sends.filter((s) => s.reprobe);
  // One probe of the silent hop (its last slot), a second after the latest
  // answer (4 ms), and not before a second after the first send.
  assertEquals(reprobes, [{ ttl: 3, place: 2, at: 4 + REPROBE_AFTER, reprobe: true }]);
  // Hop 2's unanswered probes are not probed again: it answered.
  assertEquals(run.session.sends.length, 13);
  assertEquals(order(run.releases), "1.0 1.1 1.2 2.0 2.1 2.2 3.0 3.1 3.2 4.0 4.1 4.2");
  assertEquals(run.releases.slice(6, 9).map((r) => [r.status, r.address, r.reprobed, r.rtt]), [
    ["expired", null, false, null],
    ["expired", null, false, null],
    ["answered", "198.18.3.1", true, 3],
  ]);
  // Hop 2 was released as it was done; hop 3 waited for the second pass
  // (its expired probes go when it starts, the re-probe when answered).
  assertEquals(run.releases.map((r) => r.at), [
    1,
    1,
    1,
    2,
    20,
    20,
    1004,
    1004,
    ...Array(4).fill(1007),
  ]);
  assertEquals(run.outcome, "reached");
});

Deno.test("adaptive: a silent hop without evidence of rate limiting is not probed again", async () => {
  const run = await runTrace({
    timing: "adaptive",
    maxHops: 3,
    wait,
    // The destination's reply TTL says it is as far as it answered (2 routers back at TTL 3).
    script: (p) => p.ttl === 1 ? hop(1) : p.ttl === 2 ? null : reached(3, 62),
  });
  assertEquals(run.session.sends.filter((s) => s.reprobe), []);
  assertEquals(run.releases.slice(3, 6).map((r) => r.status), ["expired", "expired", "expired"]);
  // Released as soon as the first pass is over: NEAR 1.5 × 4 ms, raised to 20 ms.
  assertEquals(run.releases.map((r) => r.at), [1, 1, 1, ...Array(6).fill(20)]);
  assertEquals(run.outcome, "reached");
});

Deno.test("adaptive: a destination nearer than it answered is probed again at the silent hops, and the trace ends there", async () => {
  const run = await runTrace({
    timing: "adaptive",
    queries: 1,
    maxHops: 3,
    wait,
    // TTL 3's reply crossed no router back (TTL 64): the destination may be TTL 2, rate limited.
    script: (p) =>
      p.ttl === 1 ? hop(1) : p.ttl === 2 ? p.reprobed ? reached(2, 64) : null : reached(3, 64),
  });
  assertEquals(run.session.sends.filter((s) => s.reprobe).map((s) => [s.ttl, s.at]), [[2, 1003]]);
  assertEquals(order(run.releases), "1.0 2.0");
  assertEquals(run.releases[1]!.address, TARGET);
  assertEquals(run.releases[1]!.reprobed, true);
  assertEquals(run.outcome, "reached");
});

Deno.test("adaptive: a silent tail at the last TTL is probed again; an answer there ends the trace", async () => {
  const run = await runTrace({
    timing: "adaptive",
    queries: 1,
    maxHops: 4,
    wait,
    script: (p) => p.ttl <= 2 ? hop(p.ttl) : p.ttl === 3 && p.reprobed ? reached(2, 62) : null,
  });
  assertEquals(run.session.sends.filter((s) => s.reprobe).map((s) => s.ttl), [3, 4]);
  assertEquals(order(run.releases), "1.0 2.0 3.0");
  assertEquals(run.releases.map((r) => r.address), ["198.18.1.1", "198.18.2.1", TARGET]);
  assertEquals(run.outcome, "reached");
  // Without answers the second time, the tail stays silent and the trace ends at the last TTL.
  const still = await runTrace({
    timing: "adaptive",
    queries: 1,
    maxHops: 4,
    wait,
    script: (p) => p.ttl <= 2 ? hop(p.ttl) : null,
  });
  assertEquals(still.releases.map((r) => [r.status, r.reprobed]), [
    ["answered", false],
    ["answered", false],
    ["expired", true],
    ["expired", true],
  ]);
  assertEquals(still.outcome, "max-hops");
});

Deno.test("adaptive: a re-probe the kernel refuses stays unanswered", async () => {
  const run = await runTrace({
    timing: "adaptive",
    queries: 1,
    maxHops: 4,
    wait,
    script: (p) => p.ttl <= 2 ? hop(p.ttl) : p.reprobed ? reached(1, 62) : null,
    refuse: (probe) => probe.reprobed,
  });
  assertEquals(run.releases.map((r) => [r.status, r.reprobed]), [
    ["answered", false],
    ["answered", false],
    ["expired", true],
    ["expired", true],
  ]);
  assertEquals(run.session.sends.length, 4);
  assertEquals(run.outcome, "max-hops");
});
