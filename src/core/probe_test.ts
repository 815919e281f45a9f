import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { Probe, type ProbeAnswer } from "./probe.ts";
import { ProbeTable } from "../engine/probe_table.ts";

function answer(over: Partial<ProbeAnswer> = {}): ProbeAnswer {
  return {
    address: "198.18.1.1",
    receivedAt: 10,
    replyTtl: 63,
    annotation: "",
    final: false,
    icmp: { type: 11, code: 0 },
    tcpFlags: null,
    extensions: null,
    ...over,
  };
}

const slot = (ttl: number, place: number) => ({ index: (ttl - 1) * 3 + place, ttl, place });

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

Deno.test("probe table: slots are made on first use, with their TTL, place and flow", () => {
  const table = new ProbeTable(4, 3);
  assertEquals(table.size, 12);
  assertEquals(table.peek(7), undefined);
  const probe = table.at(7);
  assertEquals([probe.ttl, probe.place, probe.index, probe.flow], [3, 1, 7, 0]);
  assertEquals(table.slot(3, 1), probe);
  assertEquals(table.peek(7), probe);
  assertThrows(() => table.at(12), RangeError, "No probe slot 12");
  assertThrows(() => table.at(-1), RangeError, "No probe slot -1");
  const flows = new ProbeTable(2, 4, { flowPerPlace: true });
  assertEquals([flows.slot(2, 3).flow, flows.slot(1, 0).flow], [3, 0]);
});

Deno.test("probe table: it hears every answer, keeps the longest round trip, then tells its listener", () => {
  const heard: Array<[number, number]> = [];
  const table: ProbeTable = new ProbeTable(3, 2, {
    onAnswer: (p) => heard.push([p.index, table.largestRtt]),
  });
  assertEquals(table.largestRtt, 0);
  for (const [index, sent, received] of [[0, 0, 7], [1, 0, 3], [2, 10, 30]] as const) {
    const p = table.at(index);
    p.sent(sent);
    p.answerWith(answer({ receivedAt: received }));
  }
  assertEquals(heard, [[0, 7], [1, 7], [2, 20]]);
  assertEquals(table.largestRtt, 20);
});

Deno.test("probe table: evidence is the hop's first round trip, else the first later one before an unsent slot", () => {
  const table = new ProbeTable(4, 3);
  const answered = (index: number, rtt: number) => {
    const p = table.at(index);
    p.sent(100);
    p.answerWith(answer({ receivedAt: 100 + rtt }));
  };
  const inFlight = (index: number) => table.at(index).sent(100);
  // Hop 2 (slots 3-5): the probe asking is slot 3.
  inFlight(3);
  inFlight(4);
  inFlight(5);
  assertEquals(table.evidence(table.at(3)), {
    here: null,
    near: null,
    largest: 0,
    reprobed: false,
  });
  answered(6, 9); // hop 3
  answered(7, 2);
  assertEquals(table.evidence(table.at(3)).near, 9, "the first later one, in slot order");
  // A probe of the same hop, wherever it sits in the hop, comes first; in slot order.
  answered(1, 40); // hop 1 is earlier: never evidence for hop 2
  const five = table.at(5);
  five.answerWith(answer({ receivedAt: 105 }));
  // "Later" is every later slot, the hop's own included.
  assertEquals(table.evidence(table.at(3)), { here: 5, near: 5, largest: 40, reprobed: false });
  assertEquals(table.evidence(table.at(4)).here, 5);
  table.at(4).answerWith(answer({ receivedAt: 101 }));
  assertEquals(table.evidence(table.at(3)).here, 1, "slot 4 comes before slot 5");
  // A round trip of 0 is no evidence; the search for a later one stops at an unsent slot.
  const other = new ProbeTable(4, 1);
  other.at(0).sent(0);
  const zero = other.at(1);
  zero.sent(0);
  zero.answerWith(answer({ receivedAt: 0 }));
  other.at(2); // made, still unsent
  const late = other.at(3);
  late.sent(0);
  late.answerWith(answer({ receivedAt: 8 }));
  assertEquals(other.evidence(other.at(0)), {
    here: null,
    near: null,
    largest: 8,
    reprobed: false,
  });
  // A re-probe says so.
  const again = other.at(0);
  again.expire();
  again.reprobe();
  assertEquals(other.evidence(again).reprobed, true);
});
