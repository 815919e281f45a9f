/**
 * A multipath round (FlowPlan) over a scripted session: probes in TTL then
 * flow order within the window, each timed out with the wait rule, and what
 * is in flight past the destination's hop given up (dropped).
 */
import { assertEquals } from "../../tests/assert.ts";
import { ProbeTable } from "../engine/probe_table.ts";
import { Prober } from "../engine/prober.ts";
import type { FakeTransport } from "../../tests/fake/transport.ts";
import {
  openChannel,
  type Script,
  scriptedNetwork,
  ScriptedSession,
  TARGET,
} from "../../tests/helpers/scripted_session.ts";
import { FlowPlan, type FlowStream } from "./flow_plan.ts";

async function round(
  script: Script,
  pairs: Array<[number, number]>,
  simultaneous = 16,
): Promise<{ stream: FlowStream; session: ScriptedSession; transport: FakeTransport }> {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const session = new ScriptedSession(transport, script);
  const channel = openChannel(prober, session);
  let poke = () => {};
  const stream: FlowStream = {
    table: new ProbeTable(6, 4, {
      flowPerPlace: true,
      onAnswer: (probe) => {
        if (probe.final) stream.finalHop = Math.min(stream.finalHop, probe.ttl);
        poke();
      },
    }),
    channel,
    wait: { max: 100, here: 3, near: 10, min: 0, adaptive: false },
    simultaneous,
    finalHop: Infinity,
    sent: 0,
  };
  const errors: unknown[] = [];
  poke = prober.add(new FlowPlan(stream, pairs), (e) => errors.push(e));
  await prober.run();
  assertEquals(errors, [null]);
  return { stream, session, transport };
}

Deno.test("flow plan: pairs go in TTL then flow order, as many as the window allows", async () => {
  const pairs: Array<[number, number]> = [[2, 1], [1, 1], [2, 0], [1, 0], [3, 0]];
  const { session, stream } = await round(
    (p) => ({ after: 5, from: `198.18.${p.ttl}.${p.flow}` }),
    pairs,
    2,
  );
  assertEquals(session.sends.map((s) => [s.ttl, s.place, s.at]), [
    [1, 0, 0],
    [1, 1, 0],
    [2, 0, 5],
    [2, 1, 5],
    [3, 0, 10],
  ]);
  assertEquals(stream.sent, 5);
  assertEquals(stream.table.slot(2, 1).address, "198.18.2.1");
  assertEquals(stream.table.slot(2, 1).flow, 1);
});

Deno.test("flow plan: past the destination's hop, nothing more is sent and what is in flight is dropped", async () => {
  const pairs: Array<[number, number]> = [];
  for (let ttl = 1; ttl <= 4; ttl++) for (let flow = 0; flow < 2; flow++) pairs.push([ttl, flow]);
  const script: Script = (p) =>
    p.ttl === 2
      ? { after: 2, from: TARGET, kind: "reached" }
      : p.ttl === 1
      ? { after: 3, from: "198.18.1.1" }
      : null;
  const { stream, session, transport } = await round(script, pairs, 6);
  // Six went out at once; TTL 4 never did; TTL 3's were given up when TTL 2 answered.
  assertEquals(session.sends.map((s) => s.ttl), [1, 1, 2, 2, 3, 3]);
  const statuses = pairs.map(([ttl, flow]) => stream.table.slot(ttl, flow).status);
  assertEquals(statuses, [
    "answered",
    "answered",
    "answered",
    "answered",
    "dropped",
    "dropped",
    "unsent",
    "unsent",
  ]);
  assertEquals(stream.finalHop, 2);
  assertEquals(session.released.length, 6, "the session forgot every probe it sent");
  assertEquals(transport.now(), 3, "TTL 1 was waited for, the dropped probes were not");
});

Deno.test("flow plan: an unanswered probe expires after its wait; slots already probed are skipped", async () => {
  const first = await round(() => null, [[1, 0], [1, 1]]);
  assertEquals(first.stream.table.slot(1, 0).status, "expired");
  assertEquals(first.transport.now(), 100);
  // A later round over the same table sends only what was never sent.
  const transport = first.transport;
  const prober = new Prober(transport);
  const session = new ScriptedSession(transport, () => ({ after: 1, from: "198.18.1.1" }));
  const stream = { ...first.stream, channel: openChannel(prober, session) };
  prober.add(new FlowPlan(stream, [[1, 0], [1, 2]]), () => {});
  await prober.run();
  assertEquals(session.sends.map((s) => [s.ttl, s.place]), [[1, 2]]);
});
