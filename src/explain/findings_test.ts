/**
 * Unit tests of `explain()` on traces built here. No packet is sent, so
 * these may use any address (RFC 1918, CGN, ULA) the lab must not.
 */
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../../tests/assert.ts";
import type { Hop, MethodName, ProbeResult, StopReason, Trace } from "../core/model.ts";
import {
  explain,
  type Finding,
  type FindingKind,
  formatFindings,
  privateSpace,
  returnHops,
} from "./findings.ts";
import { traceSettings } from "../../tests/fixtures.ts";

/** One probe's reply: an address (or null: `*`), and how it answered. */
interface Reply {
  address: string | null;
  replyTtl?: number | null;
  final?: boolean;
  icmp?: { type: number; code: number } | null;
  annotation?: string;
  tcpFlags?: string[] | null;
}

const TIME_EXCEEDED = { 4: { type: 11, code: 0 }, 6: { type: 3, code: 0 } };
const PORT_UNREACHABLE = { 4: { type: 3, code: 3 }, 6: { type: 1, code: 4 } };

/**
 * A trace of `target` whose hop k (from 1) is `hops[k-1]`: a reply given for
 * every probe of the hop (queries = replies per hop, 3 unless given), or a
 * list of replies. Non-final replies default to time-exceeded.
 */
function makeTrace(
  target: string,
  hops: Array<Reply | Reply[]>,
  options: { method?: MethodName; reason?: StopReason; port?: number; host?: string } = {},
): Trace {
  const family = target.includes(":") ? 6 : 4;
  const built: Hop[] = hops.map((h, i) => {
    const replies = Array.isArray(h) ? h : [h, h, h];
    return {
      ttl: i + 1,
      probes: replies.map((r, index): ProbeResult => ({
        ttl: i + 1,
        index,
        address: r.address,
        rtt: r.address === null ? null : 1,
        annotation: r.annotation ?? "",
        final: r.final ?? false,
        icmp: r.icmp !== undefined
          ? r.icmp
          : r.address === null || r.final
          ? null
          : TIME_EXCEEDED[family],
        replyTtl: r.address === null ? null : r.replyTtl ?? null,
        moved: false,
        reprobed: false,
        tcpFlags: r.tcpFlags ?? null,
        extensions: null,
      })),
    };
  });
  const last = built.at(-1)?.probes.find((p) => p.final);
  const reason = options.reason ??
    (last ? (last.annotation === "" ? "reached" : "unreachable") : "max-hops");
  return {
    target: { host: options.host ?? target, address: target, family },
    method: options.method ?? "default",
    firstHop: 1,
    maxHops: 30,
    queries: 3,
    packetSize: 60,
    startedAt: "2025-01-01T00:00:00.000Z",
    settings: traceSettings({
      timing: "adaptive",
      wait: { max: 5000, here: 3, near: 2, min: 0 },
      port: options.port ?? 0,
    }),
    hops: built,
    reason,
    endedAt: "2025-01-01T00:00:01.000Z",
    statistics: {} as Trace["statistics"],
  };
}

/** A router at hop `hop` of a symmetric path (initial TTL 64). */
function router(address: string, hop: number): Reply {
  return { address, replyTtl: 65 - hop };
}

/** The destination answering at `hop` with ICMP port unreachable. */
function portUnreachable(address: string, hop: number): Reply {
  const family = address.includes(":") ? 6 : 4;
  return { address, replyTtl: 65 - hop, final: true, icmp: PORT_UNREACHABLE[family] };
}

const SILENT: Reply = { address: null };

function kinds(findings: Finding[]): FindingKind[] {
  return findings.map((f) => f.kind);
}

function only(findings: Finding[], kind: FindingKind): Finding {
  const matching = findings.filter((f) => f.kind === kind);
  assertEquals(matching.length, 1, `one ${kind} in ${JSON.stringify(kinds(findings))}`);
  return matching[0]!;
}

/** A clean 4-hop chain in the given family, traced with UDP. */
function cleanUdp(v6 = false): Trace {
  const a = v6
    ? ["2001:db8:0:1::2", "2001:db8:0:2::2", "2001:db8:0:3::2", "2001:db8:0:4::2"]
    : ["203.0.113.1", "198.51.100.7", "192.0.2.9", "198.18.4.2"];
  return makeTrace(a[3]!, [
    router(a[0]!, 1),
    router(a[1]!, 2),
    router(a[2]!, 3),
    portUnreachable(a[3]!, 4),
  ]);
}

Deno.test("a clean trace gives only the final proof", () => {
  for (const v6 of [false, true]) {
    const findings = explain(cleanUdp(v6));
    assertEquals(kinds(findings), ["final-proof"]);
    const proof = findings[0]!;
    assertEquals(proof.hops, [4]);
    assertStringIncludes(proof.text, "UDP port closed (ICMP port unreachable)");
    assertStringIncludes(proof.text, "reply TTL 61");
  }
});

Deno.test("a trace without hops gives no finding", () => {
  assertEquals(explain(makeTrace("198.18.1.2", [])), []);
});

Deno.test("final proof: what each method proves at the last hop", () => {
  const t = "198.18.3.2";
  const r1 = router("198.18.1.2", 1);
  const tcp = (flags: string[]) =>
    makeTrace(t, [r1, { address: t, replyTtl: 63, final: true, icmp: null, tcpFlags: flags }], {
      method: "tcp",
    });
  assertStringIncludes(
    only(explain(tcp(["syn", "ack"])), "final-proof").text,
    "port 80 open (SYN-ACK)",
  );
  assertStringIncludes(
    only(explain(tcp(["rst", "ack"])), "final-proof").text,
    "port 80 closed (RST)",
  );
  const conn = makeTrace(t, [r1, { address: t, final: true, icmp: null }], {
    method: "tcpconn",
    port: 443,
  });
  const connText = only(explain(conn), "final-proof").text;
  assertStringIncludes(connText, "TCP port 443 answered");
  assertOk(!/port 443 open/.test(connText), connText);
  const ping = makeTrace(t, [r1, { address: t, replyTtl: 63, final: true, icmp: null }], {
    method: "icmp",
  });
  assertStringIncludes(
    only(explain(ping), "final-proof").text,
    "reached 198.18.3.2 at hop 2; answers ping",
  );
  const udp = makeTrace(t, [r1, portUnreachable(t, 2)], { method: "udp" });
  assertStringIncludes(
    only(explain(udp), "final-proof").text,
    "UDP port 53 closed (ICMP port unreachable)",
  );
});

Deno.test("final proof: UDP never claims an open port", () => {
  const t = "198.18.3.2";
  const silentEnd = makeTrace(t, [router("198.18.1.2", 1), SILENT, SILENT], { method: "udp" });
  const text = only(explain(silentEnd), "final-proof").text;
  assertStringIncludes(
    text,
    "UDP port 53 answered nothing (open, filtered, or dropped: a traceroute cannot tell)",
  );
  // A UDP answer (no ICMP): a service replied; still not worded as "open".
  const data = makeTrace(t, [router("198.18.1.2", 1), { address: t, final: true, icmp: null }], {
    method: "udp",
  });
  const dataText = only(explain(data), "final-proof").text;
  assertStringIncludes(dataText, "a service answered");
  for (const s of [text, dataText]) assertOk(!/port \d+ open/.test(s), s);
});

Deno.test("final proof: unreachables from a router and from the destination", () => {
  const t = "198.18.3.2";
  const router2 = makeTrace(t, [router("198.18.1.2", 1), {
    address: "198.18.2.2",
    replyTtl: 63,
    final: true,
    icmp: { type: 3, code: 13 },
    annotation: "!X",
  }]);
  const text = only(explain(router2), "final-proof").text;
  assertMatch(
    text,
    /^not reached: 198\.18\.2\.2 at hop 2 answered communication administratively prohibited/,
  );
  const self = makeTrace(t, [router("198.18.1.2", 1), router("198.18.2.2", 2), {
    address: t,
    replyTtl: 62,
    final: true,
    icmp: { type: 3, code: 2 },
    annotation: "!P",
  }], { method: "raw" });
  assertStringIncludes(
    only(explain(self), "final-proof").text,
    "reached 198.18.3.2 at hop 3, which refused",
  );
});

Deno.test("repeated-address: one device answering twice (same reply TTLs) vs NAT (different)", () => {
  const t = "198.18.5.2";
  const zeroTtl = makeTrace(t, [
    router("198.18.1.2", 1),
    router("198.18.3.2", 3), // r2 forwards instead of answering: r3 answers hop 2
    router("198.18.3.2", 3),
    router("198.18.4.2", 4),
    portUnreachable(t, 5),
  ]);
  const f = only(explain(zeroTtl), "repeated-address");
  assertEquals(f.hops, [2, 3]);
  assertEquals(f.addresses, ["198.18.3.2"]);
  assertStringIncludes(f.text, "reply TTLs 62, 62");
  assertMatch(f.causes[0]!, /zero-TTL forwarding/);
  assertEquals(kinds(explain(zeroTtl)), ["repeated-address", "final-proof"]);

  const nat = makeTrace(t, [
    router("198.18.1.2", 1),
    router("198.18.2.2", 2),
    router("198.18.2.2", 3),
    router("198.18.2.2", 4),
    portUnreachable(t, 5),
  ]);
  const g = only(explain(nat), "repeated-address");
  assertEquals(g.hops, [2, 3, 4]);
  assertMatch(g.causes[0]!, /NAT/);
});

Deno.test("loop: A-B-A-B to the end, without return-path or repeated-address noise", () => {
  const t = "198.18.5.2";
  const hops: Reply[] = [router("198.18.1.2", 1)];
  for (let h = 2; h <= 8; h++) {
    hops.push(
      h % 2 === 0 ? { address: "198.18.2.2", replyTtl: 63 } : {
        address: "198.18.3.2",
        replyTtl: 62,
      },
    );
  }
  const findings = explain(makeTrace(t, hops));
  assertEquals(kinds(findings), ["loop", "final-proof"]);
  const f = findings[0]!;
  assertEquals(f.hops, [2, 3, 4, 5, 6, 7, 8]);
  assertEquals(f.addresses, ["198.18.2.2", "198.18.3.2"]);
  assertStringIncludes(f.text, "never reach the destination");
  assertStringIncludes(f.text, "reply TTL 63");
  // Two alternating addresses only once (A-B-A) are no loop.
  const short = makeTrace(t, [
    router("198.18.1.2", 1),
    router("198.18.2.2", 2),
    router("198.18.3.2", 3),
    router("198.18.2.2", 2),
    portUnreachable(t, 5),
  ]);
  assertOk(!kinds(explain(short)).includes("loop"));
});

Deno.test("early-destination: a VIP answering time-exceeded before the real host", () => {
  const vip = "198.18.200.1";
  const trace = makeTrace(vip, [
    router("198.18.1.2", 1),
    { address: vip, replyTtl: 63 },
    { address: vip, replyTtl: 62 },
    portUnreachable(vip, 4),
  ]);
  const findings = explain(trace);
  assertEquals(kinds(findings), ["early-destination", "final-proof"]);
  const f = findings[0]!;
  assertEquals(f.hops, [2, 3, 4]);
  assertStringIncludes(f.text, "answered at hops 2-3 with time-exceeded");
  assertStringIncludes(f.text, "reply TTLs 63, 62, 61");
  assertMatch(f.causes[0]!, /load balancer or NAT at hop 2/);
});

Deno.test("early-destination: a final reply from much nearer than its hop", () => {
  const t = "198.18.9.2";
  const hops: Reply[] = [];
  for (let h = 1; h < 8; h++) hops.push(router(`198.18.${h}.2`, h));
  hops.push({ ...portUnreachable(t, 8), replyTtl: 63 });
  const f = only(explain(makeTrace(t, hops)), "early-destination");
  assertEquals(f.hops, [8]);
  assertStringIncludes(f.text, "reply TTL 63 says it came back over about 2 hops");
  assertOk(!kinds(explain(makeTrace(t, hops))).includes("return-path"));
});

Deno.test("past-destination: the target's address, then other hops", () => {
  const t = "198.18.4.2";
  const trace = makeTrace(t, [
    router("198.18.1.2", 1),
    { address: t, replyTtl: 63 },
    router("198.18.3.2", 3),
    portUnreachable(t, 4),
  ]);
  const findings = explain(trace);
  assertEquals(kinds(findings), ["past-destination", "final-proof"]);
  assertEquals(findings[0]!.hops, [2, 3, 4]);
  assertEquals(findings[0]!.addresses, [t, "198.18.3.2"]);
  assertStringIncludes(findings[0]!.text, "hop 3 answered from 198.18.3.2");
});

Deno.test("transparent-proxy: TCP reaching sooner than the ICMP companion", () => {
  const t = "198.18.4.2";
  const synAck: Reply = {
    address: t,
    replyTtl: 63,
    final: true,
    icmp: null,
    tcpFlags: ["syn", "ack"],
  };
  const tcp = makeTrace(t, [router("198.18.1.2", 1), synAck], { method: "tcp" });
  const icmp = makeTrace(t, [
    router("198.18.1.2", 1),
    router("198.18.2.2", 2),
    router("198.18.3.2", 3),
    { address: t, replyTtl: 61, final: true, icmp: null },
  ], { method: "icmp" });
  const findings = explain(tcp, { companions: [icmp] });
  assertEquals(kinds(findings), ["transparent-proxy", "final-proof"]);
  const f = findings[0]!;
  assertEquals(f.hops, [2, 4]);
  assertEquals(f.evidence.map((e) => e.method), ["tcp", "icmp"]);
  assertStringIncludes(f.text, "TCP port 80 answered (SYN-ACK, reply TTL 63) at hop 2");
  assertStringIncludes(f.text, "ICMP trace run alongside reached 198.18.4.2 only at hop 4");
  assertStringIncludes(findings[1]!.text, "see transparent-proxy");
  // Without companions, or with one reaching at the same hop: nothing.
  assertEquals(kinds(explain(tcp)), ["final-proof"]);
  const same = makeTrace(t, [router("198.18.1.2", 1), { ...synAck, icmp: null, tcpFlags: null }], {
    method: "icmp",
  });
  assertEquals(kinds(explain(tcp, { companions: [same] })), ["final-proof"]);
  // A UDP trace is never compared.
  assertEquals(kinds(explain(icmp, { companions: [tcp] })), ["final-proof"]);
});

Deno.test("silent-hops: silence followed by answers is not loss", () => {
  const t = "198.18.5.2";
  const trace = makeTrace(t, [
    router("198.18.1.2", 1),
    SILENT,
    SILENT,
    router("198.18.4.2", 4),
    portUnreachable(t, 5),
  ]);
  const findings = explain(trace);
  assertEquals(kinds(findings), ["silent-hops", "final-proof"]);
  assertEquals(findings[0]!.hops, [2, 3, 4]);
  assertStringIncludes(findings[0]!.text, "hops 2-3 gave no answer (6 probes)");
  assertStringIncludes(findings[0]!.text, "not packet loss");
  // A hop with one answer of three is not silent.
  const partial = makeTrace(t, [
    router("198.18.1.2", 1),
    [SILENT, router("198.18.2.2", 2), SILENT],
    portUnreachable(t, 3),
  ]);
  assertEquals(kinds(explain(partial)), ["final-proof"]);
});

Deno.test("silent-to-end: silence to the last hop, with methods to try", () => {
  const t = "198.18.3.2";
  const hops = [router("198.18.1.2", 1), router("198.18.2.2", 2), SILENT, SILENT, SILENT];
  const findings = explain(makeTrace(t, hops, { host: "dst.lab" }));
  assertEquals(kinds(findings), ["silent-to-end", "final-proof"]);
  const f = findings[0]!;
  assertEquals(f.hops, [2, 3, 4, 5]);
  assertStringIncludes(f.text, "no answer from hop 3 to hop 5");
  assertStringIncludes(f.text, "198.18.2.2 at hop 2");
  assertOk(f.suggestions.some((s) => s.startsWith("-I dst.lab")), f.suggestions.join());
  assertOk(f.causes.some((c) => c.includes("UDP port is open")));
  const tcp = explain(makeTrace(t, hops, { method: "tcp" }))[0]!;
  assertOk(tcp.suggestions.some((s) => s.startsWith("-T -p 443")));
  assertOk(!tcp.causes.some((c) => c.includes("UDP")));
  // An interrupted trace is not "silent to the end".
  assertEquals(kinds(explain(makeTrace(t, hops, { reason: "aborted" }))), ["final-proof"]);
});

Deno.test("private-address: RFC 1918, shared and ULA space, never 198.18.0.0/15", () => {
  const t = "203.0.113.9";
  const trace = makeTrace(t, [
    router("192.168.1.1", 1),
    router("100.64.0.1", 2),
    router("10.1.2.3", 3),
    router("172.16.0.1", 4),
    router("198.18.0.1", 5),
    router("172.32.0.1", 6),
    router("100.128.0.1", 7),
    portUnreachable(t, 8),
  ]);
  const f = only(explain(trace), "private-address");
  assertEquals(f.addresses, ["192.168.1.1", "100.64.0.1", "10.1.2.3", "172.16.0.1"]);
  assertEquals(f.hops, [1, 2, 3, 4]);
  assertOk(f.causes.some((c) => c.includes("carrier-grade NAT")));
  assertEquals(kinds(explain(trace)), ["private-address", "final-proof"]);
  // IPv6: unique local and link-local.
  const t6 = "2001:db8:9::1";
  const six = makeTrace(t6, [router("fd00::1", 1), router("fe80::1", 2), portUnreachable(t6, 3)]);
  assertEquals(only(explain(six), "private-address").addresses, ["fd00::1", "fe80::1"]);
  // Tracing inside private space flags nothing.
  const inside = makeTrace("10.9.9.9", [router("10.0.0.1", 1), portUnreachable("10.9.9.9", 2)]);
  assertEquals(kinds(explain(inside)), ["final-proof"]);
});

Deno.test("privateSpace classifies address space", () => {
  assertEquals(privateSpace("10.0.0.1"), "private (RFC 1918)");
  assertEquals(privateSpace("172.31.255.255"), "private (RFC 1918)");
  assertEquals(privateSpace("100.127.0.1"), "shared (RFC 6598, carrier-grade NAT)");
  assertEquals(privateSpace("169.254.1.1"), "link-local");
  assertEquals(privateSpace("fc12::1"), "unique local (fc00::/7)");
  assertEquals(privateSpace("febf::1"), "link-local");
  for (const a of ["198.18.0.1", "198.19.255.255", "172.15.0.1", "2001:db8::1", "fec0::1"]) {
    assertEquals(privateSpace(a), null, a);
  }
});

Deno.test("return-path: reply TTLs saying replies came back a longer way", () => {
  const t = "198.18.4.2";
  const trace = makeTrace(t, [
    router("198.18.1.2", 1),
    router("198.18.2.2", 2),
    { address: "198.18.101.1", replyTtl: 60 }, // 5 hops back from hop 3
    { ...portUnreachable(t, 4), replyTtl: 59 }, // 6 back from hop 4
  ]);
  const findings = explain(trace);
  assertEquals(kinds(findings), ["return-path", "final-proof"]);
  assertEquals(findings[0]!.hops, [3, 4]);
  assertStringIncludes(findings[0]!.text, "hop 3 198.18.101.1 reply TTL 60: ~5 back");
  assertStringIncludes(findings[0]!.text, "longer");
  // One hop of difference, or routers starting from 255, say nothing.
  const near = makeTrace(t, [
    router("198.18.1.2", 1),
    { address: "198.18.2.2", replyTtl: 254 },
    { address: "198.18.3.2", replyTtl: 61 },
    portUnreachable(t, 4),
  ]);
  assertEquals(kinds(explain(near)), ["final-proof"]);
});

Deno.test("returnHops reckons from 64, 128 or 255", () => {
  assertEquals(returnHops(64), 1);
  assertEquals(returnHops(61), 4);
  assertEquals(returnHops(120), 9);
  assertEquals(returnHops(250), 6);
  assertEquals(returnHops(null), null);
});

Deno.test("formatFindings: one line per finding, with causes and suggestions", () => {
  const t = "198.18.3.2";
  const findings = explain(
    makeTrace(t, [router("198.18.1.2", 1), SILENT, SILENT], { method: "icmp" }),
  );
  const text = formatFindings(findings);
  const lines = text.split("\n");
  assertEquals(lines.length, findings.length + 1);
  assertEquals(lines.at(-1), "");
  assertMatch(
    lines[0]!,
    /^silent-to-end: no answer from hop 2 to hop 3, .* Likely: .*; or .* Try: -T -p 443 /,
  );
  assertMatch(lines[1]!, /^final-proof: not reached within 3 hops: no echo reply/);
  assertEquals(formatFindings([]), "");
});
