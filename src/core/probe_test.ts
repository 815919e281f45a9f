import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { answer } from "../../tests/helpers/probe_answer.ts";
import { Probe } from "./probe.ts";

const slot = (ttl: number, place: number) => ({ slot: (ttl - 1) * 3 + place, ttl, place });

Deno.test("probe: unsent, in flight, answered: the round trip is the reply's time minus the send's", () => {
  const told: Probe[] = [];
  const probe = new Probe(slot(2, 1), { answered: (p) => told.push(p) });
  assertEquals([probe.status, probe.sentAt, probe.rtt, probe.settled], [
    "unsent",
    null,
    null,
    false,
  ]);
  probe.sent(4);
  assertEquals([probe.status, probe.sentAt, probe.settled], ["in-flight", 4, false]);
  probe.answerWith(answer({ receivedAt: 10 }));
  assertEquals([probe.status, probe.rtt, probe.settled, probe.answered], [
    "answered",
    6,
    true,
    true,
  ]);
  assertEquals(told, [probe]);
  assertEquals(probe.result(), {
    ttl: 2,
    index: 1,
    address: "198.18.1.1",
    rtt: 6,
    annotation: "",
    final: false,
    icmp: { type: 11, code: 0 },
    replyTtl: 63,
    moved: false,
    reprobed: false,
    tcpFlags: null,
    extensions: null,
  });
});

Deno.test("probe: in flight, expired: settled with no answer", () => {
  const probe = new Probe(slot(1, 0));
  probe.sent(0);
  probe.expire();
  assertEquals([probe.status, probe.settled, probe.answered, probe.rtt], [
    "expired",
    true,
    false,
    null,
  ]);
  assertEquals(probe.result().address, null);
});

Deno.test("probe: illegal transitions throw, naming the probe and its status", () => {
  const probe = new Probe(slot(3, 2));
  assertThrows(() => probe.answerWith(answer()), Error, "Probe 3.2 is unsent, not in-flight");
  assertThrows(() => probe.expire(), Error, "Probe 3.2 is unsent, not in-flight or dropped");
  assertThrows(() => probe.reprobe(), Error, "is unsent, not expired or answered");
  probe.sent(0);
  assertThrows(() => probe.sent(1), Error, "Probe 3.2 is in-flight, not unsent");
  probe.answerWith(answer());
  // Answering twice, or expiring an answered probe, is refused; the first answer stays.
  assertThrows(() => probe.answerWith(answer({ address: "198.18.7.7" })), Error, "is answered");
  assertThrows(() => probe.expire(), Error, "Probe 3.2 is answered, not in-flight or dropped");
  assertThrows(() => probe.resend("F=1400"), Error, "is answered, not in-flight");
  assertEquals(probe.address, "198.18.1.1");
  const expired = new Probe(slot(1, 0));
  expired.sent(0);
  expired.expire();
  assertThrows(() => expired.drop(), Error, "is expired, not unsent or in-flight or answered");
  assertThrows(() => expired.expire(), Error, "is expired");
});

Deno.test("probe: dropped (given up) forgets its answer and expires at its turn", () => {
  const probe = new Probe(slot(1, 0));
  probe.sent(0);
  probe.answerWith(answer());
  probe.drop();
  assertEquals([probe.status, probe.settled, probe.answer, probe.address], [
    "dropped",
    false,
    null,
    null,
  ]);
  assertThrows(() => probe.answerWith(answer()), Error, "is dropped, not in-flight");
  probe.expire();
  assertEquals(probe.status, "expired");
  const unsent = new Probe(slot(1, 1));
  unsent.drop();
  assertEquals(unsent.status, "dropped");
});

Deno.test("probe: the smart algorithm's move: the expired slot takes the reply, the other is dropped", () => {
  const expired = new Probe(slot(2, 0));
  const final = new Probe(slot(2, 1));
  expired.sent(0);
  final.sent(1);
  expired.expire();
  final.answerWith(answer({ annotation: "!H", final: true, receivedAt: 3 }));
  expired.takeReplyOf(final);
  assertEquals([expired.status, expired.moved, expired.annotation, expired.final], [
    "answered",
    true,
    "!H",
    true,
  ]);
  // It takes the send time with the reply: the round trip is the reply's own.
  assertEquals([expired.sentAt, expired.rtt], [1, 2]);
  assertEquals([final.status, final.answer, final.moved], ["dropped", null, false]);
  // Only an expired or dropped slot takes, and only an answered one gives.
  const inFlight = new Probe(slot(3, 0));
  inFlight.sent(0);
  assertThrows(() => inFlight.takeReplyOf(expired), Error, "Probe 3.0 is in-flight");
  const empty = new Probe(slot(3, 1));
  empty.sent(0);
  empty.expire();
  assertThrows(() => empty.takeReplyOf(final), Error, "Probe 2.1 is dropped, not answered");
});

Deno.test("probe: resend keeps its note until a reply brings an annotation; reprobe starts over", () => {
  const probe = new Probe(slot(1, 0));
  probe.sent(0);
  probe.resend("F=1400");
  assertEquals([probe.status, probe.sentAt, probe.annotation], ["unsent", null, "F=1400"]);
  probe.sent(5);
  probe.answerWith(answer({ annotation: "" }));
  assertEquals(probe.annotation, "F=1400");
  const annotated = new Probe(slot(1, 1));
  annotated.sent(0);
  annotated.resend("F=1400");
  annotated.sent(1);
  annotated.answerWith(answer({ annotation: "!F-1300", final: true }));
  assertEquals(annotated.annotation, "!F-1300");
  // The second pass: an expired probe is sent once more, marked as such.
  const silent = new Probe(slot(2, 2));
  silent.sent(0);
  silent.expire();
  silent.reprobe();
  assertEquals([silent.status, silent.sentAt, silent.reprobed], ["unsent", null, true]);
  silent.sent(1000);
  silent.answerWith(answer({ receivedAt: 1004 }));
  assertEquals([silent.rtt, silent.result().reprobed], [4, true]);
});

Deno.test("probe: answered means an address, an annotation or a final reply", () => {
  const nothing = new Probe(slot(1, 0));
  nothing.sent(0);
  nothing.answerWith(answer({ address: null }));
  assertEquals([nothing.status, nothing.answered], ["answered", false]);
  const local = new Probe(slot(1, 1));
  local.sent(0);
  local.answerWith(answer({ address: null, annotation: "!F-1400", final: true }));
  assertEquals(local.answered, true);
});
