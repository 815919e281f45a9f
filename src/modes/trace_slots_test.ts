/**
 * TraceSlots: Linux traceroute's "smart algorithm" (check_expired) moving a
 * final unreachable into an expired slot, run through the classic plan over
 * a scripted session, and the table's end, silence and stop reason.
 */
import { assertEquals } from "../../tests/assert.ts";
import type { ProbeStatus } from "../core/probe.ts";
import { Prober } from "../engine/prober.ts";
import {
  openTrace,
  order,
  runTrace,
  type ScriptedAnswer,
  scriptedNetwork,
  TARGET,
} from "../../tests/helpers/scripted_session.ts";

type Kind = NonNullable<ScriptedAnswer["kind"]>;
const from = (address: string, after: number, kind: Kind, replyTtl = 60): ScriptedAnswer => ({
  after,
  from: address,
  kind,
  replyTtl,
});
/**
 * TTL 1 answers from 198.18.1.1 (one hop back: reply TTL 64), TTL 2 is
 * silent, and the TTLs past it answer `kind` from `address` after 3 ms, with
 * `replyTtl`.
 */
const pastSilence = (address: string, kind: Kind, replyTtl: number) => (p: { ttl: number }) =>
  p.ttl === 1
    ? from("198.18.1.1", 1, "hop", 64)
    : p.ttl === 2
    ? null
    : from(address, 3, kind, replyTtl);
/**
 * TTL 1 answers from 198.18.1.1; at TTL 2 the first probe gets nothing and
 * the others get `kind` from `address` after 2 ms (reply TTL 50: far away).
 */
const firstLost = (address: string, kind: Kind) => (p: { ttl: number; place: number }) =>
  p.ttl === 1 ? from("198.18.1.1", 1, "hop") : p.place === 0 ? null : from(address, 2, kind, 50);

Deno.test("smart algorithm: a later !H of the same hop fills the expired slot; the slot it vacates is dropped", async () => {
  const dropped: ProbeStatus[] = [];
  const run = await runTrace({
    timing: "classic",
    maxHops: 2,
    script: firstLost("198.18.2.1", "!H"),
    onRelease: (probe, slots) => {
      if (probe.ttl === 2 && probe.place === 0) dropped.push(slots.at(4).status);
    },
  });
  assertEquals(order(run.releases), "1.0 1.1 1.2 2.0 2.1 2.2");
  assertEquals(run.releases.slice(3).map((r) => [r.status, r.address, r.annotation, r.moved]), [
    ["answered", "198.18.2.1", "!H", true],
    ["answered", "198.18.2.1", "!H", true],
    ["expired", null, "", false],
  ]);
  // When 2.0 took 2.1's reply, 2.1 was dropped; at its turn it took 2.2's.
  assertEquals(dropped, ["dropped"]);
  // A moved reply keeps its own round trip.
  assertEquals(run.releases[3]!.rtt, 2);
  // 2.0 expired after HERE × (2 + 1) ms.
  assertEquals([run.transport.now(), run.outcome], [9, "unreachable"]);
});

Deno.test("smart algorithm: a port unreachable (the destination reached) is never moved", async () => {
  const run = await runTrace({
    timing: "classic",
    maxHops: 2,
    script: firstLost(TARGET, "reached"),
  });
  assertEquals(run.releases.slice(3).map((r) => [r.status, r.address, r.moved]), [
    ["expired", null, false],
    ["answered", TARGET, false],
    ["answered", TARGET, false],
  ]);
  assertEquals(run.outcome, "reached");
});

Deno.test("smart algorithm: a final reply from an address seen at an earlier hop belongs to the expired hop", async () => {
  const run = await runTrace({
    timing: "classic",
    queries: 1,
    script: pastSilence("198.18.1.1", "!N", 50),
  });
  // TTL 2 takes the !N of TTL 3, and the trace ends there.
  assertEquals(run.releases.map((r) => [r.ttl, r.address, r.annotation, r.moved]), [
    [1, "198.18.1.1", "", false],
    [2, "198.18.1.1", "!N", true],
  ]);
  assertEquals(run.outcome, "unreachable");
  // From an address not seen before (and a reply TTL from far away), it stays where it came.
  const stays = await runTrace({
    timing: "classic",
    queries: 1,
    script: pastSilence("198.18.3.3", "!N", 50),
  });
  assertEquals(stays.releases.map((r) => [r.ttl, r.address, r.moved]), [
    [1, "198.18.1.1", false],
    [2, null, false],
    [3, "198.18.3.3", false],
  ]);
});

Deno.test("smart algorithm: a reply TTL that puts the responder at the expired hop moves its reply there", async () => {
  // TTL 1's reply came 1 hop back (TTL 64); the !H's came 2 hops back (63): it is hop 2.
  const script = (finalTtl: number) => pastSilence("198.18.3.3", "!H", finalTtl);
  const near = await runTrace({ timing: "classic", queries: 1, script: script(63) });
  assertEquals(near.releases.map((r) => [r.ttl, r.address, r.moved]), [
    [1, "198.18.1.1", false],
    [2, "198.18.3.3", true],
  ]);
  // 5 hops back: beyond TTL 2, so it stays at TTL 3.
  const far = await runTrace({ timing: "classic", queries: 1, script: script(60) });
  assertEquals(far.releases.map((r) => [r.ttl, r.address, r.moved]), [
    [1, "198.18.1.1", false],
    [2, null, false],
    [3, "198.18.3.3", false],
  ]);
});

Deno.test("trace slots: the end, a hop's silence and the stop reason", () => {
  const transport = scriptedNetwork();
  const prober = new Prober(transport);
  const { slots } = openTrace(prober, transport, {
    timing: "classic",
    queries: 2,
    maxHops: 4,
    script: () => null,
  });
  const answer = (index: number, annotation: string, final: boolean, address: string | null) => {
    const p = slots.at(index);
    p.sent(0);
    p.answerWith({
      address,
      receivedAt: 1,
      replyTtl: 60,
      annotation,
      final,
      icmp: null,
      tcpFlags: null,
      extensions: null,
    });
  };
  assertEquals([slots.size, slots.first, slots.end(0)], [8, 0, 8]);
  assertEquals(slots.reason(8), "max-hops");
  assertEquals(slots.hopSilent(slots.at(3)), true);
  answer(2, "", false, "198.18.2.1");
  assertEquals([slots.hopSilent(slots.at(3)), slots.hopSilent(slots.at(0))], [false, true]);
  // An answer with nothing in it (no address, no annotation, not final) leaves the hop silent.
  answer(0, "", false, null);
  assertEquals(slots.hopSilent(slots.at(1)), true);
  answer(5, "!H", true, "198.18.3.1");
  assertEquals(slots.end(0), 6);
  assertEquals(slots.end(6), 8, "looking from past it");
  assertEquals(slots.reason(6), "unreachable");
  answer(4, "", true, TARGET);
  assertEquals(slots.reason(6), "reached", "any final reply without annotation is the destination");
  // The last TTL's hop final: reached (or unreachable) even at the table's end.
  answer(7, "!N", true, "198.18.4.1");
  assertEquals(slots.reason(8), "unreachable");
  const late = openTrace(prober, transport, {
    timing: "classic",
    firstHop: 3,
    maxHops: 4,
    script: () => null,
  });
  assertEquals(late.slots.first, 6);
});
