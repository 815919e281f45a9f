/**
 * hopwise's own reverse lookups (src/lookup/stub_resolver.ts) against
 * glibc's, through Linux traceroute, which asks getnameinfo: on one chain
 * and one lab DNS server, the same names for every hop in IPv4 and IPv6,
 * including those glibc refuses (a label beginning with `-`, a name longer
 * than 64 characters) and those it takes (`_`); /etc/hosts first or after
 * DNS as nsswitch orders them; a dead server before the live one;
 * `attempts:0` (glibc asks nothing); a
 * source only getnameinfo knows; and the zone's own server, whose "no such
 * name" says how long it holds (RFC 2308). And hopwise asks its questions from one
 * socket (getnameinfo opens one a lookup), so they are its own.
 *
 * Needs root, iproute2, iptables, dnsmasq, traceroute and tcpdump.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { expectSame, labSkipReason, needs, runHopwise } from "../../lab/harness.ts";
import {
  AUTHORITATIVE_NEGATIVE_TTL,
  DEAD_RESOLVER,
  LIVE_RESOLVER,
  startDnsServer,
} from "../../lab/dns_server.ts";
import { NETNS_ETC_DIR } from "../../lab/netns/namespaces.ts";
import { startTcpdump } from "../helpers/tcpdump.ts";

const reason = labSkipReason(
  "reverse name lab tests",
  () => needs("dnsmasq")() ?? needs("traceroute", ["-V"])() ?? needs("tcpdump")(),
);

/** The modules a script run in the lab's namespace imports. */
const RESOLVER_URL = new URL("../../src/lookup/resolver.ts", import.meta.url).href;
const TRANSPORT_URL = new URL("../../ffi/ffi_transport.ts", import.meta.url).href;

/** A name of `n` characters under `.lab`, in labels of 50 characters at most. */
function long(n: number): string {
  const body = "l".repeat(n - 4).replace(/(.{50})(?=.)/g, "$1.");
  return body.slice(0, n - 4) + ".lab";
}

Deno.test({
  name: "reverse names: hopwise's own lookups find what getnameinfo finds",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 5 });
    // Router i's names: the same rules in both families.
    const names = ["a_b.lab", "-bad.lab", long(65), long(200), "r5.Lab"];
    const dns = await startDnsServer(lab, c.source, {
      hosts: [[c.target4, "dst.lab"], [c.target6, "dst.lab"]],
      txt: [],
      ptr: names.flatMap((name, i) => [[c.hops4[i]!, name], [c.hops6[i]!, name]] as const),
    });
    const etc = `${NETNS_ETC_DIR}/${lab.ns(c.source)}`;
    const args = (
      family: "-4" | "-6",
    ) => [family, "-q", "1", family === "-4" ? c.target4 : c.target6];
    try {
      await t.step("every hop's name as Linux traceroute's, IPv4 and IPv6", async () => {
        for (const family of ["-4", "-6"] as const) {
          const out = await expectSame(lab, c.source, args(family));
          assertOk(out.includes("a_b.lab ("), out);
          assertOk(out.includes(`${long(65)} (`), out);
        }
      });

      await t.step("hosts before DNS, and after it, as nsswitch orders them", async () => {
        await lab.setHosts(c.source, [[c.hops4[0]!, "from-hosts.lab"]]);
        const first = await expectSame(lab, c.source, args("-4"));
        assertOk(first.includes("from-hosts.lab ("), first);
        await Deno.writeTextFile(`${etc}/nsswitch.conf`, "hosts: dns files\n");
        const then = await expectSame(lab, c.source, args("-4"));
        assertOk(then.includes("a_b.lab (") && !then.includes("from-hosts.lab"), then);
        // A source hopwise does not know itself (glibc skips one it has no module for):
        // getnameinfo answers.
        await Deno.writeTextFile(`${etc}/nsswitch.conf`, "hosts: files myhostname dns\n");
        await expectSame(lab, c.source, args("-4"));
      });

      await t.step("a dead server first: the live one after glibc's timeout", async () => {
        await Deno.remove(`${etc}/nsswitch.conf`).catch(() => {});
        await lab.setHosts(c.source, []);
        await Deno.writeTextFile(
          `${etc}/resolv.conf`,
          `nameserver ${DEAD_RESOLVER}\nnameserver ${LIVE_RESOLVER}\noptions timeout:1 attempts:1\n`,
        );
        // Two hops: Linux traceroute waits out the dead server once a hop, one after another.
        const out = await expectSame(lab, c.source, [...args("-6"), "-m", "2"]);
        assertOk(out.includes("a_b.lab ("), out);
      });

      await t.step("attempts:0: no question, no name, as glibc", async () => {
        await dns.use(c.source, "live", "attempts:0");
        const out = await expectSame(lab, c.source, args("-4"));
        assertOk(!out.includes(".lab ("), out);
      });

      await t.step(
        "the zone's own server: the same names, and how long no name holds",
        async () => {
          await dns.use(c.source, "authoritative", "timeout:1 attempts:1");
          // Its answers carry the zone's SOA: names read as glibc reads them all the same.
          const out = await expectSame(lab, c.source, args("-4"));
          assertOk(out.includes("dst.lab ("), out);
          // The system resolver's answers, in the source's namespace: the SOA's negative TTL
          // for a router without a name there; a name, with no time, for the target.
          const asked = [c.hops4[0]!, c.target4];
          const script = `
          import { SystemResolver } from ${JSON.stringify(RESOLVER_URL)};
          import { FfiTransport } from ${JSON.stringify(TRANSPORT_URL)};
          const resolver = new SystemResolver({ transport: () => new FfiTransport() });
          const answers = [];
          for (const a of ${JSON.stringify(asked)}) answers.push(await resolver.reverseAnswer(a));
          console.log(JSON.stringify(answers));
          Deno.exit(0);`;
          const answers = async () => {
            const run = await lab.exec(c.source, [Deno.execPath(), "eval", script]);
            return JSON.parse(run.stdout);
          };
          assertEquals(await answers(), [
            { name: null, ttl: AUTHORITATIVE_NEGATIVE_TTL },
            { name: "dst.lab" },
          ]);
          // dnsmasq's local answers (the live server) carry no SOA: no time is said.
          await dns.use(c.source, "live");
          assertEquals(await answers(), [{ name: names[0] }, { name: "dst.lab" }]);
        },
      );

      await t.step("hopwise asks from one socket (getnameinfo opens one a lookup)", async () => {
        await dns.use(c.source, "live");
        const capture = await startTcpdump(lab, "dns", ["udp dst port 53 and src 198.18.250.1"]);
        const run = await runHopwise(lab, c.source, args("-4"));
        assertEquals(run.code, 0, run.stderr);
        // tcpdump prints what it has read once stopped.
        await new Promise((resolve) => setTimeout(resolve, 200));
        capture.kill("SIGINT");
        const lines = new TextDecoder().decode((await capture.output()).stdout).trim().split("\n");
        const ports = new Set(lines.map((l) => /198\.18\.250\.1\.(\d+) >/.exec(l)?.[1]));
        assertEquals(lines.length >= c.hops4.length, true, lines.join("\n"));
        assertEquals([...ports].length, 1, lines.join("\n"));
      });
    } finally {
      await dns.stop();
    }
  },
});
