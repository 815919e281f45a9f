import { assertEquals } from "../../tests/assert.ts";
import type { ProbeResult, TraceEvent } from "../core/model.ts";
import { ClassicFormatter } from "./classic.ts";
import { probeResult, traceStart } from "../../tests/fixtures.ts";

const start: TraceEvent = { type: "start", ...traceStart() };

function probe(ttl: number, index: number, over: Partial<ProbeResult> = {}): TraceEvent {
  return { type: "probe", probe: probeResult(ttl, index, over) };
}

function render(events: TraceEvent[], numeric = true): string {
  const f = new ClassicFormatter({ numeric });
  return events.map((e) => f.format(e)).join("");
}

const A = { address: "198.18.2.1", rtt: 1.5 };
const B = { address: "198.18.4.1", rtt: 0.0004 };

Deno.test("the header has no newline; each hop line begins with one; one ends the run", () => {
  assertEquals(
    render([start, probe(1, 0, A), {
      type: "end",
      reason: "reached",
      endedAt: "",
      statistics: { sent: 1, received: 1, matched: 1, socketErrors: 0, ignored: {} },
    }]),
    "traceroute to dst.lab (198.18.9.9), 30 hops max, 60 byte packets\n 1  198.18.2.1  1.500 ms\n",
  );
});

Deno.test("hop numbers: %2u then a space", () => {
  assertEquals(render([probe(9, 0, A)]), "\n 9  198.18.2.1  1.500 ms");
  assertEquals(render([probe(10, 0, A)]), "\n10  198.18.2.1  1.500 ms");
  assertEquals(render([probe(255, 0, A)]), "\n255  198.18.2.1  1.500 ms");
});

Deno.test("the address prints when it differs from the last one printed in the hop", () => {
  assertEquals(
    render([probe(2, 0, A), probe(2, 1, A), probe(2, 2, B)]),
    "\n 2  198.18.2.1  1.500 ms  1.500 ms 198.18.4.1  0.000 ms",
  );
  assertEquals(
    render([probe(2, 0), probe(2, 1, A), probe(2, 2, A)]),
    "\n 2  * 198.18.2.1  1.500 ms  1.500 ms",
  );
  assertEquals(
    render([probe(2, 0, A), probe(2, 1), probe(2, 2, A)]),
    "\n 2  198.18.2.1  1.500 ms *  1.500 ms",
  );
  assertEquals(
    render([probe(2, 0, A), probe(2, 1), probe(2, 2, B)]),
    "\n 2  198.18.2.1  1.500 ms * 198.18.4.1  0.000 ms",
  );
  assertEquals(render([probe(2, 0), probe(2, 1), probe(2, 2)]), "\n 2  * * *");
  // A new hop starts afresh.
  assertEquals(
    render([probe(2, 0, A), probe(3, 0, A)]),
    "\n 2  198.18.2.1  1.500 ms\n 3  198.18.2.1  1.500 ms",
  );
});

Deno.test("names: name (address), address (address) without one", () => {
  assertEquals(
    render([probe(1, 0, { ...A, name: "r2.lab" }), probe(1, 1, { ...B, name: null })], false),
    "\n 1  r2.lab (198.18.2.1)  1.500 ms 198.18.4.1 (198.18.4.1)  0.000 ms",
  );
  // -n wins even when names are known.
  assertEquals(render([probe(1, 0, { ...A, name: "r2.lab" })], true), "\n 1  198.18.2.1  1.500 ms");
});

Deno.test("annotations follow the RTT; a reply without an address still shows its RTT", () => {
  assertEquals(
    render([probe(3, 0, { ...A, annotation: "!H" }), probe(3, 1, { ...A, annotation: "!H" })]),
    "\n 3  198.18.2.1  1.500 ms !H  1.500 ms !H",
  );
  // Linux's local EMSGSIZE: no address, an RTT and !F-<mtu>.
  assertEquals(
    render([probe(1, 0, { rtt: 0.012, annotation: "!F-1500" })]),
    "\n 1  *  0.012 ms !F-1500",
  );
});

Deno.test("-O info: TCP flags in angle brackets, and a change of flags re-prints the address", () => {
  const f = new ClassicFormatter({ numeric: true, tcpFlags: true });
  const syn = { ...A, tcpFlags: ["syn", "ack"] };
  const rst = { ...A, tcpFlags: ["rst", "ack"] };
  assertEquals(
    [probe(3, 0, syn), probe(3, 1, syn), probe(3, 2, rst)].map((e) => f.format(e)).join(""),
    "\n 3  198.18.2.1 <syn,ack>  1.500 ms  1.500 ms 198.18.2.1 <rst,ack>  1.500 ms",
  );
  // Without -O info the flags are not shown and do not re-print the address.
  assertEquals(
    render([probe(3, 0, syn), probe(3, 1, rst)]),
    "\n 3  198.18.2.1  1.500 ms  1.500 ms",
  );
});

Deno.test("RTTs print with three decimals and a decimal point", () => {
  assertEquals(
    render([probe(1, 0, { address: "198.18.1.1", rtt: 12.3456 })]),
    "\n 1  198.18.1.1  12.346 ms",
  );
  assertEquals(
    render([probe(1, 0, { address: "198.18.1.1", rtt: 3048.2521 })]),
    "\n 1  198.18.1.1  3048.252 ms",
  );
});

Deno.test("the place, when known, follows the address and its AS in braces", () => {
  const place = { country: "DE", city: "Frankfurt am Main" };
  assertEquals(
    render([probe(3, 0, { ...A, asPath: "AS64502", identity: { asn: 64502, ...place } })]),
    "\n 3  198.18.2.1 [AS64502] {DE, Frankfurt am Main}  1.500 ms",
  );
  assertEquals(
    render([probe(3, 0, { ...A, name: "r3.lab", identity: { country: "DE" } })], false),
    "\n 3  r3.lab (198.18.2.1) {DE}  1.500 ms",
  );
  // An identity without a place (AS only) adds nothing: -A's form stays Linux's.
  assertEquals(
    render([probe(3, 0, { ...A, asPath: "AS64502", identity: { asn: 64502 } })]),
    "\n 3  198.18.2.1 [AS64502]  1.500 ms",
  );
});
