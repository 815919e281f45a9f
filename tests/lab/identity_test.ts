/**
 * Who the hops are, in the lab: a chain of three routers, a lab DNS server
 * (dnsmasq: PTR records for the hops, Team Cymru-format TXT records under the
 * zone `asn.lab`) and a resolver that never answers (lab/dns_server.ts);
 * small MaxMind databases made by Debian's writer and checked with
 * mmdblookup (tests/helpers/mmdb_writer.ts).
 *
 * Each source gives each hop's AS (and --geoip its place) in the JSON output
 * and `-A`'s `[AS64501]` in the classic one; bad databases are one line and
 * exit 2 with nothing printed; a resolver that never answers costs a run of
 * 100 targets (each its own address) about one deadline beside `-n`, with its blocks in input
 * order, and never holds up a report's cycles.
 *
 * Needs root, iproute2, iptables, dnsmasq, perl's MaxMind::DB::Writer and
 * mmdblookup.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import {
  hopwiseArgv,
  labSkipReason,
  needs,
  runHopwise,
  startIn,
  withoutRtts,
} from "../../lab/harness.ts";
import { startDnsServer } from "../../lab/dns_server.ts";
import {
  damageText,
  LAB_ASN,
  LAB_CITY,
  mmdblookup,
  mmdbSkipReason,
  writeMmdb,
} from "../helpers/mmdb_writer.ts";
import { scrapeInLab } from "../helpers/scrape.ts";
import { NAME_CACHE } from "../../src/lookup/hop_lookups.ts";

const reason = labSkipReason("identity lab tests", needs("dnsmasq", ["--version"])) ??
  mmdbSkipReason();

/** A hop of the JSON output, as far as these tests read it. */
interface JsonProbe {
  address: string | null;
  name?: string | null;
  asPath?: string;
  asn?: number;
  asName?: string;
  prefix?: string;
  country?: string;
  city?: string;
  location?: { latitude: number; longitude: number; accuracyKm?: number };
}

/** The first probe of each hop of a `--json` trace. */
function jsonHops(stdout: string): JsonProbe[] {
  return JSON.parse(stdout).hops.map((h: { probes: JsonProbe[] }) => h.probes[0]!);
}

/** The hop lines of a classic trace (without the header). */
function classicLines(stdout: string): string[] {
  return stdout.trimEnd().split("\n").slice(1);
}

Deno.test({
  name: "identity: AS numbers and places from each source, bad databases, a dead resolver",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    // The destination answers for 198.19.0.0/24 too: targets of their own addresses.
    const c = await chain(lab, { routers: 3, anyPrefixes: ["198.19.0.0/24"] });
    const [r1, r2, r3, dst] = c.hops4 as [string, string, string, string];
    const dns = await startDnsServer(lab, c.source, {
      hosts: [[r1, "r1.lab"], [r3, "r3.lab"], [dst, "dst.lab"]],
      txt: [
        ["2.1.18.198.origin.asn.lab", "64501 | 198.18.1.0/24 | ZZ | lab | 2026-01-01"],
        // r2: an answer that does not parse.
        ["2.2.18.198.origin.asn.lab", "this is | not | cymru"],
        // r3: two ASes announce it: the first is its AS, both show as whois's ties do.
        ["2.3.18.198.origin.asn.lab", "64503 64504 | 198.18.3.0/24 | ZZ | lab | 2026-01-01"],
        // dst: a less and a more specific prefix; the more specific wins.
        ["2.4.18.198.origin.asn.lab", "64500 | 198.18.0.0/15 | ZZ | lab | 2026-01-01"],
        ["2.4.18.198.origin.asn.lab", "64502 | 198.18.4.0/24 | ZZ | lab | 2026-01-01"],
        ["AS64501.asn.lab", "64501 | ZZ | lab | 2026-01-01 | LAB-ONE - Lab One"],
        ["AS64502.asn.lab", "64502 | ZZ | lab | 2026-01-01 | LAB-TRANSIT - Lab Transit"],
      ],
    });
    const dir = await Deno.makeTempDir({ prefix: "hopwise-identity-" });
    try {
      const asnDb = `${dir}/asn.mmdb`;
      const cityDb = `${dir}/city.mmdb`;
      await writeMmdb(asnDb, LAB_ASN);
      await writeMmdb(cityDb, LAB_CITY);

      await t.step("mmdblookup (libmaxmind's reader) reads the databases made", async () => {
        assertMatch(await mmdblookup(asnDb, r1, "autonomous_system_number"), /64501 <uint32>/);
        assertMatch(await mmdblookup(cityDb, r1, "city", "names", "en"), /"Frankfurt am Main"/);
        assertMatch(await mmdblookup(cityDb, r2), /Could not find an entry/);
      });

      await t.step(
        "--serve --as-source PATH: hopwise_hop_address_info carries each hop's AS number",
        async () => {
          const list = `${dir}/targets`;
          await Deno.writeTextFile(list, `${c.target4}\n`);
          const service = startIn(lab, c.source, [
            ...hopwiseArgv(["--serve", "127.0.0.1:9811", "-n", "-I", "--interval", "0.2"]),
            `--as-source=${asnDb}`,
            "--targets",
            list,
          ]);
          const scraped = await scrapeInLab(lab, c.source, [
            { url: "http://127.0.0.1:9811/metrics", needles: [`address="${r1}"`, "asn="] },
          ]);
          service.kill("SIGTERM");
          const { code, stderr } = await service.done;
          assertEquals(code, 0, stderr);
          const info = (scraped?.[0] ?? "").split("\n").filter((l) =>
            l.startsWith("hopwise_hop_address_info{")
          );
          const asnOf = (address: string) =>
            info.find((l) => l.includes(`address="${address}"`))?.match(/asn="(\d+)"/)?.[1] ?? null;
          // The database knows r1's network (AS64501), not r2's: no label rather than a guess.
          assertEquals(asnOf(r1), "64501", info.join("\n"));
          assertEquals(asnOf(r2), null, info.join("\n"));
        },
      );

      await t.step(
        "--as-source PATH and --geoip PATH: each hop's AS and place in JSON",
        async () => {
          const out = await runHopwise(lab, c.source, [
            "--json",
            "-n",
            "-q",
            "1",
            `--as-source=${asnDb}`,
            "--geoip",
            cityDb,
            c.target4,
          ]);
          assertEquals(out.code, 0, out.stderr);
          assertEquals(out.stderr, "");
          const hops = jsonHops(out.stdout);
          assertEquals(hops.map((h) => h.address), [r1, r2, r3, dst]);
          const want = [
            { asn: 64501, asName: "LAB-ONE", prefix: "198.18.1.0/24", country: "DE" },
            {},
            {},
            { asn: 64502, asName: "LAB-TRANSIT", prefix: "198.18.4.0/24", country: "JP" },
          ];
          for (const [i, hop] of hops.entries()) {
            const { asn, asName, prefix, country } = hop;
            assertEquals(
              JSON.parse(JSON.stringify({ asn, asName, prefix, country })),
              want[i],
              `hop ${i + 1}`,
            );
          }
          assertEquals(hops[0]!.city, "Frankfurt am Main");
          assertEquals(hops[0]!.location, { latitude: 50.1188, longitude: 8.6843, accuracyKm: 20 });
          assertEquals(hops[3]!.city, undefined);
          assertEquals(hops.map((h) => h.asPath), ["AS64501", "*", "*", "AS64502"]);
        },
      );

      await t.step("IPv6 from the same database", async () => {
        const out = await runHopwise(lab, c.source, [
          "--json",
          "-n",
          "-q",
          "1",
          "-m",
          "1",
          `--as-source=${asnDb}`,
          c.target6,
        ]);
        assertEquals(out.code, 0, out.stderr);
        const [hop] = jsonHops(out.stdout);
        assertEquals([hop!.asn, hop!.asName, hop!.prefix], [64511, "LAB-V6", "2001:db8:0:1::/64"]);
      });

      await t.step("classic output keeps -A's form: [AS64501], [*]", async () => {
        const out = await runHopwise(lab, c.source, [
          "-n",
          "-q",
          "1",
          `--as-source=${asnDb}`,
          c.target4,
        ]);
        assertEquals(out.code, 0, out.stderr);
        const lines = classicLines(out.stdout);
        assertMatch(lines[0]!, new RegExp(`^ 1  ${r1.replaceAll(".", "\\.")} \\[AS64501\\] `));
        assertMatch(lines[1]!, new RegExp(`^ 2  ${r2.replaceAll(".", "\\.")} \\[\\*\\] `));
        assertMatch(lines[3]!, /\[AS64502\]/);
      });

      await t.step(
        "--as-source dns:asn.lab: Team Cymru's TXT records; garbage is unknown",
        async () => {
          const out = await runHopwise(lab, c.source, [
            "--json",
            "-q",
            "1",
            "--as-source",
            "dns:asn.lab",
            c.target4,
          ]);
          assertEquals(out.code, 0, out.stderr);
          assertEquals(out.stderr, "");
          const hops = jsonHops(out.stdout);
          assertEquals(hops.map((h) => h.name), ["r1.lab", null, "r3.lab", "dst.lab"]);
          assertEquals(hops.map((h) => h.asn ?? null), [64501, null, 64503, 64502]);
          assertEquals(hops.map((h) => h.asName ?? null), [
            "LAB-ONE - Lab One",
            null,
            null,
            "LAB-TRANSIT - Lab Transit",
          ]);
          assertEquals(hops.map((h) => h.prefix ?? null), [
            "198.18.1.0/24",
            null,
            "198.18.3.0/24",
            "198.18.4.0/24",
          ]);
          const classic = await runHopwise(lab, c.source, [
            "-q",
            "1",
            "--as-source=dns:asn.lab",
            c.target4,
          ]);
          assertEquals(classic.code, 0, classic.stderr);
          const lines = classicLines(classic.stdout);
          assertMatch(lines[0]!, /^ 1 {2}r1\.lab \(198\.18\.1\.2\) \[AS64501\] /);
          assertMatch(lines[1]!, /^ 2 {2}198\.18\.2\.2 \(198\.18\.2\.2\) \[\*\] /);
          assertMatch(lines[2]!, /^ 3 {2}r3\.lab \(198\.18\.3\.2\) \[AS64503\/AS64504\] /);
          assertEquals(hops.map((h) => h.asPath), ["AS64501", "*", "AS64503/AS64504", "AS64502"]);
        },
      );

      await t.step("bad databases: one line, exit 2, nothing printed", async () => {
        const text = `${dir}/text.mmdb`;
        await Deno.writeTextFile(text, "not a database\n");
        const whole = await Deno.readFile(asnDb);
        const truncated = `${dir}/truncated.mmdb`;
        await Deno.writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
        const cases: Array<[string[], RegExp]> = [
          [
            [`--as-source=${dir}/missing.mmdb`],
            /^hopwise: --as-source: .*missing\.mmdb: No such file or directory\n$/,
          ],
          [["--geoip", text], /^hopwise: --geoip: .*text\.mmdb: not a MaxMind database/],
          [
            [`--as-source=${truncated}`],
            /^hopwise: --as-source: .*truncated\.mmdb: not a MaxMind database/,
          ],
          [
            ["--geoip", asnDb],
            /^hopwise: --geoip: .*asn\.mmdb: has no country\.iso_code.*\(a GeoLite2-ASN database\)\n$/,
          ],
          [
            [`--as-source=${cityDb}`],
            /^hopwise: --as-source: .*city\.mmdb: has no autonomous_system_number or asn field/,
          ],
          [["--as-source=dns:"], /^hopwise: --as-source: bad source "dns:"/],
        ];
        for (const [args, pattern] of cases) {
          const out = await runHopwise(lab, c.source, ["-n", ...args, c.target4]);
          assertEquals([out.code, out.stdout], [2, ""], `${args.join(" ")}: ${out.stderr}`);
          assertMatch(out.stderr, pattern);
          assertEquals(out.stderr.trimEnd().split("\n").length, 1, out.stderr);
        }
      });

      await t.step(
        "a source that fails (silent, refusing) says so once, and the run goes on",
        async () => {
          await dns.use(c.source, "dead", "timeout:1 attempts:1");
          try {
            const out = await runHopwise(lab, c.source, [
              "-n",
              "-q",
              "1",
              "--as-source=dns:asn.lab",
              c.target4,
            ]);
            assertEquals(out.code, 0, out.stderr);
            assertEquals(out.stderr.trimEnd().split("\n").length, 1, out.stderr);
            assertMatch(out.stderr, /^hopwise: --as-source dns:asn\.lab: /);
            assertEquals(classicLines(out.stdout).length, 4);
            assertOk(classicLines(out.stdout).every((l) => l.includes("[!!]")), out.stdout);
          } finally {
            await dns.use(c.source, "live");
          }
          // A resolver that refuses the zone fails the source too, in its words (Deno.resolveDns
          // says "not found" for a refusal, as for a name without records).
          const refused = await runHopwise(lab, c.source, [
            "-n",
            "-q",
            "1",
            "--as-source=dns:asn.example",
            c.target4,
          ]);
          assertEquals(refused.code, 0, refused.stderr);
          assertEquals(
            refused.stderr,
            "hopwise: --as-source dns:asn.example: 198.18.250.2 answered REFUSED; " +
              "going on without it where it fails\n",
          );
          assertOk(classicLines(refused.stdout).every((l) => l.includes("[!!]")), refused.stdout);
        },
      );

      await t.step(
        "a damaged record: its warning has a line of its own where stdout and stderr meet",
        async () => {
          // JP's record alone holds "JP": damaged there, the file opens and the destination's
          // record does not read.
          const damaged = `${dir}/damaged.mmdb`;
          await Deno.writeFile(damaged, damageText(await Deno.readFile(cityDb), "JP"));
          const argv = hopwiseArgv(["-n", "--geoip", damaged, c.target4]);
          const out = await lab.exec(c.source, ["sh", "-c", 'exec "$@" 2>&1', "sh", ...argv], {
            env: { NO_COLOR: "1" },
          });
          assertEquals(out.code, 0, out.stdout);
          const lines = out.stdout.trimEnd().split("\n");
          const warning =
            `hopwise: --geoip ${damaged}: the record of ${dst} does not read (damaged:`;
          assertEquals(lines.filter((l) => l.startsWith(warning)).length, 1, out.stdout);
          const rest = lines.filter((l) => !l.startsWith(warning));
          assertMatch(rest[0]!, /^traceroute to \S+ \(\S+\), 30 hops max, 60 byte packets$/);
          assertEquals(rest.slice(1).map((l) => l.slice(0, 3)), [" 1 ", " 2 ", " 3 ", " 4 "]);
          assertMatch(rest[1]!, /\{DE, Frankfurt am Main\}/);
        },
      );

      await t.step("a dead resolver: 100 targets cost about one deadline beside -n", async () => {
        const targets = `${dir}/targets.txt`;
        // Each its own address (more than --parallel's 64: a trace waiting for names holds no place).
        const list = Array.from({ length: 100 }, (_, i) => `198.19.0.${i + 1}`);
        await Deno.writeTextFile(targets, list.join("\n") + "\n");
        // Unpaced: the run takes a fraction of a second, so that a second deadline would show.
        const args = ["-I", "-q", "1", "--rate", "0", "--targets", targets];
        const numeric = await runHopwise(lab, c.source, ["-n", ...args]);
        assertEquals(numeric.code, 0, numeric.stderr);
        // glibc's default: two tries of 5 s each, for every address.
        await dns.use(c.source, "dead");
        let named;
        try {
          named = await runHopwise(lab, c.source, args);
        } finally {
          await dns.use(c.source, "live");
        }
        assertEquals(named.code, 0, named.stderr);
        const deadline = NAME_CACHE.deadline;
        // At least the deadline (the resolver really is dead), at most about one more than -n.
        assertOk(
          named.ms > deadline - 500 && named.ms < numeric.ms + deadline + 3000,
          `names: ${Math.round(named.ms)} ms, -n: ${Math.round(numeric.ms)} ms`,
        );
        // Every block, in input order, its addresses unnamed.
        const heads = named.stdout.split("\n").filter((l) => l.startsWith("traceroute to "));
        assertEquals(heads.map((l) => /\(([\d.]+)\)/.exec(l)![1]), list);
        // The same blocks as -n's, each address printed as its own name.
        const plain = (text: string) => withoutRtts(text).replaceAll(/(\S+) \(\1\)/g, "$1");
        assertEquals(plain(named.stdout), plain(numeric.stdout));
      });

      await t.step("a dead resolver never holds up a report's cycles", async () => {
        await dns.use(c.source, "dead");
        let out;
        try {
          out = await runHopwise(lab, c.source, [
            "--report",
            "--cycles",
            "3",
            "--interval",
            "0.2",
            c.target4,
          ]);
        } finally {
          await dns.use(c.source, "live");
        }
        assertEquals(out.code, 0, out.stderr);
        assertOk(out.ms < NAME_CACHE.deadline, `took ${Math.round(out.ms)} ms`);
        assertOk(out.stdout.includes(dst), out.stdout);
      });
    } finally {
      await dns.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
