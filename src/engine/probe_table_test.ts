import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { answer } from "../../tests/helpers/probe_answer.ts";
import { ProbeTable } from "./probe_table.ts";

Deno.test("probe table: slots are made on first use, with their TTL, place and flow", () => {
  const table = new ProbeTable(4, 3);
  assertEquals(table.size, 12);
  assertEquals(table.peek(7), undefined);
  const probe = table.at(7);
  assertEquals([probe.ttl, probe.place, probe.slot, probe.flow], [3, 1, 7, 0]);
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
    onAnswer: (p) => heard.push([p.slot, table.largestRtt]),
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
