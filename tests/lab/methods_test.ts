/**
 * Every probe method against Linux traceroute in the lab: tcp (half-open SYN
 * and every -O variant), tcpconn, udp, udplite, dccp and raw, IPv4 and IPv6,
 * with a destination that listens on TCP port 80 and UDP port 5353 (open and
 * silent), and one whose firewall drops TCP.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import {
  expectSame,
  labSkipReason,
  needs,
  runHopwise,
  runTraceroute,
  withoutRtts,
} from "../../lab/harness.ts";

const reason = labSkipReason("method lab tests", needs("traceroute", ["-V"]));

/** Listens on TCP 80 and UDP 5353 (reads, never answers), IPv4 and IPv6. */
const SERVERS = `
import dgram from "node:dgram";
Deno.listen({ port: 80, hostname: "::" });
for (const type of ["udp4", "udp6"]) {
  const s = dgram.createSocket({ type, ipv6Only: type === "udp6" });
  s.bind(5353);
  s.on("message", () => {});
}
console.log("listening");
setInterval(() => {}, 60000);
`;

async function startServers(c: Chain): Promise<void> {
  const child = c.lab.spawn(c.destination, [Deno.execPath(), "eval", SERVERS], {
    stdout: "piped",
  });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assertOk(new TextDecoder().decode(value).includes("listening"), "servers started");
  reader.releaseLock();
}

function same(c: Chain, args: string[]): Promise<string> {
  return expectSame(c.lab, c.source, args);
}

Deno.test({
  name: "methods: tcp, tcpconn, udp, udplite, raw against Linux traceroute",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    await startServers(c);
    for (const [v, target] of [["4", c.target4], ["6", c.target6]] as const) {
      const cases: Array<[string[], RegExp | null]> = [
        [["-T", "-n", target], null],
        [["-T", "-p", "8080", "-n", target], null],
        [["-T", "-O", "info", "-n", target], / <syn,ack> /],
        [["-T", "-O", "info", "-p", "8080", "-n", target], / <rst,ack> /],
        [["-T", "-O", "syn", "-n", target], null],
        [["-T", "-O", "ack", "-O", "info", "-n", target], / <rst> /],
        [["-T", "-O", "fin", "-O", "info", "-p", "8080", "-n", target], / <rst,ack> /],
        [["-T", "-O", "flags=0x12", "-n", target], null],
        [["-T", "-O", "ecn,info", "-n", target], null],
        [["-T", "-O", "sack,timestamps", "-n", target], null],
        [["-T", "-O", "window_scaling,mss=1000", "-n", target], null],
        [["-T", "-O", "sysctl,reuse", "-n", target], null],
        [["-T", "-N", "1", "-q", "1", "-n", target], null],
        [["-T", "--sport=4242", "-n", target], null],
        [["-T", "-f", "2", "-n", target, "1000"], null],
        [["-M", "tcpconn", "-n", target], null],
        [["-M", "tcpconn", "-p", "8080", "-n", target], null],
        [["-U", "-p", "5354", "-n", target], null],
        // Hops 3 and 4 stay silent: a whole -w each, on both sides (0.5 s: still some thousand
        // times the lab's round trips).
        [["-U", "-p", "5353", "-m", "4", "-w", "0.5", "-n", target], / 4 {2}\* \* \*/],
        [["-UL", "-n", target], null],
        [["-UL", "-O", "coverage=20", "-n", target], null],
        [["-P", "99", "-n", target], v === "4" ? / !P/ : / !<4-1>/],
        [["-M", "raw", "-q", "1", "-n", target], null],
        [["-M", "raw", "-O", "protocol=udplite", "-p", "99", "-q", "1", "-n", target], null],
        // The source's own address: replies come back over lo, where the
        // kernel may leave transport checksums to offload (hopwise checks
        // the checksums of TCP replies).
        [["-T", "-n", v === "4" ? "198.18.1.1" : "2001:db8:0:1::1"], null],
        [
          ["-T", "-O", "info", "-p", "8080", "-n", v === "4" ? "198.18.1.1" : "2001:db8:0:1::1"],
          / <rst,ack> /,
        ],
        [["-I", "-n", v === "4" ? "198.18.1.1" : "2001:db8:0:1::1"], null],
      ];
      for (const [args, pattern] of cases) {
        await t.step(args.join(" "), async () => {
          const out = await same(c, args);
          if (pattern) assertMatch(out, pattern);
        });
      }
    }
  },
});

Deno.test({
  name: "methods: a destination whose firewall drops TCP (the 4-layer ACL)",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    await lab.sh(
      c.destination,
      "iptables -A INPUT -p tcp -j DROP; ip6tables -A INPUT -p tcp -j DROP",
    );
    // Hops 3 to 5 stay silent: each of their probes waits the whole -w (no HERE or NEAR evidence),
    // on both sides; 0.5 s is still some thousand times the lab's round trips.
    for (const target of [c.target4, c.target6]) {
      for (
        const args of [
          ["-T", "-m", "5", "-w", "0.5", "-n", target],
          ["-M", "tcpconn", "-m", "5", "-w", "0.5", "-n", target],
        ]
      ) {
        await t.step(args.join(" "), async () => {
          const out = await same(c, args);
          assertMatch(out, /\n 3 {2}\* \* \*\n 4 {2}\* \* \*\n 5 {2}\* \* \*\n$/);
        });
      }
    }
  },
});

Deno.test({
  name: "methods: dccp (Linux traceroute needs kernel DCCP, which Linux 6.16 removed)",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    for (const [target, hops] of [[c.target4, c.hops4], [c.target6, c.hops6]] as const) {
      await t.step(target, async () => {
        const args = ["-D", "-n", target];
        const theirs = await runTraceroute(lab, c.source, args);
        const ours = await runHopwise(lab, c.source, args);
        if (theirs.code === 0) {
          // A kernel with DCCP: both must agree.
          assertEquals(withoutRtts(ours.stdout), withoutRtts(theirs.stdout));
          return;
        }
        assertMatch(theirs.stderr, /socket: /);
        assertEquals(ours.code, 0, ours.stderr);
        const lines = ours.stdout.trim().split("\n");
        assertMatch(lines[0]!, /, 30 hops max, (40|60) byte packets$/);
        assertEquals(lines.length - 1, hops.length, ours.stdout);
        hops.forEach((address, i) =>
          assertOk(lines[i + 1]!.includes(` ${address} `), lines[i + 1])
        );
        // Without DCCP the destination answers protocol unreachable.
        assertMatch(lines.at(-1)!, target.includes(":") ? /!<4-1>|!P/ : /!P/);
      });
    }
  },
});
