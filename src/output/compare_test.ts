import { assertEquals, assertStringIncludes } from "../../tests/assert.ts";
import type { MethodName, ProbeResult, Trace } from "../core/model.ts";
import { COMPARE_SCHEMA, compareToJson, formatCompare } from "./compare.ts";
import { type CompareEntry, type CompareRun, describeReply, summarize } from "./compare_summary.ts";
import { probeResult, traceSettings } from "../../tests/fixtures.ts";

const TARGET = "198.18.4.2";

function probe(
  ttl: number,
  index: number,
  address: string | null,
  over: Partial<ProbeResult> = {},
): ProbeResult {
  return probeResult(ttl, index, {
    address,
    rtt: address === null ? null : 0.05,
    icmp: address === null ? null : { type: 11, code: 0 },
    ...over,
  });
}

/**
 * A trace whose hop `ttl` answers with `answers[ttl - 1]` (null: silent) on
 * every probe; the last hop's probes get `final` when given.
 */
function trace(
  method: MethodName,
  answers: Array<string | null>,
  options: {
    final?: Partial<ProbeResult>;
    reason?: Trace["reason"];
    queries?: number;
    names?: Record<string, string>;
  } = {},
): Trace {
  const queries = options.queries ?? 2;
  const hops = answers.map((address, i) => ({
    ttl: i + 1,
    probes: Array.from({ length: queries }, (_, index) => {
      const last = i === answers.length - 1 && options.final !== undefined;
      const name = address !== null && options.names ? options.names[address] ?? null : undefined;
      return probe(i + 1, index, address, {
        ...(name !== undefined ? { name } : {}),
        ...(last ? { final: true, icmp: null, ...options.final } : {}),
      });
    }),
  }));
  return {
    target: { host: TARGET, address: TARGET, family: 4 },
    method,
    firstHop: 1,
    maxHops: 30,
    queries,
    packetSize: 60,
    startedAt: "2026-11-21T00:00:00.000Z",
    settings: traceSettings({
      timing: "adaptive",
      simultaneous: 96,
      wait: { max: 5000, here: 3, near: 2, min: 20 },
      privileges: "dropped",
    }),
    hops,
    reason: options.reason ?? (options.final ? "reached" : "max-hops"),
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: {
      sent: 0,
      received: 0,
      matched: 0,
      socketErrors: 0,
      ignored: {},
    } as Trace["statistics"],
  };
}

function entry(label: string, method: MethodName, t: Trace | null, error: string | null = null) {
  const port = label.includes(":") ? Number(label.split(":")[1]) : null;
  return { label, method, port, trace: t, error } satisfies CompareEntry;
}

function run(entries: CompareEntry[], aborted = false): CompareRun {
  return {
    host: TARGET,
    target: { host: TARGET, address: TARGET, family: 4 },
    entries,
    privileges: { state: "dropped", uid: 65534 },
    aborted,
  };
}

const R = ["198.18.1.2", "198.18.2.2", "198.18.3.2", TARGET];

/** udp dropped after hop 2; icmp and tcp:443 reach hop 4. */
function firewalled(): CompareRun {
  const silent = Array.from({ length: 28 }, () => null);
  return run([
    entry("udp", "udp", trace("udp", [R[0]!, R[1]!, ...silent])),
    entry("icmp", "icmp", trace("icmp", R, { final: {} })),
    entry(
      "tcp:443",
      "tcp",
      trace("tcp", R, { final: { tcpFlags: ["rst", "ack"] } }),
    ),
  ]);
}

Deno.test("compare table: a column per method, `* <- stops` where udp falls silent", () => {
  const text = formatCompare(firewalled(), { numeric: true });
  assertEquals(
    text,
    [
      "compare udp, icmp, tcp:443 to 198.18.4.2 (198.18.4.2), 30 hops max",
      "hop  udp         icmp                     tcp:443",
      "  1  198.18.1.2  198.18.1.2               198.18.1.2",
      "  2  198.18.2.2  198.18.2.2               198.18.2.2",
      "  3  * <- stops  198.18.3.2               198.18.3.2",
      "  4  *           198.18.4.2 [echo reply]  198.18.4.2 [RST]",
      "hops 5 to 30 not shown: no answer (udp)",
      "",
      "udp: answers to hop 2, silent from hop 3 to 30 (last answer 198.18.2.2) where icmp and " +
      "tcp:443 still answer: something at or after hop 2 (198.18.2.2) drops udp",
      "icmp: reached 198.18.4.2 at hop 4 (echo reply)",
      "tcp:443: reached 198.18.4.2 at hop 4, port closed (RST)",
      "",
    ].join("\n"),
  );
});

Deno.test("compare summary: fields of each method", () => {
  const [udp, icmp, tcp] = summarize(firewalled(), { numeric: true });
  assertEquals(
    [udp?.status, udp?.lastAnswerHop, udp?.lastAnswer, udp?.silentFrom, udp?.stillAnswering],
    ["not-reached", 2, "198.18.2.2", 3, ["icmp", "tcp:443"]],
  );
  assertEquals([icmp?.status, icmp?.hop, icmp?.address, icmp?.reply], [
    "reached",
    4,
    TARGET,
    "echo reply",
  ]);
  assertEquals([tcp?.status, tcp?.reply, tcp?.stillAnswering], ["reached", "RST", []]);
});

Deno.test("compare: every method reaching at the same hop, no marker, no hidden hops", () => {
  const text = formatCompare(
    run([
      entry("udp", "udp", trace("udp", R, { final: { icmp: { type: 3, code: 3 } } })),
      entry("tcp", "tcp", trace("tcp", R, { final: { tcpFlags: ["syn", "ack"] } })),
      entry("tcpconn:22", "tcpconn", trace("tcpconn", R, { final: {} })),
    ]),
    { numeric: true },
  );
  assertStringIncludes(
    text,
    "  4  198.18.4.2 [port unreachable]  198.18.4.2 [SYN-ACK]  198.18.4.2 [reached]\n\n",
  );
  assertStringIncludes(text, "udp: reached 198.18.4.2 at hop 4 (port unreachable)\n");
  assertStringIncludes(text, "tcp: reached 198.18.4.2 at hop 4, port open (SYN-ACK)\n");
  assertStringIncludes(text, "tcpconn:22: reached 198.18.4.2 at hop 4\n");
  assertEquals(text.includes("<- stops"), false);
  assertEquals(text.includes("not shown"), false);
});

Deno.test("compare: an unreachable that stops one method while another goes on", () => {
  const text = formatCompare(
    run([
      entry(
        "udp",
        "udp",
        trace("udp", R.slice(0, 3), {
          final: { annotation: "!X" },
          reason: "unreachable",
        }),
      ),
      entry("icmp", "icmp", trace("icmp", R, { final: {} })),
    ]),
    { numeric: true },
  );
  assertStringIncludes(text, "  3  198.18.3.2 [!X]  198.18.3.2\n");
  assertStringIncludes(text, "  4                   198.18.4.2 [echo reply]\n");
  assertStringIncludes(
    text,
    "udp: stopped at hop 3 by 198.18.3.2 !X (administratively prohibited), where icmp still " +
      "answers beyond hop 3\n",
  );
});

Deno.test("compare: a method not traced shows `-` and says why", () => {
  const text = formatCompare(
    run([
      entry("udp", "udp", trace("udp", R, { final: { icmp: { type: 3, code: 3 } } })),
      entry("tcp", "tcp", null, "needs CAP_NET_RAW"),
    ]),
    { numeric: true },
  );
  assertStringIncludes(text, "  1  198.18.1.2                     -\n");
  assertStringIncludes(text, "tcp: not traced: needs CAP_NET_RAW\n");
});

Deno.test("compare: partial answers, names without -n, a silent hop in the middle", () => {
  const udp = trace("udp", R, {
    final: { icmp: { type: 3, code: 3 } },
    names: { [TARGET]: "dst" },
  });
  udp.hops[1]!.probes[1] = probe(2, 1, null);
  udp.hops[2]!.probes = udp.hops[2]!.probes.map((p) => ({ ...p, address: null, name: null }));
  const text = formatCompare(run([entry("udp", "udp", udp)]), { numeric: false });
  assertStringIncludes(text, "  2  198.18.2.2 *\n");
  assertStringIncludes(text, "  3  *\n");
  assertStringIncludes(text, "  4  dst [port unreachable]\n");
  assertStringIncludes(text, "udp: reached dst (198.18.4.2) at hop 4 (port unreachable)\n");
});

Deno.test("compare: no answer at all", () => {
  const silent = Array.from({ length: 5 }, () => null);
  const text = formatCompare(
    run([entry("udp", "udp", trace("udp", silent)), entry("icmp", "icmp", trace("icmp", silent))]),
    { numeric: true },
  );
  assertStringIncludes(text, "no answer from any method\n");
  assertStringIncludes(text, "udp: no answer at any hop (1 to 5)\n");
});

Deno.test("compare: nothing answers udp at hop 1 while icmp does", () => {
  const [udp] = summarize(
    run([
      entry("udp", "udp", trace("udp", [null, null, null])),
      entry("icmp", "icmp", trace("icmp", R, { final: {} })),
    ]),
    { numeric: true },
  );
  assertEquals(udp?.silentFrom, 1);
  assertStringIncludes(udp?.text ?? "", "something before the first hop drops udp");
});

Deno.test("describeReply: TCP flags, annotations, ICMP types", () => {
  const p = (over: Partial<ProbeResult>) => probe(4, 0, TARGET, { final: true, ...over });
  assertEquals(describeReply(p({ tcpFlags: ["syn", "ack"] }), "tcp"), "SYN-ACK");
  assertEquals(describeReply(p({ tcpFlags: ["rst"] }), "tcp"), "RST");
  assertEquals(describeReply(p({ annotation: "!H", icmp: { type: 3, code: 1 } }), "udp"), "!H");
  assertEquals(describeReply(p({ icmp: { type: 3, code: 3 } }), "udp"), "port unreachable");
  assertEquals(
    describeReply(probe(4, 0, "2001:db8:0:4::2", { icmp: { type: 1, code: 4 } }), "udp"),
    "port unreachable",
  );
  assertEquals(describeReply(p({ icmp: null }), "icmp"), "echo reply");
  assertEquals(describeReply(p({ icmp: null }), "tcpconn"), null);
});

Deno.test("compare JSON: schema, a trace per method with its label, the summary", () => {
  const doc = compareToJson(firewalled(), { numeric: true });
  assertEquals(doc.schema, COMPARE_SCHEMA);
  const traces = doc.traces as Array<Record<string, unknown>>;
  assertEquals(traces.map((t) => [t.label, t.method, t.schema]), [
    ["udp", "udp", "hopwise.trace/1"],
    ["icmp", "icmp", "hopwise.trace/1"],
    ["tcp:443", "tcp", "hopwise.trace/1"],
  ]);
  assertEquals(doc.methods, [
    { label: "udp", method: "udp", port: null, error: null },
    { label: "icmp", method: "icmp", port: null, error: null },
    { label: "tcp:443", method: "tcp", port: 443, error: null },
  ]);
  const summary = doc.summary as Array<Record<string, unknown>>;
  assertEquals(summary.map((s) => s.status), ["not-reached", "reached", "reached"]);
  assertEquals(JSON.parse(JSON.stringify(doc)), doc);
});
