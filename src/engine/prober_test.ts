import { assertEquals, assertOk } from "../../tests/assert.ts";
import { SystemError } from "../core/errors.ts";
import { Prober } from "./prober.ts";
import type { Plan } from "./prober.ts";
import {
  chain,
  fromTarget,
  openTrace,
  runTrace,
  scriptedNetwork,
  TARGET,
} from "../../tests/helpers/scripted_session.ts";

Deno.test("prober: without a rate cap, the window's probes all go at once", async () => {
  const run = await runTrace({ timing: "classic", script: chain(5), queries: 1 });
  assertEquals(run.session.sends.map((s) => s.at), [0, 0, 0, 0, 0]);
  assertEquals(run.outcome, "reached");
});

Deno.test("prober: a rate cap spreads the sends 1/rate apart", async () => {
  const run = await runTrace({ timing: "classic", script: chain(5), queries: 1 }, { rate: 10 });
  assertEquals(run.session.sends.map((s) => s.at), [0, 100, 200, 300, 400]);
  assertEquals(run.outcome, "reached");
  assertEquals(run.releases.map((r) => r.address), [
    "198.18.1.1",
    "198.18.2.1",
    "198.18.3.1",
    "198.18.4.1",
    TARGET,
  ]);
});

Deno.test("prober: under the rate cap a burst goes at once, then 1/rate apart", async () => {
  const run = await runTrace(
    { timing: "classic", script: chain(6), queries: 1, maxHops: 6 },
    { rate: 4, burst: 3 },
  );
  assertEquals(run.session.sends.map((s) => s.at), [0, 0, 0, 250, 500, 750]);
});

Deno.test("prober: the rate cap holds for every plan together", async () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport, { rate: 20 });
  const a = openTrace(prober, transport, { timing: "classic", script: chain(3), queries: 1 });
  const b = openTrace(prober, transport, { timing: "adaptive", script: chain(3), queries: 1 });
  assertEquals(await prober.run(), "done");
  assertEquals([await a.outcome, await b.outcome], ["reached", "reached"]);
  const times = [...a.session.sends, ...b.session.sends].map((s) => s.at).sort((x, y) => x - y);
  assertEquals(times, [0, 50, 100, 150, 200, 250]);
});

Deno.test({
  name: "prober: plans under one rate cap take turns",
  async fn() {
    const transport = scriptedNetwork();
    const prober = new Prober(transport, { rate: 20 });
    const script = chain(4);
    const a = openTrace(prober, transport, { timing: "classic", script, queries: 1 });
    const b = openTrace(prober, transport, { timing: "classic", script, queries: 1 });
    await prober.run();
    // Before turns were kept, a sent at 0, 50, 100, 150 and b only from 200 on.
    assertOk(b.session.sends[0]!.at < a.session.sends.at(-1)!.at, "b waited for a to finish");
    assertOk(a.session.sends[0]!.at < b.session.sends.at(-1)!.at, "a waited for b to finish");
  },
});

/** A plan stepping at the times it returns, recording when it was stepped. */
class TimedPlan implements Plan {
  readonly steps: number[] = [];
  constructor(readonly times: number[], readonly onStep: (now: number) => void = () => {}) {}
  step(now: number): number | "done" {
    this.steps.push(now);
    this.onStep(now);
    return this.times.shift() ?? "done";
  }
}

Deno.test("prober: a plan is stepped when due and at once when poked", async () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const a = new TimedPlan([1000, 1500]);
  const settled: Array<[string, unknown]> = [];
  const pokeA = prober.add(a, (e) => settled.push(["a", e]));
  const b = new TimedPlan([50, 60], (now) => {
    if (now === 50) pokeA();
  });
  prober.add(b, (e) => settled.push(["b", e]));
  assertEquals(prober.active, 2);
  assertEquals(await prober.run(), "done");
  // a returned 1000 at 0, but b poked it at 50; it then asked for 1500.
  assertEquals(a.steps, [0, 50, 1500]);
  assertEquals(b.steps, [0, 50, 60]);
  assertEquals(settled, [["b", null], ["a", null]]);
  assertEquals(prober.active, 0);
  pokeA(); // poking a plan that is done does nothing
});

Deno.test("prober: a plan that throws is settled with its error; the others run on", async () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const failure = new SystemError("send probe", "EPERM", "Operation not permitted");
  const errors: unknown[] = [];
  prober.add({
    step(now) {
      if (now >= 10) throw failure;
      return 10;
    },
  }, (e) => errors.push(e));
  const other = new TimedPlan([20, 30]);
  prober.add(other, (e) => errors.push(e));
  assertEquals(await prober.run(), "done");
  assertEquals(errors, [failure, null]);
  assertEquals(other.steps, [0, 20, 30]);
});

Deno.test("prober: a plan added when another settles runs in the same run", async () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const second = new TimedPlan([transport.now() + 70]);
  prober.add(new TimedPlan([40]), () => prober.add(second, () => {}));
  assertEquals(await prober.run(), "done");
  assertEquals(second.steps, [40, 70]);
});

Deno.test("prober: an aborted signal stops the run", async () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const stop = new AbortController();
  const plan = new TimedPlan([100, 200, 300], (now) => {
    if (now === 200) stop.abort();
  });
  let settled = false;
  prober.add(plan, () => (settled = true));
  assertEquals(await prober.run(stop.signal), "aborted");
  assertEquals(plan.steps, [0, 100, 200]);
  assertEquals([settled, prober.active], [false, 1]);
});

Deno.test("channel: a second copy of a reply is a duplicate; a reply after expiry names no probe", async () => {
  const run = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 2,
    wait: { max: 100, here: 0, near: 0 },
    script: (probe) => probe.ttl === 1 ? { after: 1, from: "198.18.1.1", copies: 2 } : null,
  });
  assertEquals(run.releases.map((r) => [r.address, r.status]), [
    ["198.18.1.1", "answered"],
    [null, "expired"],
  ]);
  assertEquals(run.statistics.snapshot().ignored, { duplicate: 1 });
  assertEquals([run.statistics.sent, run.statistics.received, run.statistics.matched], [2, 2, 1]);
  assertEquals(run.outcome, "max-hops");
});

Deno.test("channel: a reply arriving after its probe expired is read and ignored", async () => {
  const run = await runTrace({
    timing: "classic",
    queries: 1,
    maxHops: 3,
    simultaneous: 1,
    wait: { max: 100, here: 0, near: 0 },
    script: (probe) =>
      probe.ttl === 1
        ? { after: 150, from: "198.18.1.1" }
        : probe.ttl === 2
        ? { after: 200, from: "198.18.2.1" }
        : fromTarget(),
  });
  // TTL 1 expires at 100; its reply at 150 comes while TTL 2 (sent at 100) waits.
  assertEquals(run.session.sends.map((s) => s.at), [0, 100, 200]);
  assertEquals(run.releases.map((r) => r.address), [null, null, TARGET]);
  assertEquals(run.statistics.snapshot().ignored, { "unknown-probe": 1 });
  assertEquals(run.outcome, "reached");
});

Deno.test("channel: a send the kernel refuses is tried again later; with nothing in flight the plan fails", async () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const trace = openTrace(prober, transport, {
    timing: "classic",
    script: chain(3),
    queries: 1,
    refuse: (_, attempt) => attempt === 1,
  });
  await prober.run();
  const outcome = await trace.outcome;
  assertOk(outcome instanceof SystemError);
  assertEquals(outcome.code, "ENOBUFS");
  assertEquals(trace.session.sends.length, 0);
  // With a probe in flight, the refused one waits for the next turn instead.
  const later = scriptedNetwork();
  const again = new Prober(later);
  const ok = openTrace(again, later, {
    timing: "classic",
    script: chain(3),
    queries: 1,
    maxHops: 3,
    refuse: (_, attempt) => attempt === 2,
  });
  await again.run();
  assertEquals(await ok.outcome, "reached");
  assertEquals(ok.session.sends.map((s) => [s.ttl, s.at]), [[1, 0], [2, 1], [3, 1]]);
});
