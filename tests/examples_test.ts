/**
 * The fleet examples hold: examples/prometheus.yml is a valid Prometheus
 * configuration, examples/hopwise_alerts.yml valid rules whose unit tests
 * (examples/hopwise_alerts_test.yml) pass, every metric they name is one
 * hopwise exposes (and the unit tests' input series carry its labels), and
 * examples/hopwise.service is a unit systemd reads without a complaint.
 *
 * The promtool tests need Prometheus's promtool (Debian: `prometheus`); the
 * unit's, systemd-analyze. Each is ignored, with a line saying so, where its
 * tool is missing.
 *
 * @module
 */
import { assertEquals, assertOk, assertStringIncludes } from "./assert.ts";
import { formatMetrics } from "../src/output/metrics.ts";
import type { FleetFigures } from "../src/core/fleet_model.ts";
import { hasTool, read, root, run } from "./helpers/repo_commands.ts";

/** The labels Prometheus's scrape adds to every series (`vantage` from examples/prometheus.yml). */
const SCRAPE_LABELS: ReadonlySet<string> = new Set(["instance", "job", "vantage"]);

/** A fleet with one sample of every family: a target up (a hop, an address, a finding) and one down. */
const FLEET: FleetFigures = {
  version: "0.0.0-test",
  probesSent: 12,
  sendErrors: { ENETUNREACH: 1 },
  targets: [
    {
      target: "db.example.net",
      labels: { service: "db" },
      address: "198.18.1.2",
      method: "icmp",
      up: true,
      downReason: null,
      reached: true,
      pathHops: 1,
      pathChanges: 0,
      cycles: 3,
      lastCycleAt: null,
      hops: [{
        ttl: 1,
        sent: 3,
        received: 3,
        rttBuckets: [],
        rttSum: 0.003,
        rttCount: 3,
        lastRtt: 0.001,
        addresses: [{ address: "198.18.1.2", name: null }],
        addressesOmitted: 0,
      }],
      findings: [{ kind: "rate-limited", ttl: 1, text: "" }],
    },
    {
      target: "db2.example.net",
      labels: { service: "db" },
      address: null,
      method: "icmp",
      up: false,
      downReason: "Name or service not known",
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

/**
 * The families hopwise exposes (the names of its `# TYPE` lines), each with
 * the label names its samples carry.
 */
function exposedFamilies(): Map<string, Set<string>> {
  const text = formatMetrics(FLEET);
  const families = new Map<string, Set<string>>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.set(name!, new Set(type === "histogram" ? ["le"] : []));
  }
  for (const [, name, labels = ""] of text.matchAll(/^([a-z_]+)(?:\{(.*)\})? \S+$/gm)) {
    const names = [...labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]!);
    for (const label of names) families.get(family(name!, families))?.add(label);
  }
  return families;
}

/** The family of a series' name: a histogram's `_bucket`, `_sum` and `_count` count as it. */
function family(name: string, families: ReadonlyMap<string, unknown>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return families.has(name) || !families.has(base) ? name : base;
}

/**
 * The `hopwise_*` names a YAML file uses: in every line but its comments,
 * leaving out the example files' own names (`hopwise_alerts.yml`).
 */
function hopwiseNames(path: string): Set<string> {
  const text = read(path).split("\n").map((line) => line.replace(/(^|\s)#.*$/, "")).join("\n")
    .replace(/hopwise_[a-z_]+\.yml/g, "");
  return new Set([...text.matchAll(/hopwise_[a-z_]+/g)].map((m) => m[0]));
}

const promtool = hasTool("promtool");
if (!promtool) {
  // deno-lint-ignore no-console
  console.log("promtool tests ignored: needs promtool (apt-get install prometheus)");
}

Deno.test({
  name: "examples/prometheus.yml passes promtool check config",
  ignore: !promtool,
  fn: async () => {
    // Its syntax, in place.
    const syntax = await run("promtool", [
      "check",
      "config",
      "--syntax-only",
      "examples/prometheus.yml",
    ]);
    assertEquals({ code: syntax.code, stderr: syntax.stderr }, { code: 0, stderr: "" });
    // Whole (the rule file read and checked too), as installed: promtool also checks that the
    // token file named by `credentials_file` exists (not the CA file, which it does not open),
    // and relative names are taken from the configuration's folder. So: the two files, byte for
    // byte, in a folder with a token file beside them.
    const dir = await Deno.makeTempDir({ prefix: "hopwise_examples_" });
    try {
      for (const file of ["prometheus.yml", "hopwise_alerts.yml"]) {
        await Deno.copyFile(new URL(`examples/${file}`, root), `${dir}/${file}`);
      }
      await Deno.writeTextFile(`${dir}/hopwise.token`, "lab-scrape-token\n", { mode: 0o600 });
      const out = await run("promtool", ["check", "config", `${dir}/prometheus.yml`]);
      assertEquals({ code: out.code, stderr: out.stderr }, { code: 0, stderr: "" });
      assertStringIncludes(out.stdout, "SUCCESS: 1 rule files found");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "examples/hopwise_alerts.yml passes promtool check rules",
  ignore: !promtool,
  fn: async () => {
    const out = await run("promtool", ["check", "rules", "examples/hopwise_alerts.yml"]);
    assertEquals({ code: out.code, stderr: out.stderr }, { code: 0, stderr: "" });
    assertStringIncludes(out.stdout, "SUCCESS");
  },
});

Deno.test({
  name: "examples/hopwise_alerts_test.yml: the alert rules' unit tests pass",
  ignore: !promtool,
  fn: async () => {
    const out = await run("promtool", ["test", "rules", "examples/hopwise_alerts_test.yml"]);
    assertEquals(out.code, 0, `promtool test rules failed:\n${out.stdout}${out.stderr}`);
    assertStringIncludes(out.stdout, "SUCCESS");
  },
});

Deno.test("every metric the rules, their tests and the scrape config name is one hopwise exposes", () => {
  const families = exposedFamilies();
  const unknown: string[] = [];
  for (const path of ["hopwise_alerts.yml", "hopwise_alerts_test.yml", "prometheus.yml"]) {
    const names = hopwiseNames(`examples/${path}`);
    if (path === "hopwise_alerts.yml") {
      // The extraction found the rules' names: a check of nothing would pass too.
      assertOk(names.has("hopwise_finding") && names.size >= 5, `too few names: ${[...names]}`);
    }
    for (const name of names) {
      if (!families.has(family(name, families))) unknown.push(`${path}: ${name}`);
    }
  }
  assertEquals(unknown, []);
});

Deno.test("the rules' unit tests write their input series with hopwise's names and labels", () => {
  const families = exposedFamilies();
  const text = read("examples/hopwise_alerts_test.yml");
  const wrong: string[] = [];
  let count = 0;
  for (const [, name, labels] of text.matchAll(/^\s*- series: '([a-z_]+)\{(.*)\}'$/gm)) {
    count++;
    const known = families.get(family(name!, families));
    if (known === undefined) {
      wrong.push(`${name}: not a hopwise metric`);
      continue;
    }
    for (const [, label] of labels!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      if (!known.has(label!) && !SCRAPE_LABELS.has(label!)) wrong.push(`${name}: label ${label}`);
    }
  }
  assertOk(count >= 20, `only ${count} input series found`);
  assertEquals(wrong, []);
});

const systemdAnalyze = hasTool("systemd-analyze");
if (!systemdAnalyze) {
  // deno-lint-ignore no-console
  console.log("systemd unit test ignored: needs systemd-analyze (systemd)");
}

Deno.test({
  name: "examples/hopwise.service: systemd-analyze verify finds nothing but what is not installed",
  ignore: !systemdAnalyze,
  fn: async () => {
    const out = await run("systemd-analyze", ["verify", "examples/hopwise.service"]);
    // Where hopwise and its man page are not installed, verify says so (and exits 1); an
    // unknown key, a bad value or a missing section would be another line.
    const notInstalled = [
      /^hopwise\.service: Command \/usr\/local\/bin\/hopwise is not executable: /,
      /^hopwise\.service: Command 'man hopwise\(1\)' failed with code /,
    ];
    const lines = `${out.stdout}${out.stderr}`.split("\n").filter((l) => l.trim() !== "");
    assertEquals(lines.filter((l) => !notInstalled.some((re) => re.test(l))), []);
    if (lines.length === 0) assertEquals(out.code, 0);
  },
});
