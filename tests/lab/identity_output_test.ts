/**
 * What --as-source and --geoip learn, in each output, on a real trace: the
 * lab's chain with a small ASN and a small City database (made by Debian's
 * writer, tests/helpers/mmdb_writer.ts). The classic place in braces, the
 * report's identity columns and CSV, the report's JSON fields and its
 * --ndjson cycle lines, the multipath text, JSON and graph (--flows, --mda),
 * the service taking both databases from its configuration file, the
 * findings' words, and --privacy (the service's too) leaving none of a
 * hidden hop's identity. The
 * expected values come from the databases written here.
 */
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason, runHopwise, startIn } from "../../lab/harness.ts";
import { mmdbSkipReason, writeMmdb } from "../helpers/mmdb_writer.ts";
import { scrapeInLab } from "../helpers/scrape.ts";

const reason = labSkipReason("identity output lab tests") ?? mmdbSkipReason();

/** hop 1 in AS64501 (Frankfurt), hops 2 and 3 in AS64502 (hop 3 in NL, no city), hop 4 unknown. */
async function databases(dir: string): Promise<string[]> {
  await writeMmdb(`${dir}/asn.mmdb`, {
    type: "GeoLite2-ASN",
    networks: [
      {
        prefix: "198.18.1.0/24",
        data: { autonomous_system_number: 64501, autonomous_system_organization: "Example-Access" },
      },
      {
        prefix: "198.18.2.0/23",
        data: {
          autonomous_system_number: 64502,
          autonomous_system_organization: "Example-Transit",
        },
      },
    ],
  });
  await writeMmdb(`${dir}/city.mmdb`, {
    type: "GeoLite2-City",
    networks: [
      {
        prefix: "198.18.1.0/24",
        data: {
          country: { iso_code: "DE" },
          city: { names: { en: "Frankfurt am Main" } },
          location: { latitude: 50.11, longitude: 8.68, accuracy_radius: 20 },
        },
      },
      { prefix: "198.18.3.0/24", data: { country: { iso_code: "NL" } } },
    ],
  });
  // The trace runs as root in the lab; its files must be readable there.
  await Deno.chmod(dir, 0o755);
  return ["--as-source", `${dir}/asn.mmdb`, "--geoip", `${dir}/city.mmdb`];
}

Deno.test({
  name:
    "identity in every output: classic place, report columns, CSV, JSON, JSON Lines, multipath, service config, findings, --privacy",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-identity-" });
    try {
      const sources = await databases(dir);
      await using lab = await Lab.create();
      // r2 drops 30% of what it forwards: real loss from hop 3 on.
      const c = await chain(lab, { routers: 3, forwardLoss: [{ hop: 2, share: 0.3 }] });
      const run = async (args: string[]) => {
        const r = await runHopwise(lab, c.source, ["-n", ...sources, ...args, c.target4]);
        assertEquals(r.code, 0, r.stderr);
        return r.stdout;
      };
      // The findings need a hundred cycles to judge the loss; the rest, ten.
      const report = ["--report", "--cycles", "100", "--interval", "0.01"];
      const short = ["--report", "--cycles", "10", "--interval", "0.01"];

      await t.step("classic: [AS] as Linux prints it, then the place in braces", async () => {
        // Hops 1 and 2 lose nothing (the loss is in what r2 forwards); hop 3's {NL} is the report's.
        const lines = (await run(["-q", "1"])).split("\n");
        assertMatch(lines[1]!, /^ 1 {2}198\.18\.1\.2 \[AS64501\] \{DE, Frankfurt am Main\} {2}\d/);
        assertMatch(lines[2]!, /^ 2 {2}198\.18\.2\.2 \[AS64502\] {2}\d/);
      });

      await t.step(
        "report: identity columns, and the findings name network and place",
        async () => {
          const text = await run([...report, "--columns", "ASN,AS_Name,CC,City,Loss%,Snt"]);
          const lines = text.split("\n");
          assertMatch(lines[1]!, /ASN +AS Name +CC City +Loss% +Snt$/);
          assertMatch(lines[2]!, /AS64501 Example-Access +DE Frankfurt am Main +0\.0% +100$/);
          assertMatch(lines[4]!, /AS64502 Example-Transit NL +\d+\.\d% +100$/);
          assertStringIncludes(
            text,
            "loss begins at hop 3 (198.18.3.2, AS64502 Example-Transit, NL)",
          );
        },
      );

      await t.step("report: CSV columns and JSON fields", async () => {
        const csv = (await run([...short, "--csv", "--columns", "ASN,AS_Name,CC,City"]))
          .split("\n");
        assertEquals(
          csv[0],
          "Hopwise_Version,Start_Time,Status,Host,Hop,Ip,Name,Share,ASN,AS_Name,CC,City",
        );
        assertOk(
          csv[1]!.endsWith(",198.18.1.2,,1,64501,Example-Access,DE,Frankfurt am Main"),
          csv[1],
        );
        const doc = JSON.parse(await run([...short, "--json"]));
        const first = doc.hops[0].addresses[0];
        assertEquals(
          [first.asn, first.asName, first.prefix, first.country, first.city, first.location],
          [64501, "Example-Access", "198.18.1.0/24", "DE", "Frankfurt am Main", {
            latitude: 50.11,
            longitude: 8.68,
            accuracyKm: 20,
          }],
        );
        assertEquals(doc.hops[3].addresses[0].asn, undefined, "the destination is in no network");
      });

      await t.step(
        "without --columns: the report adds the places after mtr's columns, the CSV all it looked up",
        async () => {
          const lines = (await run(short)).split("\n");
          // The AS is in the host column, as mtr -z shows it; the places in their own columns.
          assertMatch(lines[1]!, /Loss% +Snt +Last +Avg +Best +Wrst StDev CC City$/);
          assertMatch(lines[2]!, /198\.18\.1\.2 \[AS64501\] .* DE Frankfurt am Main$/);
          assertMatch(lines[3]!, /198\.18\.2\.2 \[AS64502\] .*\d$/);
          const csv = (await run([...short, "--csv"])).split("\n");
          assertMatch(csv[0]!, /,Loss%,Snt,Last,Avg,Best,Wrst,StDev,ASN,AS_Name,CC,City$/);
          assertMatch(csv[1]!, /,198\.18\.1\.2,,1,.*,64501,Example-Access,DE,Frankfurt am Main$/);
        },
      );

      await t.step(
        "report --ndjson: every cycle line carries each responder's AS and place",
        async () => {
          const lines = (await run([...short, "--ndjson"])).trim().split("\n").map((l) =>
            JSON.parse(l)
          );
          const cycles = lines.filter((l) => l.type === "cycle");
          assertEquals(cycles.length, 10);
          // The end line's first address, as report/1 gives it: each cycle says the same of it.
          const known = lines.at(-1).hops[0].addresses[0];
          const fields = ["asn", "asName", "prefix", "country", "city", "location"];
          type Probe = Record<string, unknown> & { ttl: number };
          for (const cycle of cycles) {
            const at = (ttl: number) => cycle.probes.find((p: Probe) => p.ttl === ttl);
            const first = at(1);
            assertEquals(first.address, "198.18.1.2");
            assertEquals(first.asPath, "AS64501");
            assertEquals(fields.map((f) => first[f]), fields.map((f) => known[f]));
            assertEquals(first.city, "Frankfurt am Main");
            assertOk(!("name" in first) && !("identity" in first), JSON.stringify(first));
            // Hop 2 is in AS64502 and in no place the City database knows.
            assertEquals([at(2).asn, at(2).asName, "country" in at(2)], [
              64502,
              "Example-Transit",
              false,
            ]);
          }
        },
      );

      await t.step(
        "--flows and --mda: text, JSON, --dot and --html carry each node's AS and place",
        async () => {
          const lines = (await run(["--flows", "4"])).split("\n");
          assertMatch(
            lines[1]!,
            /^ 1 {2}198\.18\.1\.2 \[AS64501\] \{DE, Frankfurt am Main\} {2}\d+\.\d{3} ms {2}flows 0-3$/,
          );
          assertMatch(lines[2]!, /^ 2 {2}198\.18\.2\.2 \[AS64502\] {2}\d+\.\d{3} ms {2}flows 0-3$/);
          const doc = JSON.parse(await run(["--mda", "--json"]));
          const [one, two] = [doc.hops[0].nodes[0], doc.hops[1].nodes[0]];
          assertEquals(
            [one.address, one.asPath, one.asn, one.asName, one.prefix, one.country, one.city],
            [
              "198.18.1.2",
              "AS64501",
              64501,
              "Example-Access",
              "198.18.1.0/24",
              "DE",
              "Frankfurt am Main",
            ],
          );
          assertEquals(one.location, { latitude: 50.11, longitude: 8.68, accuracyKm: 20 });
          assertEquals([two.asn, two.country], [64502, undefined]);
          const dot = await run(["--flows", "4", "--dot"]);
          assertStringIncludes(dot, "AS64501 Example-Access, Frankfurt am Main, DE");
          assertStringIncludes(dot, "AS64502 Example-Transit");
          // The page's graph and its hop rows: the same words. Written as nobody, once root is dropped.
          await Deno.mkdir(`${dir}/pages`);
          await Deno.chmod(`${dir}/pages`, 0o777);
          await run(["--flows", "4", "--html", `${dir}/pages/flows.html`]);
          const page = await Deno.readTextFile(`${dir}/pages/flows.html`);
          assertOk(
            page.split("AS64501 Example-Access, Frankfurt am Main, DE").length >= 3,
            "in the graph and in hop 1's row",
          );
        },
      );

      /**
       * Runs the service from a configuration taking both databases (relative names: beside it)
       * and `top`'s keys, until /metrics has every asn of `asns` and the target's page `place`;
       * gives that scrape and page.
       */
      const serve = async (top: string, asns: string[], place: string) => {
        const config = `${dir}/hopwise.toml`;
        await Deno.writeTextFile(
          config,
          `as_source = "asn.mmdb"\ngeoip = "city.mmdb"\ninterval = 0.2\n${top}` +
            `[[target]]\nhost = "${c.target4}"\nmethod = "icmp"\n`,
        );
        const service = startIn(lab, c.source, [
          ...hopwiseArgv(["--serve", "127.0.0.1:9812", "-n", "--config", config]),
        ]);
        const page = `http://127.0.0.1:9812/target?name=${c.target4}`;
        const scraped = await scrapeInLab(lab, c.source, [
          { url: "http://127.0.0.1:9812/metrics", needles: asns.map((asn) => `asn="${asn}"`) },
          { url: page, needles: [place] },
        ]);
        service.kill("SIGTERM");
        const { code, stderr } = await service.done;
        assertEquals(code, 0, stderr);
        assertOk(scraped !== null, `no AS and place within 10 s: ${stderr}`);
        const [metrics = "", html = ""] = scraped;
        return { metrics, html };
      };

      await t.step(
        "--serve --config with as_source and geoip: AS on /metrics, place on the page",
        async () => {
          const { metrics, html } = await serve("", ["64501", "64502"], "Frankfurt");
          const info = metrics.split("\n")
            .filter((l) =>
              l.startsWith("hopwise_hop_address_info{") && l.includes('address="198.18.')
            );
          const asnOf = (address: string) =>
            info.find((l) => l.includes(`address="${address}"`))?.match(/asn="(\d+)"/)?.[1] ?? null;
          assertEquals(
            [asnOf("198.18.1.2"), asnOf("198.18.2.2")],
            ["64501", "64502"],
            info.join("\n"),
          );
          // The country where the database has one (hop 1's network), none where it has not.
          const countryOf = (address: string) =>
            info.find((l) => l.includes(`address="${address}"`))?.match(/country="(\w+)"/)?.[1] ??
              null;
          assertEquals([countryOf("198.18.1.2"), countryOf("198.18.2.2")], ["DE", null]);
          assertStringIncludes(html, "AS64501 Example-Access, Frankfurt am Main, DE");
        },
      );

      await t.step(
        "--serve --config with privacy = 1: nothing of hop 1's identity on /metrics or the page",
        async () => {
          const { metrics, html } = await serve("privacy = 1\n", ["64502"], "AS64502");
          const leaked = ["198.18.1.2", "64501", "Example-Access", "Frankfurt", 'country="DE"']
            .filter((s) => metrics.includes(s) || html.includes(s));
          assertEquals(leaked, [], metrics);
          assertOk(
            metrics.split("\n").some((l) =>
              l.startsWith("hopwise_hop_address_info{") && l.includes('ttl="1"') &&
              l.includes('address="hidden-1",name=""}')
            ),
            metrics,
          );
        },
      );

      await t.step("--privacy 1: nothing of hop 1's identity in any output", async () => {
        for (
          const args of [
            ["-q", "1"],
            ["--json"],
            [...short, "--columns", "ASN,AS_Name,CC,City"],
            [...short, "--ndjson"],
            ["--flows", "4"],
            ["--flows", "4", "--json"],
          ]
        ) {
          const out = await run(["--privacy", "1", ...args]);
          const leaked = ["198.18.1.2", "64501", "Example-Access", "Frankfurt", "DE"]
            .filter((s) => out.includes(s));
          assertEquals(leaked, [], out);
          assertStringIncludes(out, "AS64502", "hop 2's AS is shown");
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
