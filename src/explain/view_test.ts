import { assertEquals, assertMatch } from "../../tests/assert.ts";
import { probeResult, traceStart } from "../../tests/fixtures.ts";
import type { ProbeResult, Trace } from "../core/model.ts";
import { explain } from "./findings.ts";
import { TraceView } from "./view.ts";

const identity = { asn: 64502, asName: "Example-Transit", country: "DE" };

/** Hop 1 answers from 198.18.1.2; hop 2, 198.18.2.2, refuses with !X (not the target). */
function trace(over: Partial<ProbeResult> = {}): Trace {
  const hop1 = probeResult(1, 0, {
    address: "198.18.1.2",
    rtt: 1,
    icmp: { type: 11, code: 0 },
    replyTtl: 64,
  });
  const hop2 = probeResult(2, 0, {
    address: "198.18.2.2",
    rtt: 2,
    icmp: { type: 3, code: 13 },
    annotation: "!X",
    final: true,
    replyTtl: 63,
    ...over,
  });
  return {
    ...traceStart({ queries: 1 }),
    hops: [{ ttl: 1, probes: [hop1] }, { ttl: 2, probes: [hop2] }],
    reason: "unreachable",
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: { sent: 2, received: 2, matched: 2, socketErrors: 0, ignored: {} },
  };
}

Deno.test("named: an address with its network and place where known, else alone", () => {
  const view = new TraceView(trace({ identity }));
  assertEquals(view.named("198.18.2.2"), "198.18.2.2 (AS64502 Example-Transit, DE)");
  assertEquals(view.named("198.18.1.2"), "198.18.1.2");
  assertEquals(view.named("198.18.7.7"), "198.18.7.7");
});

Deno.test("the findings name an address's network and place; without them the words are as they were", () => {
  const proof = (t: Trace) => explain(t).find((f) => f.kind === "final-proof")!.text;
  assertMatch(
    proof(trace({ identity })),
    /^not reached: 198\.18\.2\.2 \(AS64502 Example-Transit, DE\) at hop 2 answered /,
  );
  assertMatch(proof(trace()), /^not reached: 198\.18\.2\.2 at hop 2 answered /);
});
