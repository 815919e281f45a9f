/**
 * `--explain` in the lab: each scene of lab/scenes.ts must give its finding (and
 * the final proof) and nothing else, in IPv4 and IPv6; a clean chain gives
 * the final proof alone, for every method. The expected hops and addresses
 * come from the scenes' addressing plan, not from a run.
 */
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../assert.ts";
import type { Finding, FindingKind } from "../../src/explain/findings.ts";
import { Lab } from "../../lab/lab.ts";
import { labSkipReason, needs, runHopwise } from "../../lab/harness.ts";
import {
  asymmetricReturn,
  cleanScene,
  destinationAcl,
  dnatLoadBalancer,
  errorsFromTarget,
  routingLoop,
  type Scene,
  silentRouter,
  transparentProxy,
  zeroTtlFirewall,
} from "../../lab/scenes.ts";
import { chainAddress4, chainAddress6 } from "../../lab/topologies.ts";

const reason = labSkipReason("explain lab tests", needs("iptables", ["-V"]));

/** Runs `hopwise --json -n --explain args` in the source node; returns the findings. */
async function findingsOf(lab: Lab, args: string[]): Promise<Finding[]> {
  const r = await runHopwise(lab, "src", ["--json", "-n", "--explain", ...args]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr, "");
  const doc = JSON.parse(r.stdout);
  assertEquals(doc.schema, "hopwise.trace/1");
  assertOk(Array.isArray(doc.findings), "a findings array");
  return doc.findings;
}

function kinds(findings: Finding[]): FindingKind[] {
  return findings.map((f) => f.kind);
}

function show(findings: Finding[]): string {
  return findings.map((f) => `${f.kind}: ${f.text}`).join("\n");
}

/** The two families of a scene: [label, target, address of link k's end]. */
function families(
  scene: Scene,
): Array<[string, string, (link: number, side: 1 | 2) => string]> {
  return [["IPv4", scene.target4, chainAddress4], ["IPv6", scene.target6, chainAddress6]];
}

Deno.test({
  name: "explain: a clean chain gives only the final proof, for every method",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await cleanScene(lab);
    const cases: Array<[string[], RegExp]> = [
      [[], /; UDP port closed \(ICMP port unreachable\), reply TTL 61\.$/],
      [["-U"], /; UDP port 53 closed \(ICMP port unreachable\), reply TTL 61\.$/],
      [["-I"], /; answers ping \(ICMP echo reply\), reply TTL 61\.$/],
      [["-T"], /; TCP port 80 closed \(RST\), reply TTL 61\.$/],
      [["-M", "tcpconn"], /; TCP port 80 closed \(RST\)/],
    ];
    for (const [label, target] of families(scene)) {
      for (const [method, proof] of cases) {
        await t.step(`${label} ${method.join(" ") || "default"}`, async () => {
          const findings = await findingsOf(lab, [...method, target]);
          assertEquals(kinds(findings), ["final-proof"], show(findings));
          assertEquals(findings[0]!.hops, [4]);
          assertStringIncludes(findings[0]!.text, `reached ${target} at hop 4`);
          assertMatch(findings[0]!.text, proof);
        });
      }
    }
    await t.step("classic output: the trace, a blank line, one line per finding", async () => {
      const r = await runHopwise(lab, "src", ["-n", "--explain", scene.target4]);
      assertEquals(r.code, 0, r.stderr);
      const lines = r.stdout.split("\n");
      assertMatch(lines[0]!, /^traceroute to 198\.18\.4\.2 /);
      assertMatch(lines[4]!, /^ 4 {2}198\.18\.4\.2 /);
      assertEquals(lines[5], "");
      assertMatch(lines[6]!, /^final-proof: reached 198\.18\.4\.2 at hop 4; UDP port closed/);
      assertEquals(lines.slice(7), [""]);
      // Without --explain, nothing of it.
      const plain = await runHopwise(lab, "src", ["-n", scene.target4]);
      assertEquals(plain.stdout.split("\n").length, 6, plain.stdout);
    });
    await t.step("NDJSON stays valid: a findings line just before the end line", async () => {
      const r = await runHopwise(lab, "src", ["--ndjson", "-n", "--explain", scene.target6]);
      assertEquals(r.code, 0, r.stderr);
      const events = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
      const types = events.map((e) => e.type);
      assertEquals(types[0], "start");
      assertEquals(types.slice(-2), ["findings", "end"]);
      assertEquals(types.filter((x) => x === "findings").length, 1);
      assertEquals(events.at(-2).findings.map((f: Finding) => f.kind), ["final-proof"]);
    });
  },
});

Deno.test({
  name: "explain: a firewall forwarding expiring packets shows one address at two hops",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await zeroTtlFirewall(lab);
    for (const [label, target, at] of families(scene)) {
      await t.step(label, async () => {
        const findings = await findingsOf(lab, [target]);
        assertEquals(kinds(findings), ["repeated-address", "final-proof"], show(findings));
        const f = findings[0]!;
        assertEquals(f.hops, [2, 3]);
        assertEquals(f.addresses, [at(3, 2)]); // r3 answers hops 2 and 3
        assertStringIncludes(f.text, "reply TTLs 62, 62");
        assertMatch(f.causes[0]!, /zero-TTL forwarding/);
      });
    }
  },
});

Deno.test({
  name: "explain: a routing loop shows as A-B-A-B",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await routingLoop(lab);
    for (const [label, target, at] of families(scene)) {
      await t.step(label, async () => {
        const findings = await findingsOf(lab, ["-m", "8", target]);
        assertEquals(kinds(findings), ["loop", "final-proof"], show(findings));
        const f = findings[0]!;
        // r2 and r3 answer, from either of their interfaces (r2: links 2 and
        // 3; r3: links 3 and 4), alternately up to the last hop.
        const r2 = [at(2, 2), at(3, 1)];
        const r3 = [at(3, 2), at(4, 1)];
        assertEquals(f.addresses.length, 2, show(findings));
        assertOk(f.addresses.some((a) => r2.includes(a)), show(findings));
        assertOk(f.addresses.some((a) => r3.includes(a)), show(findings));
        assertEquals(f.hops.at(-1), 8);
        assertOk(f.hops[0]! <= 3, show(findings));
        assertStringIncludes(findings[1]!.text, "not reached within 8 hops");
      });
    }
  },
});

Deno.test({
  name: "explain: a DNAT load balancer's VIP answers before the destination",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await dnatLoadBalancer(lab);
    for (const [label, target] of families(scene)) {
      await t.step(label, async () => {
        const findings = await findingsOf(lab, [target]);
        assertEquals(kinds(findings), ["early-destination", "final-proof"], show(findings));
        assertEquals(findings[0]!.hops, [2, 3, 4]);
        assertEquals(findings[0]!.addresses, [target]);
        assertStringIncludes(findings[0]!.text, "reply TTLs 63, 62, 61");
        assertMatch(findings[0]!.causes[0]!, /load balancer or NAT at hop 2/);
      });
    }
  },
});

Deno.test({
  name: "explain: the target's address at hop 2, then the trace goes on past it",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await errorsFromTarget(lab);
    for (const [label, target, at] of families(scene)) {
      await t.step(label, async () => {
        const findings = await findingsOf(lab, [target]);
        assertEquals(kinds(findings), ["past-destination", "final-proof"], show(findings));
        assertEquals(findings[0]!.hops, [2, 3, 4]);
        assertEquals(findings[0]!.addresses, [target, at(3, 2)]);
      });
    }
  },
});

Deno.test({
  name: "explain: a transparent proxy answers TCP hops before ICMP reaches the destination",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await transparentProxy(lab);
    for (const [label, target] of families(scene)) {
      for (const method of [["-T"], ["-M", "tcpconn"]]) {
        await t.step(`${label} ${method.join(" ")}`, async () => {
          const findings = await findingsOf(lab, [...method, target]);
          assertEquals(kinds(findings), ["transparent-proxy", "final-proof"], show(findings));
          const f = findings[0]!;
          assertEquals(f.hops, [2, 4]);
          assertEquals(f.evidence.map((e) => e.method), [
            method.at(-1) === "-T" ? "tcp" : "tcpconn",
            "icmp",
          ]);
          assertStringIncludes(f.text, "ICMP trace run alongside reached");
          assertStringIncludes(findings[1]!.text, "see transparent-proxy");
        });
      }
      await t.step(`${label} -T: SYN-ACK from the proxy's listener`, async () => {
        const findings = await findingsOf(lab, ["-T", target]);
        assertStringIncludes(
          findings[1]!.text,
          `reached ${target} at hop 2; TCP port 80 open (SYN-ACK)`,
        );
      });
      await t.step(`${label} -I: ICMP is not intercepted, nothing to report`, async () => {
        const findings = await findingsOf(lab, ["-I", target]);
        assertEquals(kinds(findings), ["final-proof"], show(findings));
        assertEquals(findings[0]!.hops, [4]);
      });
    }
  },
});

Deno.test({
  name: "explain: a router that sends no time-exceeded is silent, not lossy",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await silentRouter(lab);
    for (const [label, target, at] of families(scene)) {
      await t.step(label, async () => {
        const findings = await findingsOf(lab, [target]);
        assertEquals(kinds(findings), ["silent-hops", "final-proof"], show(findings));
        assertEquals(findings[0]!.hops, [2, 3]);
        assertEquals(findings[0]!.addresses, [at(3, 2)]);
        assertStringIncludes(findings[0]!.text, "not packet loss");
      });
    }
  },
});

Deno.test({
  name: "explain: a destination ACL gives silence to the end, and methods to try",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await destinationAcl(lab);
    for (const [label, target, at] of families(scene)) {
      for (
        const [method, proof] of [[[], /UDP port answered nothing \(open, filtered, or dropped/], [
          ["-T"],
          /TCP port 80 answered nothing \(neither SYN-ACK nor RST/,
        ]] as const
      ) {
        await t.step(`${label} ${method.join(" ") || "default"}`, async () => {
          const findings = await findingsOf(lab, [...method, "-m", "5", target]);
          assertEquals(kinds(findings), ["silent-to-end", "final-proof"], show(findings));
          const f = findings[0]!;
          assertEquals(f.hops, [2, 3, 4, 5]);
          assertEquals(f.addresses, [at(2, 2)]);
          assertOk(f.suggestions.length > 0);
          assertMatch(findings[1]!.text, proof);
        });
      }
    }
  },
});

Deno.test({
  name: "explain: replies returning over a detour show a longer return path",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const scene = await asymmetricReturn(lab);
    for (const [label, target] of families(scene)) {
      await t.step(label, async () => {
        const findings = await findingsOf(lab, [target]);
        assertEquals(kinds(findings), ["return-path", "final-proof"], show(findings));
        assertEquals(findings[0]!.hops, [3, 4]);
        assertEquals(findings[0]!.evidence.map((e) => e.replyTtl), [60, 59]);
        assertStringIncludes(findings[0]!.text, "longer");
      });
    }
  },
});
