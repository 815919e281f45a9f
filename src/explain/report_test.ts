import { assertEquals, assertOk, assertStringIncludes } from "../../tests/assert.ts";
import { explainReport, formatReportFindings, type ReportFinding } from "./report.ts";
import {
  addr,
  type HopPlan,
  losing,
  silent,
  snapshotOf,
  spread,
  steady,
} from "../../tests/helpers/snapshot_fixture.ts";

/** The findings of `kind`. */
const of = (findings: ReportFinding[], kind: ReportFinding["kind"]) =>
  findings.filter((f) => f.kind === kind);

/** `n` hops from TTL 1, each answering from `addr(ttl)` after `ttl` ms. */
function clean(n: number): HopPlan[] {
  return Array.from({ length: n }, (_, i) => steady(addr(i + 1), i + 1));
}

/** Explains `hops` run for `cycles` cycles, the last hop being the destination. */
function explain(hops: HopPlan[], cycles = 100, destination: number | null = hops.length) {
  return explainReport(snapshotOf({ cycles, hops }, { destination }));
}

Deno.test("a clean path makes no finding", () => {
  assertEquals(explain(clean(6)), []);
  // Not reached, and with small jitter: still nothing.
  const jittery = clean(6).map((_, i) => steady(addr(i + 1), (c) => i + 1 + (c % 3) * 0.1));
  assertEquals(explain(jittery, 100, null), []);
});

Deno.test("a router answering 10% while later hops answer all: one rate-limited, no loss", () => {
  const hops = clean(6);
  hops[1] = losing(hops[1]!, spread(90, 100)); // hop 2 answers 10 of 100
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["rate-limited"]);
  const [f] = findings;
  assertEquals(f!.hops, [2]);
  assertEquals(f!.addresses, [addr(2)]);
  assertStringIncludes(f!.text, `hop 2 (${addr(2)}) leaves 90% of 100 probes unanswered`);
  assertStringIncludes(f!.text, "not losing packets");
});

Deno.test("loss from hop 4 carried to the destination: loss on 4..end, no rate-limited", () => {
  const hops = clean(7);
  for (let ttl = 4; ttl <= 7; ttl++) {
    // ~30% at each hop from 4 (28 to 32 of 100), at different cycles.
    hops[ttl - 1] = losing(hops[ttl - 1]!, spread(26 + ttl, 100, ttl * 7));
  }
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["loss"]);
  assertEquals(findings[0]!.hops, [4, 5, 6, 7]);
  assertEquals(findings[0]!.addresses, [addr(4)]);
  assertStringIncludes(findings[0]!.text, `loss begins at hop 4 (${addr(4)})`);
  assertStringIncludes(findings[0]!.text, "at the end (of 100 probes)");
  assertEquals(of(findings, "rate-limited"), []);
});

Deno.test("a rate-limited hop 2 and real loss from hop 5, told apart", () => {
  const hops = clean(8);
  hops[1] = losing(hops[1]!, spread(90, 100));
  for (let ttl = 5; ttl <= 8; ttl++) {
    hops[ttl - 1] = losing(hops[ttl - 1]!, spread(30, 100, ttl * 3));
  }
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind).sort(), ["loss", "rate-limited"]);
  assertEquals(of(findings, "rate-limited")[0]!.hops, [2]);
  assertEquals(of(findings, "loss")[0]!.hops, [5, 6, 7, 8]);
});

Deno.test("a rate-limited hop inside a lossy stretch is still told from the carried loss", () => {
  const hops = clean(7);
  for (let ttl = 4; ttl <= 7; ttl++) {
    hops[ttl - 1] = losing(hops[ttl - 1]!, spread(ttl === 5 ? 90 : 30, 100, ttl));
  }
  const findings = explain(hops);
  assertEquals(of(findings, "rate-limited").map((f) => f.hops), [[5]]);
  assertEquals(of(findings, "loss").map((f) => f.hops), [[4, 5, 6, 7]]);
});

Deno.test("loss at the destination only: destination-loss", () => {
  const hops = clean(5);
  hops[4] = losing(hops[4]!, spread(30, 100));
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["destination-loss"]);
  assertEquals(findings[0]!.hops, [5]);
  assertStringIncludes(findings[0]!.text, `only the destination, hop 5 (${addr(5)})`);
  assertStringIncludes(findings[0]!.text, "30% of 100");
});

Deno.test("noise makes no finding: 2 of 100 at one hop, 1 of 5, small samples", () => {
  const two = clean(6);
  two[2] = losing(two[2]!, spread(2, 100));
  assertEquals(explain(two), [], "2 lost of 100 at hop 3");
  const twoEnd = clean(6);
  twoEnd[5] = losing(twoEnd[5]!, spread(2, 100));
  assertEquals(explain(twoEnd), [], "2 lost of 100 at the destination");
  const oneOfFive = clean(6);
  oneOfFive[2] = losing(oneOfFive[2]!, (c) => c === 3);
  assertEquals(explain(oneOfFive, 5), [], "1 lost of 5 at hop 3");
  const oneOfFiveEnd = clean(6);
  oneOfFiveEnd[5] = losing(oneOfFiveEnd[5]!, (c) => c === 1);
  assertEquals(explain(oneOfFiveEnd, 5), [], "1 lost of 5 at the destination");
  const small = clean(6);
  small[1] = losing(small[1]!, (c) => c !== 0); // answers 1 of 4
  small[2] = steady(addr(3), (c) => (c === 0 ? 80 : 3)); // 2 answers, one slow
  small[2] = losing(small[2]!, (c) => c > 1);
  assertEquals(explain(small, 4), [], "4 cycles");
  const two3 = clean(4);
  two3[3] = losing(two3[3]!, (c) => c > 0); // 2 lost of 3 at the destination
  assertEquals(explain(two3, 3), [], "3 cycles");
});

Deno.test({
  name: "one slow answer of 4 makes no slow-responder (a few probes never make a finding)",
  fn() {
    const hops = clean(6);
    hops[2] = steady(addr(3), (c) => (c === 0 ? 80 : 3)); // 80 3 3 3: mean 22.25, StDev 38.5
    assertEquals(explain(hops, 4), []);
  },
});

Deno.test("a hop that never answers before answering hops: rate-limited, never answered", () => {
  const hops = clean(6);
  hops[2] = silent;
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["rate-limited"]);
  assertEquals(findings[0]!.hops, [3]);
  assertEquals(findings[0]!.addresses, []);
  assertStringIncludes(findings[0]!.text, "hop 3 never answered, but later hops did");
  // Two silent hops are named together.
  hops[3] = silent;
  assertStringIncludes(explain(hops)[0]!.text, "hops 3-4 never answered");
});

Deno.test("silent hops past the last that answered (destination not reached): no finding", () => {
  const hops = [...clean(3), silent, silent, silent];
  assertEquals(explain(hops, 100, null), []);
});

Deno.test("a 30 ms rise at hop 4 that stays: latency-jump", () => {
  const rtts = [1, 2, 3, 33, 34, 35];
  const hops = rtts.map((r, i) => steady(addr(i + 1), (c) => r + (c % 5) * 0.1));
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["latency-jump"]);
  assertEquals(findings[0]!.hops, [4, 5, 6]);
  assertStringIncludes(findings[0]!.text, `rises by 30.0 ms at hop 4 (${addr(4)})`);
  assertStringIncludes(findings[0]!.text, "(3.2 ms to 33.2 ms)");
});

Deno.test("a hop 20 ms slower than the hops after it: slow-responder, no latency-jump", () => {
  const rtts = [1, 2, 24, 4, 5];
  const hops = rtts.map((r, i) => steady(addr(i + 1), (c) => r + (c % 3) * 0.1));
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["slow-responder"]);
  assertEquals(findings[0]!.hops, [3]);
  assertStringIncludes(findings[0]!.text, `hop 3 (${addr(3)}) answers in 24.1 ms on average`);
  assertStringIncludes(findings[0]!.text, `20.0 ms slower than hop 4 (${addr(4)})`);
});

Deno.test({
  name: "a first hop 20 ms slower than the hops after it: slow-responder",
  fn() {
    const rtts = [25, 2, 3, 4, 5];
    const hops = rtts.map((r, i) => steady(addr(i + 1), (c) => r + (c % 3) * 0.1));
    const findings = explain(hops);
    assertEquals(findings.map((f) => f.kind), ["slow-responder"]);
    assertEquals(findings[0]!.hops, [1]);
  },
});

Deno.test("jitter within the spread makes no latency finding", () => {
  // Every hop's round trips wander over 0-20 ms around a base rising 1 ms a hop.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const table = Array.from(
    { length: 6 },
    (_, i) => Array.from({ length: 100 }, () => i + 1 + 20 * random()),
  );
  const hops = table.map((rtts, i) => steady(addr(i + 1), (c) => rtts[c]!));
  assertEquals(explain(hops), []);
});

Deno.test("hop 3 answers from A, then from B for good: path-change from cycle 50", () => {
  const a = addr(3, 1);
  const b = addr(3, 2);
  const hops = clean(5);
  hops[2] = (c) => ({ address: c < 50 ? a : b, rtt: 3 });
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["path-change"]);
  assertEquals(findings[0]!.hops, [3]);
  assertEquals(findings[0]!.addresses, [a, b]);
  assertStringIncludes(findings[0]!.text, `changed from ${a} (cycles 0-49) to ${b}`);
  assertStringIncludes(findings[0]!.text, "(from cycle 50)");
});

Deno.test("hop 3 answers from A and B in turn all through: ecmp with both shares", () => {
  const a = addr(3, 1);
  const b = addr(3, 2);
  const hops = clean(5);
  hops[2] = (c) => ({ address: c % 3 === 0 ? b : a, rtt: 3 }); // b: 34 of 100
  const findings = explain(hops);
  assertEquals(findings.map((f) => f.kind), ["ecmp"]);
  assertEquals(findings[0]!.hops, [3]);
  assertEquals([...findings[0]!.addresses].sort(), [a, b]);
  assertStringIncludes(findings[0]!.text, `${a} 66%`);
  assertStringIncludes(findings[0]!.text, `${b} 34%`);
  assertStringIncludes(findings[0]!.text, "load balancing (ECMP)");
  assertStringIncludes(findings[0]!.text, "--paris or --flows N");
});

Deno.test("ecmp with flows names the flows of each address and drops the --flows hint", () => {
  const a = addr(3, 1);
  const b = addr(3, 2);
  const hops = clean(5);
  hops[2] = (_c, flow) => ({ address: flow === 0 ? a : b, rtt: 3 });
  const findings = explainReport(snapshotOf({ cycles: 20, hops, flows: 2 }, { destination: 5 }));
  assertEquals(findings.map((f) => f.kind), ["ecmp"]);
  assertStringIncludes(findings[0]!.text, `${a} 50% [flow 0], ${b} 50% [flow 1]`);
  assertOk(!findings[0]!.text.includes("--flows N"), findings[0]!.text);
});

Deno.test("a stray address with a few replies makes no path-change or ecmp", () => {
  const hops = clean(5);
  hops[2] = (c) => ({ address: c === 40 || c === 41 ? addr(3, 9) : addr(3), rtt: 3 });
  assertEquals(explain(hops), []);
});

Deno.test("faults in the snapshot: one fault finding each", () => {
  const snapshot = snapshotOf({ cycles: 20, hops: clean(4) }, {
    destination: 4,
    faults: [{ ttl: 2, reason: "send: Network is unreachable", cycle: 7, count: 3 }],
  });
  const findings = explainReport(snapshot);
  assertEquals(findings.map((f) => f.kind), ["fault"]);
  assertEquals(findings[0]!.hops, [2]);
  assertStringIncludes(findings[0]!.text, '3 probe(s) lost unsent ("send: Network is unreachable"');
  assertStringIncludes(findings[0]!.text, "last in cycle 7");
});

Deno.test("a run where no probe could be sent: the faults only", () => {
  const hops = [silent, silent, silent];
  const faults = [1, 2, 3].map((ttl) => ({
    ttl,
    reason: "send: Network is down",
    cycle: 9,
    count: 10,
  }));
  const findings = explainReport(snapshotOf({ cycles: 10, hops }, { faults }));
  assertEquals(findings.map((f) => [f.kind, f.hops]), [["fault", [1]], ["fault", [2]], ["fault", [
    3,
  ]]]);
});

Deno.test("hops before firstHop and past the destination are not judged", () => {
  const hops = clean(7);
  hops[0] = silent; // before firstHop 2
  hops[6] = silent; // past the destination, 6
  hops[5] = steady(addr(6), 6);
  const findings = explainReport(snapshotOf({ cycles: 50, hops }, { destination: 6 }), 2);
  assertEquals(findings, []);
});

Deno.test("formatReportFindings: one `kind: text` line each", () => {
  const hops = clean(6);
  hops[1] = losing(hops[1]!, spread(90, 100));
  hops[5] = losing(hops[5]!, spread(30, 100));
  const findings = explain(hops);
  const text = formatReportFindings(findings);
  const lines = text.split("\n");
  assertEquals(lines.pop(), "");
  assertEquals(lines.length, findings.length);
  lines.forEach((line, i) => assertEquals(line, `${findings[i]!.kind}: ${findings[i]!.text}`));
  assertEquals(formatReportFindings([]), "");
});

Deno.test("the findings name the network and place of a hop where they are known", () => {
  const hops = clean(7);
  for (let ttl = 5; ttl <= 7; ttl++) hops[ttl - 1] = losing(hops[ttl - 1]!, spread(30, 100, ttl));
  const identities = {
    [addr(5)]: { asn: 64502, asName: "Example-Transit", country: "DE", prefix: "198.18.0.0/15" },
    [addr(7)]: { country: "NL", city: "Amsterdam" },
  };
  const findings = explainReport(
    snapshotOf({ cycles: 100, hops }, { destination: 7, identities }),
  );
  const loss = of(findings, "loss")[0]!;
  assertStringIncludes(
    loss.text,
    `loss begins at hop 5 (${addr(5)}, AS64502 Example-Transit, DE) and is carried to hop 7 (${
      addr(7)
    }, NL, Amsterdam)`,
  );
});

Deno.test("a path change names each address's network and place where known", () => {
  const a = addr(3, 1);
  const b = addr(3, 2);
  const hops = clean(5);
  hops[2] = (c) => ({ address: c < 50 ? a : b, rtt: 3 });
  const identities = { [b]: { asn: 64503, asName: "Example-Backup", country: "NL" } };
  const [change] = explainReport(snapshotOf({ cycles: 100, hops }, { destination: 5, identities }));
  assertStringIncludes(
    change!.text,
    `changed from ${a} (cycles 0-49) to ${b} (AS64503 Example-Backup, NL; from cycle 50): `,
  );
});
