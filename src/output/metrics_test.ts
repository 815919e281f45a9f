import { assertEquals, assertOk, assertStringIncludes } from "../../tests/assert.ts";
import { type FleetFigures, type HopFigures, RTT_BUCKETS_SECONDS } from "../core/fleet_model.ts";
import {
  formatMetrics,
  isExtraLabelName,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics.ts";
import { hasTool } from "../../tests/helpers/repo_commands.ts";

/** A hop of `FLEET`'s first target. */
function hop(ttl: number, over: Partial<HopFigures> = {}): HopFigures {
  return {
    ttl,
    sent: 40,
    received: 0,
    rttBuckets: RTT_BUCKETS_SECONDS.map(() => 0),
    rttSum: 0,
    rttCount: 0,
    lastRtt: null,
    addresses: [],
    addressesOmitted: 0,
    ...over,
  };
}

/**
 * Two targets: 198.18.2.2, up, three hops (the first from two addresses and
 * one omitted, the second silent, the third the destination), a loss finding
 * given twice and a path-wide one, and extra labels of which five cannot be
 * used (`bad-name` and `__meta` are no label names; `target`, `asn` and
 * `country` are the series' own); down.example, down.
 */
const FLEET: FleetFigures = {
  version: "0.1.0",
  probesSent: 240,
  sendErrors: { ENETUNREACH: 3, EHOSTUNREACH: 1 },
  targets: [
    {
      target: "198.18.2.2",
      labels: {
        site: 'par"is',
        service: "db",
        "bad-name": "x",
        __meta: "y",
        target: "clash",
        asn: "clash",
        country: "clash",
      },
      address: "198.18.2.2",
      method: "icmp",
      up: true,
      downReason: null,
      reached: true,
      pathHops: 3,
      pathChanges: 2,
      cycles: 40,
      lastCycleAt: "2026-12-02T12:04:21.000Z",
      hops: [
        hop(1, {
          received: 40,
          rttBuckets: [0, 0, 10, 30, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40],
          rttSum: 0.0246813,
          rttCount: 40,
          lastRtt: 0.0000153,
          addresses: [
            { address: "198.18.0.1", name: "gw\\1\n.lab" },
            { address: "198.18.0.5", name: null },
          ],
          addressesOmitted: 1,
        }),
        hop(2),
        hop(3, {
          received: 36,
          rttBuckets: [0, 0, 0, 0, 0, 0, 12, 30, 35, 35, 35, 35, 35, 35, 35, 35],
          rttSum: 0.61,
          rttCount: 36,
          lastRtt: 0.0123,
          addresses: [
            { address: "198.18.2.2", name: "db.lab", identity: { asn: 64502, country: "DE" } },
          ],
        }),
      ],
      findings: [
        { kind: "loss", ttl: 3, text: "10% of the probes to the destination are lost" },
        { kind: "loss", ttl: 3, text: "the same, told twice" },
        { kind: "path-change", ttl: null, text: "the path changed" },
      ],
    },
    {
      target: "down.example",
      labels: { site: "ams" },
      address: null,
      method: "icmp",
      up: false,
      downReason: 'does not resolve: "down.example"',
      reached: false,
      pathHops: null,
      pathChanges: 0,
      cycles: 0,
      lastCycleAt: null,
      hops: [],
      findings: [],
    },
  ],
};

const TEXT = formatMetrics(FLEET);
const OPEN = formatMetrics(FLEET, { openMetrics: true });
/** The first target's labels after its own, as every series of it has them. */
const EXTRA = 'site="par\\"is",service="db"';

/** The lines of `text` that are samples of `name` (with its suffixes). */
function samples(text: string, name: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

Deno.test("formatMetrics writes the fleet's series with their labels", () => {
  const lines = TEXT.split("\n");
  for (
    const line of [
      'hopwise_build_info{version="0.1.0"} 1',
      "hopwise_probes_sent_total 240",
      'hopwise_probe_send_errors_total{reason="EHOSTUNREACH"} 1',
      'hopwise_probe_send_errors_total{reason="ENETUNREACH"} 3',
      `hopwise_hop_sent_total{target="198.18.2.2",ttl="1",${EXTRA}} 40`,
      `hopwise_hop_received_total{target="198.18.2.2",ttl="3",${EXTRA}} 36`,
      `hopwise_hop_last_rtt_seconds{target="198.18.2.2",ttl="1",${EXTRA}} 1.53e-05`,
      `hopwise_hop_last_rtt_seconds{target="198.18.2.2",ttl="3",${EXTRA}} 0.0123`,
      `hopwise_hop_rtt_seconds_sum{target="198.18.2.2",ttl="1",${EXTRA}} 0.0246813`,
      `hopwise_hop_addresses_omitted{target="198.18.2.2",ttl="1",${EXTRA}} 1`,
      `hopwise_path_hops{target="198.18.2.2",${EXTRA}} 3`,
      `hopwise_path_changes_total{target="198.18.2.2",${EXTRA}} 2`,
      `hopwise_cycles_total{target="198.18.2.2",${EXTRA}} 40`,
      `hopwise_destination_reached{target="198.18.2.2",${EXTRA}} 1`,
      'hopwise_destination_reached{target="down.example",site="ams"} 0',
      `hopwise_target_up{target="198.18.2.2",${EXTRA}} 1`,
      'hopwise_target_up{target="down.example",site="ams"} 0',
      "# HELP hopwise_hop_rtt_seconds Round-trip times of the answers at this TTL since the service started.",
      "# TYPE hopwise_hop_rtt_seconds histogram",
      "# TYPE hopwise_hop_sent_total counter",
      "# TYPE hopwise_hop_address_info gauge",
    ]
  ) {
    assertOk(lines.includes(line), `no line ${line}`);
  }
  // Absent while null: the silent hop's last round trip, the down target's path length.
  assertEquals(samples(TEXT, "hopwise_hop_last_rtt_seconds").length, 2);
  assertEquals(samples(TEXT, "hopwise_path_hops").length, 1);
  // Down: only the down target, with its reason.
  assertEquals(samples(TEXT, "hopwise_target_down_info"), [
    'hopwise_target_down_info{target="down.example",reason="does not resolve: \\"down.example\\"",site="ams"} 1',
  ]);
  // Every family has its HELP and TYPE, the TYPE right after the HELP.
  const families = lines.filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]!);
  assertEquals(families.length, 16);
  for (const family of families) {
    const at = lines.findIndex((l) => l.startsWith(`# HELP ${family} `));
    assertOk(at >= 0 && lines[at + 1]!.startsWith(`# TYPE ${family} `), `${family} has no HELP`);
  }
  assertOk(TEXT.endsWith("\n") && !TEXT.includes("# EOF"));
});

Deno.test("formatMetrics escapes label values and leaves out unusable extra labels", () => {
  assertEquals(samples(TEXT, "hopwise_hop_address_info"), [
    `hopwise_hop_address_info{target="198.18.2.2",ttl="1",address="198.18.0.1",name="gw\\\\1\\n.lab",${EXTRA}} 1`,
    `hopwise_hop_address_info{target="198.18.2.2",ttl="1",address="198.18.0.5",name="",${EXTRA}} 1`,
    `hopwise_hop_address_info{target="198.18.2.2",ttl="3",address="198.18.2.2",name="db.lab",asn="64502",country="DE",${EXTRA}} 1`,
  ]);
  // Every series of a target has all its usable extra labels, and none of the others.
  for (const line of TEXT.split("\n").filter((l) => l.includes('target="198.18.2.2"'))) {
    assertStringIncludes(line, EXTRA);
    assertOk(!/bad-name|__meta|clash/.test(line), line);
  }
  for (const name of ["site", "service", "region2", "Site_B"]) assertOk(isExtraLabelName(name));
  for (
    const name of ["bad-name", "__meta", "_private", "9lives", "", "target", "ttl", "le", "name"]
  ) {
    assertOk(!isExtraLabelName(name), name);
  }
});

Deno.test("formatMetrics writes a finding of one kind and hop once, ttl empty for the path", () => {
  assertEquals(samples(TEXT, "hopwise_finding"), [
    `hopwise_finding{target="198.18.2.2",kind="loss",ttl="3",${EXTRA}} 1`,
    `hopwise_finding{target="198.18.2.2",kind="path-change",ttl="",${EXTRA}} 1`,
  ]);
});

Deno.test("formatMetrics writes each histogram's buckets cumulative, +Inf equal to the count", () => {
  for (const text of [TEXT, OPEN]) {
    for (const ttl of [1, 2, 3]) {
      const series = `target="198.18.2.2",ttl="${ttl}",${EXTRA}`;
      const buckets = samples(text, "hopwise_hop_rtt_seconds_bucket")
        .filter((l) => l.startsWith(`hopwise_hop_rtt_seconds_bucket{${series},le=`))
        .map((l) => /le="([^"]+)"\} (\d+)$/.exec(l)!);
      assertEquals(
        buckets.map((m) => m[1]),
        [...RTT_BUCKETS_SECONDS.map((b) => (Number.isInteger(b) ? `${b}.0` : String(b))), "+Inf"],
      );
      const counts = buckets.map((m) => Number(m[2]));
      counts.forEach((c, i) => assertOk(i === 0 || c >= counts[i - 1]!, `ttl ${ttl}: ${counts}`));
      const count = samples(text, "hopwise_hop_rtt_seconds_count")
        .find((l) => l.startsWith(`hopwise_hop_rtt_seconds_count{${series}}`));
      assertEquals(Number(count?.split(" ")[1]), counts.at(-1));
    }
  }
  // The destination: 35 within 50 ms, one above 10 s (+Inf only).
  const destination = samples(TEXT, "hopwise_hop_rtt_seconds_bucket")
    .filter((l) => l.includes('ttl="3"')).slice(-3);
  assertEquals(destination.map((l) => l.replace(/.*le=/, "")), [
    '"5.0"} 35',
    '"10.0"} 35',
    '"+Inf"} 36',
  ]);
});

Deno.test("formatMetrics in OpenMetrics names counter families without _total and ends with # EOF", () => {
  const lines = OPEN.split("\n");
  assertOk(OPEN.endsWith("\n# EOF\n"), "ends with # EOF");
  assertEquals(lines.filter((l) => l === "# EOF").length, 1);
  for (
    const line of [
      "# TYPE hopwise_hop_sent counter",
      "# HELP hopwise_hop_sent Probes sent with this TTL since the service started.",
      `hopwise_hop_sent_total{target="198.18.2.2",ttl="1",${EXTRA}} 40`,
      "# TYPE hopwise_probes_sent counter",
      "hopwise_probes_sent_total 240",
      "# TYPE hopwise_hop_rtt_seconds histogram",
      "# UNIT hopwise_hop_rtt_seconds seconds",
      "# TYPE hopwise_hop_last_rtt_seconds gauge",
      "# UNIT hopwise_hop_last_rtt_seconds seconds",
      "# TYPE hopwise_build_info gauge",
      'hopwise_build_info{version="0.1.0"} 1',
    ]
  ) {
    assertOk(lines.includes(line), `no line ${line}`);
  }
  assertOk(!OPEN.includes("# TYPE hopwise_hop_sent_total"), "a counter's family has no _total");
  // Only metadata and # EOF start with #; TYPE comes first.
  for (const line of lines.filter((l) => l.startsWith("#"))) {
    assertOk(/^# (TYPE|UNIT|HELP) hopwise_[a-z_]+ \S|^# EOF$/.test(line), line);
  }
  // The same series as the text format, sample for sample.
  const sampleLines = (text: string) => text.split("\n").filter((l) => l !== "" && l[0] !== "#");
  assertEquals(sampleLines(OPEN), sampleLines(TEXT));
});

Deno.test("formatMetrics writes an empty fleet's families and no sample but the totals", () => {
  const text = formatMetrics({ version: "0.1.0", probesSent: 0, sendErrors: {}, targets: [] });
  assertEquals(text.split("\n").filter((l) => l !== "" && l[0] !== "#"), [
    'hopwise_build_info{version="0.1.0"} 1',
    "hopwise_probes_sent_total 0",
  ]);
});

Deno.test("the content types are those of the two formats", () => {
  assertEquals(PROMETHEUS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
  assertEquals(
    OPENMETRICS_CONTENT_TYPE,
    "application/openmetrics-text; version=1.0.0; charset=utf-8",
  );
});

/** Runs promtool with `input` on its standard input. */
async function promtool(
  args: string[],
  input: string,
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, output: text.decode(out.stdout) + text.decode(out.stderr) };
}

const promtoolHere = hasTool("promtool");
if (!promtoolHere) {
  // deno-lint-ignore no-console
  console.log("promtool test ignored: needs promtool (apt-get install prometheus)");
}

Deno.test({
  name: "both formats pass promtool",
  ignore: !promtoolHere,
  fn: async () => {
    // The text format: parsed and linted with no complaint.
    assertEquals(await promtool(["check", "metrics"], TEXT), { code: 0, output: "" });

    // OpenMetrics through the same check (it reads the 0.0.4 text format): parsed, and the
    // only complaints are those OpenMetrics's counter naming causes there, where `# HELP x`
    // names another family than `x_total`'s samples (lint problems: exit status 3).
    const counters = ["cycles", "hop_received", "hop_sent", "path_changes", "probe_send_errors"]
      .concat("probes_sent").map((c) => `hopwise_${c}_total no help text\n`).join("");
    assertEquals(await promtool(["check", "metrics"], OPEN), { code: 3, output: counters });

    // OpenMetrics through Prometheus's own OpenMetrics parser, that of the backfill (which
    // wants a timestamp on every sample, so one is added): every series read.
    const stamped = OPEN.replace(/^([^#\n].*)$/gm, "$1 1700000000");
    const dir = await Deno.makeTempDir({ prefix: "hopwise-metrics-" });
    try {
      await Deno.writeTextFile(`${dir}/metrics.om`, stamped);
      const out = await promtool(
        ["tsdb", "create-blocks-from", "openmetrics", `${dir}/metrics.om`, `${dir}/blocks`],
        "",
      );
      const series = OPEN.split("\n").filter((l) => l !== "" && l[0] !== "#").length;
      assertEquals(out.code, 0, out.output);
      assertOk(new RegExp(` ${series} +${series} +${series} `).test(out.output), out.output);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
