/**
 * The rest of Linux traceroute's options, against Linux traceroute in the
 * lab: --mtu and -F over a narrower link, --back with routers of other
 * initial TTLs, -g, -l and -t on IPv6 (checked on the wire too), -d, -r,
 * --fwmark, -i, -s, long option spellings, names from a real DNS server
 * (dnsmasq), and -A against a whois server with route objects.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { expectSame, labSkipReason, needs, runHopwise, runTraceroute } from "../../lab/harness.ts";
import { LIVE_RESOLVER, startDnsServer } from "../../lab/dns_server.ts";
import { startTcpdump } from "../helpers/tcpdump.ts";

const reason = labSkipReason("option lab tests", needs("traceroute", ["-V"]));
const noDnsmasq = reason ?? labSkipReason("DNS lab tests", needs("dnsmasq"));
const noTcpdump = reason ?? labSkipReason("on-the-wire lab tests", needs("tcpdump"));

function same(c: Chain, args: string[], env: Record<string, string> = {}): Promise<string> {
  return expectSame(c.lab, c.source, args, { env, stderr: true });
}

/** Sets the MTU of link `link` (198.18.<link>.0/24) on both of its ends. */
async function narrow(c: Chain, link: number, ends: [string, string], mtu: number): Promise<void> {
  for (const node of ends) {
    await c.lab.sh(
      node,
      `ip link set dev "$(ip -o -4 addr show to 198.18.${link}.0/24 | awk '{print $2}')" mtu ${mtu}`,
    );
  }
}

Deno.test({
  name: "options: --mtu and -F over a 1280-byte link; --back with other initial TTLs",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    await narrow(c, 3, ["r2", "r3"], 1280);
    // r2 starts its packets at TTL 100, r3 at 255: --back shows '-N' for them.
    // (ICMPv6 errors take the outgoing interface's hop_limit: set it on each.)
    for (const [node, ttl] of [["r2", 100], ["r3", 255]] as const) {
      await lab.sh(
        node,
        `sysctl -qw net.ipv4.ip_default_ttl=${ttl}; ` +
          `for f in /proc/sys/net/ipv6/conf/*/hop_limit; do echo ${ttl} > "$f"; done`,
      );
    }
    const cases: Array<[string[], RegExp | null]> = [
      [["--mtu", "-n", c.target4], /F=1500[\s\S]*F=1280/],
      [["--mtu", "-I", "-n", c.target4], /F=1280/],
      [["--mtu", "-T", "-n", c.target4], null],
      [["--mtu", "-n", c.target6], /F=1280/],
      [["--mtu", "-q", "1", "-n", c.target4, "1400"], /F=1280/],
      [["-F", "-n", c.target4, "1500"], /!F-1280/],
      [["-F", "-I", "-n", c.target6, "1500"], /!F-1280/],
      [["--back", "-n", c.target4], / '-\d+'/],
      [["--back", "-n", c.target6], / '-\d+'/],
      [["--back", "-I", "-n", c.target4], null],
      [["--back", "-q", "1", c.target4], null],
    ];
    for (const [args, pattern] of cases) {
      await t.step(args.join(" "), async () => {
        const out = await same(c, args);
        if (pattern) assertMatch(out, pattern);
      });
    }
  },
});

Deno.test({
  name: "options: -g, -d, -r, --fwmark, -i, -s, -t, -l, long spellings",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    const cases: string[][] = [
      // Routers drop source-routed packets: every hop is silent, for both.
      ["-g", "198.18.1.2", "-m", "3", "-w", "0.3", "-n", c.target4],
      ["-g", "198.18.1.2,198.18.2.2", "-m", "2", "-w", "0.3", "-I", "-n", c.target4],
      ["-d", "-n", c.target4],
      ["-r", "-n", "198.18.1.2"],
      ["-r", "-n", c.target4],
      ["--fwmark=7", "-n", c.target4],
      ["-i", "eth0", "-n", c.target4],
      ["-s", "198.18.1.1", "-n", c.target4],
      ["-s", "2001:db8:0:1::1", "-I", "-n", c.target6],
      ["-t", "32", "-n", c.target6],
      ["-l", "12345", "-n", c.target6],
      ["-t", "16", "-l", "7", "-I", "-n", c.target6],
      ["-l", "5", "-n", c.target4], // ignored for IPv4, as in Linux traceroute
      [
        "--first=2",
        "--max-hops=3",
        "--queries=2",
        "--sim-queries=1",
        "--wait=1,3,10",
        "--sendwait=0",
        "--port=33500",
        "--tos=8",
        "--dont",
        "-n",
        c.target4,
      ],
      ["--icmp", "--extensions", "-n", c.target4],
      ["--udp", "--sport=4000", "-n", c.target4],
      ["--module=tcpconn", "--port=9", "-n", c.target4],
      ["--protocol=99", "-n", c.target4],
    ];
    for (const args of cases) {
      await t.step(args.join(" "), async () => void await same(c, args));
    }
    await t.step(
      "-g on IPv6: the kernel refuses the routing header, as for Linux traceroute",
      async () => {
        const args = ["-g", "2001:db8:0:1::2", "-m", "3", "-n", c.target6];
        const theirs = await runTraceroute(lab, c.source, args);
        const ours = await runHopwise(lab, c.source, args);
        assertEquals([theirs.code, theirs.stderr], [
          1,
          "\nsetsockopt IPV6_RTHDR: Invalid argument\n",
        ]);
        // The same message and status; hopwise finds it before printing its header.
        assertEquals([ours.code, ours.stderr, ours.stdout], [1, theirs.stderr, ""]);
      },
    );
  },
});

Deno.test({
  name: "options: -l and -t put the flow label and traffic class on the wire",
  ignore: noTcpdump !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    for (const args of [["-l", "12345"], ["-t", "32", "-l", "7", "-I"]]) {
      await t.step(args.join(" "), async () => {
        const seen: string[] = [];
        for (const tool of ["traceroute", "hopwise"]) {
          const capture = await startTcpdump(lab, "r1", [
            "-v",
            "-c",
            "1",
            "ip6 and src 2001:db8:0:1::1 and (udp or icmp6[0] == 128)",
          ]);
          const probe = [...args, "-q", "1", "-m", "1", "-n", c.target6];
          const run = tool === "traceroute"
            ? await runTraceroute(lab, c.source, probe)
            : await runHopwise(lab, c.source, probe);
          assertEquals(run.code, 0, run.stderr);
          const line = new TextDecoder().decode((await capture.output()).stdout);
          seen.push(/\((class 0x[0-9a-f]+, )?flowlabel 0x[0-9a-f]+/.exec(line)?.[0] ?? line);
        }
        assertEquals(seen[1], seen[0]);
        assertMatch(
          seen[0]!,
          args.includes("-t") ? /class 0x20, flowlabel 0x00007/ : /flowlabel 0x03039/,
        );
      });
    }
  },
});

Deno.test({
  name: "options: names from a real DNS server (dnsmasq), and -A over whois",
  ignore: noDnsmasq !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    // A DNS server beside the source (lab/dns_server.ts: resolv.conf points at it, with a second
    // of timeout and two attempts), with PTR (and A/AAAA) records for every hop but r2; whois on
    // 43 and 4343 at the same address.
    const records = [["r1.lab", 1], ["r3.lab", 3], ["dst.lab", 4]] as const;
    const dns = await startDnsServer(lab, c.source, {
      hosts: records.flatMap(([name, hop]) => [
        [`198.18.${hop}.2`, name] as const,
        [`2001:db8:0:${hop}::2`, name] as const,
      ]),
      txt: [],
    });
    const whois = (port: number, routes: unknown) =>
      lab.spawn("dns", [
        Deno.execPath(),
        "run",
        "--allow-net",
        new URL("../../lab/whois_server.ts", import.meta.url).pathname,
        LIVE_RESOLVER,
        String(port),
        JSON.stringify(routes),
      ], { stdout: "piped" });
    const servers = [
      whois(43, [
        { prefix: "198.18.0.0/15", origin: "AS64500" },
        { prefix: "198.18.1.0/24", origin: "AS64501" },
        { prefix: "198.18.4.0/24", origin: "AS64501" },
        { prefix: "198.18.4.0/24", origin: "AS64502" },
        { prefix: "198.18.4.0/24", origin: "AS64501" },
        { prefix: "2001:db8::/32", origin: "AS64510" },
        { prefix: "2001:db8:0:3::/64", origin: "AS64513" },
      ]),
      whois(4343, [{ prefix: "198.18.1.0/24", origin: "AS64501" }]),
    ];
    for (const server of servers) {
      const reader = server.stdout.getReader();
      assertOk(new TextDecoder().decode((await reader.read()).value).includes("ready"));
      reader.releaseLock();
    }
    // dnsmasq is up once it answers.
    for (let i = 0; i < 50; i++) {
      const r = await lab.exec(c.source, ["getent", "hosts", "198.18.1.2"]);
      if (r.stdout.includes("r1.lab")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ra = { RA_SERVER: LIVE_RESOLVER, RA_SERVICE: "43" };
    const cases: Array<[string[], Record<string, string>, RegExp | null]> = [
      [[c.target4], {}, / 2 {2}198\.18\.2\.2 \(198\.18\.2\.2\) /],
      [[c.target6], {}, / 1 {2}r1\.lab \(2001:db8:0:1::2\) /],
      [["dst.lab"], {}, /^traceroute to dst\.lab \(198\.18\.4\.2\)/],
      [["-6", "-I", "dst.lab"], {}, null],
      [["-q", "1", "-N", "1", c.target4], {}, null],
      [["-A", "-n", c.target4], ra, / 4 {2}198\.18\.4\.2 \[AS64501\/AS64502\] /],
      [["-A", c.target4], ra, / 1 {2}r1\.lab \(198\.18\.1\.2\) \[AS64501\] /],
      [["-A", "-n", c.target6], ra, /\[AS64513\]/],
      [["-A", "-n", c.target4], { ...ra, RA_SERVICE: "4343" }, / 2 {2}198\.18\.2\.2 \[\*\] /],
      [["-A", "-n", c.target4], { RA_SERVER: LIVE_RESOLVER }, null], // service nicname: /etc/services
      [["-A", "-n", c.target4], { RA_SERVER: c.target4, RA_SERVICE: "43" }, /\[!!\]/],
    ];
    for (const [args, env, pattern] of cases) {
      await t.step(`${JSON.stringify(env)} ${args.join(" ")}`, async () => {
        const out = await same(c, args, env);
        if (pattern) assertMatch(out, pattern);
      });
    }
    await t.step(
      "-A with a whois server that does not resolve: the message, before any output",
      async () => {
        const env = { RA_SERVER: "nowhere.lab", RA_SERVICE: "43" };
        const theirs = await runTraceroute(lab, c.source, ["-A", "-n", c.target4], { env });
        const ours = await runHopwise(lab, c.source, ["-A", "-n", c.target4], { env });
        assertEquals(theirs.code, 2);
        assertEquals([ours.code, ours.stdout, ours.stderr], [2, "", theirs.stderr]);
      },
    );
    for (const server of servers) server.kill();
    await Promise.all(servers.map((s) => s.status));
    await dns.stop();
  },
});
