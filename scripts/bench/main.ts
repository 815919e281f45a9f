/**
 * Benchmarks hopwise (run from source) against Linux traceroute on lab
 * topologies built with tests/lab, as root:
 *
 *   deno task bench                       every topology, 5 runs of each command
 *   deno task bench --runs 9 --only A,D   9 runs each, topologies A and D only
 *   deno task bench --pause 1             1 s between consecutive runs
 *   deno task bench --json                the figures as JSON on stdout (tables on stderr)
 *   deno task bench --json=out.json       tables on stdout, JSON into out.json
 *
 * Topologies (chains of network namespaces, delays from tests/lab/delayer.ts):
 *
 * - A: 16 hops (15 routers), 10 ms per link each way, every hop answers.
 * - B: 8 hops (7 routers), 10 ms per link, hop 4 silent.
 * - C: 8 hops, no delay.
 * - D: 8 hops, no delay, every node keeping the kernel's ICMP rate limits;
 *   `traceroute -N 1` gives the reference hop list.
 * - E: start-up (`--help`, a one-hop trace) and the peak RSS of a 30-hop trace.
 * - F: D's chain, but each command runs its runs in a row, on its own, after
 *   a 7 s pause that lets every ICMP allowance fill up again: how each tool
 *   copes with the rate limits its own previous runs leave behind.
 *
 * Every command runs in the source's namespace under GNU time (`/usr/bin/time`)
 * for CPU time and peak RSS; wall time is taken around the whole command.
 * The commands of a topology run alternately, back to back (or with
 * `--pause`), as a user would run them. At the end each target of the issue is
 * checked and printed as PASS or FAIL with the measured figure.
 *
 * Nothing leaves the machine: the lab uses 198.18.0.0/15 inside namespaces of
 * its own, removed on exit, on failure and on Ctrl-C.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Lab, labSupport } from "../tests/lab/lab.ts";
import { type Chain, chain, type ChainOptions } from "../tests/lab/topologies.ts";
import { hopwiseArgv } from "../tests/lab/harness.ts";
import { delayReason } from "../tests/lab/delayer.ts";
import { buildShim } from "./build_shim.ts";

// ---------------------------------------------------------------------------
// Options

const USAGE = `Usage: deno task bench [--runs N] [--pause SECONDS] [--only A,B,...] [--json[=FILE]]

  --runs N         runs of each command per topology (default 5)
  --pause SECONDS  pause between consecutive runs (default 0: back to back)
  --only LIST      topologies to run, from A,B,C,D,E,F (default all)
  --json           print every figure as JSON on stdout (the tables go to stderr)
  --json=FILE      write the JSON into FILE (the tables go to stdout)
  -h, --help       this text`;

const TOPOLOGY_KEYS = ["A", "B", "C", "D", "E", "F"] as const;
type TopologyKey = typeof TOPOLOGY_KEYS[number];

interface BenchOptions {
  runs: number;
  pauseS: number;
  only: TopologyKey[];
  json: "stdout" | string | null;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  Deno.exit(2);
}

function parseOptions(args: string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        runs: { type: "string" },
        pause: { type: "string" },
        only: { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    // --json without a value: parseArgs wants a string; accept it as "stdout".
    const withoutJson = args.filter((a) => a !== "--json");
    if (withoutJson.length !== args.length) {
      return { ...parseOptions(withoutJson), json: "stdout" };
    }
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const values = parsed.values;
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const runs = values.runs === undefined ? 5 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) fail("--runs wants an integer 1..1000");
  const pauseS = values.pause === undefined ? 0 : Number(values.pause);
  if (!Number.isFinite(pauseS) || pauseS < 0 || pauseS > 600) fail("--pause wants 0..600 seconds");
  let only: TopologyKey[] = [...TOPOLOGY_KEYS];
  if (values.only !== undefined) {
    only = [];
    for (const part of values.only.split(",")) {
      const key = part.trim().toUpperCase();
      if (!(TOPOLOGY_KEYS as readonly string[]).includes(key)) {
        fail(`--only: unknown topology ${JSON.stringify(part)} (use ${TOPOLOGY_KEYS.join(",")})`);
      }
      if (!only.includes(key as TopologyKey)) only.push(key as TopologyKey);
    }
  }
  const json = values.json === undefined ? null : values.json === "" ? "stdout" : values.json;
  return { runs, pauseS, only, json };
}

const options = parseOptions(Deno.args);
/** Human-readable output: stderr when the JSON goes to stdout. */
const say = (text = ""): void => {
  if (options.json === "stdout") console.error(text);
  else console.log(text);
};

// ---------------------------------------------------------------------------
// Measuring one command

const TIME = "/usr/bin/time";
const TIME_FORMAT = "%e %U %S %M";

function hasFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function onPath(tool: string): boolean {
  const dirs = [...(Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":"), "/usr/sbin", "/sbin"];
  return dirs.some((dir) => dir !== "" && hasFile(`${dir}/${tool}`));
}

const haveTime = hasFile(TIME);
const havePing = onPath("ping");

/** One run of one command. */
interface Sample {
  /** Wall time around `ip netns exec ... command`, in ms. */
  wallMs: number;
  /** User + system CPU time of the command (GNU time), in ms; null without GNU time. */
  cpuMs: number | null;
  /** Peak resident set size of the command (GNU time), in KiB; null without GNU time. */
  rssKb: number | null;
  /** Exit status. */
  code: number;
  stdout: string;
  stderr: string;
}

let timeDir: string | undefined;

/** Removes the GNU time output directory; also on Ctrl-C, where the lab calls Deno.exit. */
function removeTimeDir(): void {
  if (timeDir === undefined) return;
  try {
    Deno.removeSync(timeDir, { recursive: true });
  } catch {
    // already gone
  }
  timeDir = undefined;
}
globalThis.addEventListener("unload", removeTimeDir);

async function measure(lab: Lab, node: string, argv: readonly string[]): Promise<Sample> {
  timeDir ??= await Deno.makeTempDir({ prefix: "hopwise-bench-" });
  const timeFile = `${timeDir}/time`;
  const wrapped = haveTime ? [TIME, "-o", timeFile, "-f", TIME_FORMAT, ...argv] : [...argv];
  const started = performance.now();
  const r = await lab.exec(node, wrapped, { env: { NO_COLOR: "1" } });
  const wallMs = performance.now() - started;
  let cpuMs: number | null = null;
  let rssKb: number | null = null;
  if (haveTime) {
    // The last line; a command killed by a signal gets a line before it.
    const line = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1) ?? "";
    const [, user, sys, rss] = line.split(" ").map(Number);
    if (user !== undefined && sys !== undefined && rss !== undefined) {
      cpuMs = (user + sys) * 1000;
      rssKb = rss;
    }
  }
  return { wallMs, cpuMs, rssKb, code: r.code, stdout: r.stdout, stderr: r.stderr };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const progressShown = Deno.stderr.isTerminal();

/** A progress line on a terminal's stderr, overwritten by the next one ("" clears it). */
function progress(text: string): void {
  if (!progressShown) return;
  Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${text ? `  ${text}` : ""}`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// Hop lists

/** Address(es) shown per TTL, `*` for a hop where no probe was answered. */
type HopList = Map<number, string>;

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Parses `-n` output: for each hop line, its distinct addresses joined by `/`, or `*`. */
function hopList(output: string): HopList {
  const hops: HopList = new Map();
  for (const line of output.split("\n")) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const tokens = (match[2] ?? "").split(/\s+/);
    const addresses = [
      ...new Set(tokens.filter((t) => IPV4.test(t) || /^[0-9a-f:]+:[0-9a-f:]*$/.test(t))),
    ];
    hops.set(Number(match[1]), addresses.length ? addresses.join("/") : "*");
  }
  return hops;
}

function hopText(hops: HopList): string {
  return [...hops].map(([ttl, text]) => `${ttl} ${text}`).join(", ");
}

/** The TTL of the first line showing `target`, or null. */
function destinationTtl(hops: HopList, target: string): number | null {
  for (const [ttl, text] of hops) if (text.split("/").includes(target)) return ttl;
  return null;
}

/** The hop list most runs printed (first seen wins a tie), and how many printed it. */
function modal(lists: readonly HopList[]): { hops: HopList; count: number } {
  const counts = new Map<string, { hops: HopList; count: number }>();
  for (const hops of lists) {
    const key = hopText(hops);
    const entry = counts.get(key) ?? { hops, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { hops: HopList; count: number } = { hops: new Map(), count: 0 };
  for (const entry of counts.values()) if (entry.count > best.count) best = entry;
  return best;
}

/** How a run's hop list differs from a reference (topology D's counts). */
interface Discrepancy {
  /** Lines past the reference's destination TTL. */
  phantom: number;
  /** TTLs up to the destination where the reference has an address and the run none. */
  missing: number;
  /** TTLs where the run shows an address the reference has at another TTL, or another one. */
  wrong: number;
}

function compare(run: HopList, reference: HopList, target: string): Discrepancy {
  const last = destinationTtl(reference, target) ?? Math.max(0, ...reference.keys());
  const placed = new Map<string, number>();
  for (const [ttl, text] of reference) {
    for (const address of text.split("/")) if (address !== "*") placed.set(address, ttl);
  }
  let phantom = 0;
  let missing = 0;
  let wrong = 0;
  for (const [ttl, text] of run) {
    if (ttl > last) {
      phantom++;
      continue;
    }
    const expected = reference.get(ttl) ?? "*";
    if (text === "*") continue;
    const addresses = text.split("/");
    if (expected === "*") {
      if (addresses.some((a) => placed.has(a) && placed.get(a) !== ttl)) wrong++;
    } else if (addresses.some((a) => !expected.split("/").includes(a))) {
      wrong++;
    }
  }
  for (const [ttl, text] of reference) {
    if (ttl > last || text === "*") continue;
    const shown = run.get(ttl) ?? "*";
    if (shown === "*") missing++;
  }
  return { phantom, missing, wrong };
}

/** The minimum RTT shown on the line of `hop`, or null. */
function minRttAt(output: string, hop: number): number | null {
  const line = output.split("\n").find((l) => new RegExp(`^\\s*${hop}\\s`).test(l));
  const values = [...(line ?? "").matchAll(/ (\d+\.\d+) ms/g)].map((m) => Number(m[1]));
  return values.length ? Math.min(...values) : null;
}

// ---------------------------------------------------------------------------
// Topologies

interface CommandSpec {
  /** Shown in the table, with `hopwise` for the Deno command line. */
  label: string;
  tool: "hopwise" | "traceroute";
  args: string[];
}

interface TopologySpec {
  key: TopologyKey;
  title: string;
  chain: ChainOptions;
  /** The commands, in the order they alternate. */
  commands: (c: Chain) => CommandSpec[];
  /** Label of the command whose hop list is the reference. */
  reference: (c: Chain) => string;
  /** Label of the traceroute command hopwise's time is compared with. */
  baseline: (c: Chain) => string;
  /** Topologies D and F: count phantom/missing/wrong against the reference for every command. */
  discrepancies?: boolean;
  /** `blocks`: all runs of a command in a row, a pause of BLOCK_PAUSE_MS before each block. */
  order?: "alternate" | "blocks";
}

/** Before each block of topology F: Linux refills an ICMP allowance of 6 at one a second. */
const BLOCK_PAUSE_MS = 7000;

function hopwise(args: string[]): CommandSpec {
  return { label: `hopwise ${args.join(" ")}`, tool: "hopwise", args };
}

function traceroute(args: string[]): CommandSpec {
  return { label: `traceroute ${args.join(" ")}`, tool: "traceroute", args };
}

/** Topology D: routers with the kernel's ICMP rate limits (F runs it again, in blocks). */
const RATE_LIMITED: TopologySpec = {
  key: "D",
  title: "8 hops (7 routers), no delay, every node keeps the kernel's ICMP rate limits",
  chain: { routers: 7, keepIcmpRateLimit: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
  commands: (c) => [
    hopwise(["-n", c.target4]),
    traceroute(["-n", c.target4]),
    traceroute(["-n", "-N", "1", c.target4]),
  ],
  reference: (c) => `traceroute -n -N 1 ${c.target4}`,
  baseline: (c) => `traceroute -n ${c.target4}`,
  discrepancies: true,
};

const TRACE_TOPOLOGIES: TopologySpec[] = [
  {
    key: "A",
    title: "16 hops (15 routers), 10 ms per link each way, every hop answers",
    chain: { routers: 15, delay: 10 },
    commands: (c) => [
      hopwise(["-n", c.target4]),
      traceroute(["-n", c.target4]),
      traceroute(["-n", "-q", "1", "-N", "32", c.target4]),
    ],
    reference: (c) => `traceroute -n ${c.target4}`,
    baseline: (c) => `traceroute -n ${c.target4}`,
  },
  {
    key: "B",
    title: "8 hops (7 routers), 10 ms per link each way, hop 4 silent",
    chain: { routers: 7, delay: 10, silent: [4] },
    commands: (c) => [hopwise(["-n", c.target4]), traceroute(["-n", c.target4])],
    reference: (c) => `traceroute -n ${c.target4}`,
    baseline: (c) => `traceroute -n ${c.target4}`,
  },
  {
    key: "C",
    title: "8 hops (7 routers), no delay",
    chain: { routers: 7 },
    commands: (c) => [hopwise(["-n", c.target4]), traceroute(["-n", c.target4])],
    reference: (c) => `traceroute -n ${c.target4}`,
    baseline: (c) => `traceroute -n ${c.target4}`,
  },
  RATE_LIMITED,
  {
    ...RATE_LIMITED,
    key: "F",
    title: "D's chain, each command's runs in a row on their own (7 s pause before each block)",
    order: "blocks",
  },
];

/** Figures of one command over its runs. */
interface CommandResult {
  label: string;
  tool: "hopwise" | "traceroute";
  argv: string[];
  runs: Array<{
    wallMs: number;
    cpuMs: number | null;
    rssKb: number | null;
    code: number;
    hops: string;
    stdout: string;
    sameAsReference: boolean;
    destinationTtl: number | null;
    discrepancy?: Discrepancy;
    stderr?: string;
  }>;
  wallMedianMs: number;
  wallMinMs: number;
  wallMaxMs: number;
  cpuMedianMs: number | null;
  rssPeakKb: number | null;
  sameRuns: number;
  /** Median wall time over the baseline traceroute's. */
  ratioToTraceroute: number | null;
  /** Median wall time over the destination's RTT. */
  ratioToLimit: number | null;
}

interface TopologyResult {
  key: TopologyKey;
  title: string;
  target: string;
  expectedHops: string;
  destinationRttMs: number | null;
  destinationRttSource: string;
  reference: string;
  referenceHops: string;
  referenceConsistent: number;
  commands: CommandResult[];
}

function commandArgv(spec: CommandSpec): string[] {
  return spec.tool === "hopwise" ? hopwiseArgv(spec.args) : ["traceroute", ...spec.args];
}

async function pingRtt(lab: Lab, node: string, target: string): Promise<number | null> {
  if (!havePing) return null;
  const r = await lab.exec(node, ["ping", "-n", "-c", "5", "-i", "0.2", "-w", "5", target]);
  const times = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return times.length ? median(times) : null;
}

function expectedHops(c: Chain): string {
  const hops: HopList = new Map();
  c.hops4.forEach((address, i) => hops.set(i + 1, c.silent.includes(i + 1) ? "*" : address));
  return hopText(hops);
}

async function runTopology(spec: TopologySpec): Promise<TopologyResult> {
  say(`${spec.key}: building ${spec.title} ...`);
  await using lab = await Lab.create({ prefix: "hwbench" });
  const c = await chain(lab, spec.chain);
  const commands = spec.commands(c);
  const samples = commands.map(() => [] as Sample[]);
  const destinationRtt = await pingRtt(lab, c.source, c.target4);
  if (spec.order === "blocks") {
    for (const [i, command] of commands.entries()) {
      await sleep(BLOCK_PAUSE_MS);
      for (let round = 0; round < options.runs; round++) {
        if (round > 0) await sleep(options.pauseS * 1000);
        samples[i]!.push(await measure(lab, c.source, commandArgv(command)));
      }
      progress(`${spec.key}: ${command.label} done`);
    }
  } else {
    for (let round = 0; round < options.runs; round++) {
      for (const [i, command] of commands.entries()) {
        if (round > 0 || i > 0) await sleep(options.pauseS * 1000);
        samples[i]!.push(await measure(lab, c.source, commandArgv(command)));
      }
      progress(`${spec.key}: round ${round + 1}/${options.runs} done`);
    }
  }
  progress("");

  const lists = samples.map((runs) => runs.map((s) => hopList(s.stdout)));
  const referenceIndex = commands.findIndex((cmd) => cmd.label === spec.reference(c));
  const reference = modal(lists[referenceIndex] ?? []);
  const baselineIndex = commands.findIndex((cmd) => cmd.label === spec.baseline(c));
  let limit = destinationRtt;
  let limitSource = "ping (median of 5)";
  if (limit === null) {
    const last = c.hops4.length;
    const rtts = samples[referenceIndex]!.map((s) => minRttAt(s.stdout, last))
      .filter((v): v is number => v !== null);
    limit = rtts.length ? Math.min(...rtts) : null;
    limitSource = "minimum RTT at the last hop of the reference traceroute";
  }
  const baselineMedian = median(samples[baselineIndex]!.map((s) => s.wallMs));
  const results = commands.map((command, i): CommandResult => {
    const runs = samples[i]!;
    const walls = runs.map((s) => s.wallMs);
    const cpus = runs.map((s) => s.cpuMs).filter((v): v is number => v !== null);
    const rsss = runs.map((s) => s.rssKb).filter((v): v is number => v !== null);
    const wallMedianMs = median(walls);
    const referenceText = hopText(reference.hops);
    const perRun = runs.map((s, j) => {
      const hops = lists[i]![j]!;
      return {
        wallMs: s.wallMs,
        cpuMs: s.cpuMs,
        rssKb: s.rssKb,
        code: s.code,
        hops: hopText(hops),
        stdout: s.stdout,
        sameAsReference: hopText(hops) === referenceText,
        destinationTtl: destinationTtl(hops, c.target4),
        ...(spec.discrepancies ? { discrepancy: compare(hops, reference.hops, c.target4) } : {}),
        ...(s.code !== 0 ? { stderr: s.stderr.trim() } : {}),
      };
    });
    return {
      label: command.label,
      tool: command.tool,
      argv: commandArgv(command),
      runs: perRun,
      wallMedianMs,
      wallMinMs: Math.min(...walls),
      wallMaxMs: Math.max(...walls),
      cpuMedianMs: cpus.length ? median(cpus) : null,
      rssPeakKb: rsss.length ? Math.max(...rsss) : null,
      sameRuns: perRun.filter((r) => r.sameAsReference).length,
      ratioToTraceroute: baselineMedian > 0 ? wallMedianMs / baselineMedian : null,
      ratioToLimit: limit ? wallMedianMs / limit : null,
    };
  });
  return {
    key: spec.key,
    title: spec.title,
    target: c.target4,
    expectedHops: expectedHops(c),
    destinationRttMs: limit,
    destinationRttSource: limitSource,
    reference: spec.reference(c),
    referenceHops: hopText(reference.hops),
    referenceConsistent: reference.count,
    commands: results,
  };
}

/** Topology E: start-up figures and the RSS of a 30-hop trace. */
interface StartupResult {
  key: "E";
  title: string;
  commands: CommandResult[];
}

function startupResult(label: string, argv: string[], runs: Sample[]): CommandResult {
  const walls = runs.map((s) => s.wallMs);
  const cpus = runs.map((s) => s.cpuMs).filter((v): v is number => v !== null);
  const rsss = runs.map((s) => s.rssKb).filter((v): v is number => v !== null);
  return {
    label,
    tool: label.startsWith("hopwise") ? "hopwise" : "traceroute",
    argv,
    runs: runs.map((s) => ({
      wallMs: s.wallMs,
      cpuMs: s.cpuMs,
      rssKb: s.rssKb,
      code: s.code,
      hops: hopText(hopList(s.stdout)),
      stdout: s.stdout,
      sameAsReference: true,
      destinationTtl: null,
      ...(s.code !== 0 ? { stderr: s.stderr.trim() } : {}),
    })),
    wallMedianMs: median(walls),
    wallMinMs: Math.min(...walls),
    wallMaxMs: Math.max(...walls),
    cpuMedianMs: cpus.length ? median(cpus) : null,
    rssPeakKb: rsss.length ? Math.max(...rsss) : null,
    sameRuns: runs.length,
    ratioToTraceroute: null,
    ratioToLimit: null,
  };
}

async function runStartup(): Promise<StartupResult> {
  say("E: building a 1-router chain and a 1-router chain whose destination drops everything ...");
  const results: CommandResult[] = [];
  {
    await using lab = await Lab.create({ prefix: "hwbench" });
    const c = await chain(lab, { routers: 1 });
    const commands: CommandSpec[] = [
      hopwise(["--help"]),
      hopwise(["-n", "-m", "1", c.target4]),
      traceroute(["-n", "-m", "1", c.target4]),
    ];
    const samples = commands.map(() => [] as Sample[]);
    for (let round = 0; round < options.runs; round++) {
      for (const [i, command] of commands.entries()) {
        if (round > 0 || i > 0) await sleep(options.pauseS * 1000);
        samples[i]!.push(await measure(lab, c.source, commandArgv(command)));
      }
      progress(`E: round ${round + 1}/${options.runs} done`);
    }
    progress("");
    commands.forEach((command, i) =>
      results.push(startupResult(command.label, commandArgv(command), samples[i]!))
    );
  }
  {
    await using lab = await Lab.create({ prefix: "hwbench" });
    const c = await chain(lab, { routers: 1, destination: "drop-all" });
    const command = hopwise(["-n", "-m", "30", "-w", "0.2", "-q", "1", c.target4]);
    const samples: Sample[] = [];
    for (let round = 0; round < options.runs; round++) {
      if (round > 0) await sleep(options.pauseS * 1000);
      samples.push(await measure(lab, c.source, commandArgv(command)));
    }
    results.push(startupResult(command.label, commandArgv(command), samples));
  }
  const baseline = results.find((r) => r.label.startsWith("traceroute"));
  const oneHop = results.find((r) => r.label.startsWith("hopwise -n -m 1 "));
  if (baseline && oneHop) oneHop.ratioToTraceroute = oneHop.wallMedianMs / baseline.wallMedianMs;
  return {
    key: "E",
    title: "start-up: --help and a one-hop trace (1-router chain, no delay); " +
      "peak RSS of a 30-hop trace (destination drops everything)",
    commands: results,
  };
}

// ---------------------------------------------------------------------------
// Output

function seconds(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? "-" : (ms / 1000).toFixed(3);
}

function megabytes(kb: number | null): string {
  return kb === null ? "-" : `${(kb / 1024).toFixed(1)} MB`;
}

function ratio(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "-" : value.toFixed(2);
}

/** Ratios in the target lines: three decimals, so a ratio next to its limit reads right. */
function ratio3(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "-" : value.toFixed(3);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    "  " + cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

function printTopology(t: TopologyResult): void {
  say();
  say(`${t.key}: ${t.title}`);
  say(
    `  destination ${t.target}: RTT ${t.destinationRttMs?.toFixed(3) ?? "-"} ms ` +
      `(${t.destinationRttSource}), the physical limit of a trace`,
  );
  say(`  expected hops: ${t.expectedHops}`);
  say(
    `  reference (${t.reference}), printed by ${t.referenceConsistent}/${options.runs} of its runs: ` +
      `${t.referenceHops}${
        t.referenceHops === t.expectedHops ? " (as expected)" : " (NOT as expected)"
      }`,
  );
  const d = t.commands.some((c) => c.runs.some((r) => r.discrepancy));
  const header = [
    "command",
    "wall median (min..max) s",
    "CPU s",
    "peak RSS",
    "hops = ref",
    "x traceroute",
    "x dest RTT",
    ...(d ? ["phantom", "missing", "wrong TTL", "destination TTL per run"] : []),
  ];
  const rows = t.commands.map((c) => {
    const sum = (key: keyof Discrepancy) =>
      String(c.runs.reduce((n, r) => n + (r.discrepancy?.[key] ?? 0), 0));
    const failures = c.runs.filter((r) => r.code !== 0).length;
    return [
      c.label + (failures ? ` [exit != 0 in ${failures} runs]` : ""),
      `${seconds(c.wallMedianMs)} (${seconds(c.wallMinMs)}..${seconds(c.wallMaxMs)})`,
      seconds(c.cpuMedianMs),
      megabytes(c.rssPeakKb),
      `${c.sameRuns}/${c.runs.length}`,
      ratio(c.ratioToTraceroute),
      ratio(c.ratioToLimit),
      ...(d
        ? [
          sum("phantom"),
          sum("missing"),
          sum("wrong"),
          c.runs.map((r) => r.destinationTtl ?? "-").join(" "),
        ]
        : []),
    ];
  });
  for (const line of table(header, rows)) say(line);
  for (const c of t.commands) {
    const differing = [...new Set(c.runs.filter((r) => !r.sameAsReference).map((r) => r.hops))];
    for (const hops of differing) say(`    ${c.label} printed: ${hops}`);
    for (const r of c.runs.filter((r) => r.stderr)) say(`    ${c.label}: ${r.stderr}`);
  }
}

function printStartup(e: StartupResult): void {
  say();
  say(`E: ${e.title}`);
  const rows = e.commands.map((c) => [
    c.label,
    `${seconds(c.wallMedianMs)} (${seconds(c.wallMinMs)}..${seconds(c.wallMaxMs)})`,
    seconds(c.cpuMedianMs),
    megabytes(c.rssPeakKb),
    ratio(c.ratioToTraceroute),
  ]);
  for (
    const line of table(
      ["command", "wall median (min..max) s", "CPU s", "peak RSS", "x traceroute"],
      rows,
    )
  ) say(line);
  for (const c of e.commands) {
    for (const r of c.runs.filter((r) => r.stderr)) say(`    ${c.label}: ${r.stderr}`);
  }
}

// ---------------------------------------------------------------------------
// Targets

interface TargetResult {
  id: number;
  text: string;
  status: "PASS" | "FAIL" | "SKIP";
  measured: string;
}

function checkTargets(
  topologies: Map<TopologyKey, TopologyResult>,
  startup: StartupResult | null,
): TargetResult[] {
  const targets: TargetResult[] = [];
  const add = (id: number, text: string, ok: boolean | null, measured: string) =>
    targets.push({ id, text, status: ok === null ? "SKIP" : ok ? "PASS" : "FAIL", measured });
  const hw = (t: TopologyResult | undefined) => t?.commands.find((c) => c.tool === "hopwise");
  const tr = (t: TopologyResult | undefined) =>
    t?.commands.find((c) => c.label === `traceroute -n ${t.target}`);

  const a = topologies.get("A");
  {
    const h = hw(a);
    const ok = h && h.ratioToTraceroute !== null
      ? h.ratioToTraceroute <= 0.6 && h.sameRuns === h.runs.length
      : null;
    add(
      1,
      "A: hopwise median <= 0.6 x traceroute's, same hop list",
      ok,
      h
        ? `ratio ${ratio3(h.ratioToTraceroute)}, same hops ${h.sameRuns}/${h.runs.length}`
        : "not run",
    );
  }
  const b = topologies.get("B");
  {
    const h = hw(b);
    const silentStars = h?.runs.every((r) => r.hops.split(", ").includes("4 *")) ?? false;
    const ok = h && h.ratioToTraceroute !== null
      ? h.ratioToTraceroute <= 0.5 && h.sameRuns === h.runs.length && silentStars
      : null;
    add(
      2,
      "B: hopwise median <= 0.5 x traceroute's, same hop list with hop 4 * * *",
      ok,
      h
        ? `ratio ${ratio3(h.ratioToTraceroute)}, same hops ${h.sameRuns}/${h.runs.length}, ` +
          `hop 4 * in every run: ${silentStars ? "yes" : "no"}`
        : "not run",
    );
  }
  for (const key of ["D", "F"] as const) {
    const h = hw(topologies.get(key));
    const t = tr(topologies.get(key));
    const total = (k: keyof Discrepancy) =>
      h?.runs.reduce((n, r) => n + (r.discrepancy?.[k] ?? 0), 0) ?? 0;
    const ok = h && t
      ? total("missing") === 0 && total("phantom") === 0 && total("wrong") === 0 &&
        h.wallMedianMs <= t.wallMedianMs
      : null;
    add(
      3,
      `${key}: every hop traceroute -N 1 finds, no phantom lines, no wrong TTL, ` +
        `median <= traceroute's${key === "F" ? " (runs in a row)" : ""}`,
      ok,
      h
        ? `missing ${total("missing")}, phantom ${total("phantom")}, wrong ${total("wrong")} ` +
          `over ${h.runs.length} runs; ratio ${ratio3(h.ratioToTraceroute)}`
        : "not run",
    );
  }
  {
    const help = startup?.commands.find((c) => c.label === "hopwise --help");
    const oneHop = startup?.commands.find((c) => c.label.startsWith("hopwise -n -m 1 "));
    const thirty = startup?.commands.find((c) => c.label.startsWith("hopwise -n -m 30 "));
    const ok = help && oneHop && thirty
      ? help.wallMedianMs < 150 && oneHop.wallMedianMs < 150 &&
        thirty.rssPeakKb !== null && thirty.rssPeakKb < 60 * 1024
      : null;
    add(
      4,
      "E: --help and a one-hop trace under 0.15 s wall; 30-hop trace peak RSS under 60 MB",
      ok,
      help && oneHop && thirty
        ? `--help ${seconds(help.wallMedianMs)} s, one hop ${seconds(oneHop.wallMedianMs)} s, ` +
          `30-hop RSS ${megabytes(thirty.rssPeakKb)}`
        : "not run",
    );
  }
  {
    const h = hw(a);
    const ok = h && h.cpuMedianMs !== null ? h.cpuMedianMs < 200 : null;
    add(
      5,
      "A: hopwise CPU (user+sys) under 0.2 s",
      ok,
      h ? `median CPU ${seconds(h.cpuMedianMs)} s` : "not run",
    );
  }
  return targets;
}

// ---------------------------------------------------------------------------
// Main

function cpuModel(): string {
  try {
    const text = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function tracerouteVersion(): Promise<string> {
  try {
    const r = await new Deno.Command("traceroute", { args: ["-V"] }).output();
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    return text.split("\n")[0]?.trim() || "unknown";
  } catch {
    return "missing";
  }
}

async function harnessOverhead(lab: Lab, node: string): Promise<number> {
  const walls: number[] = [];
  for (let i = 0; i < 5; i++) walls.push((await measure(lab, node, ["true"])).wallMs);
  return median(walls);
}

async function main(): Promise<void> {
  const unsupported = labSupport() ??
    (options.only.some((k) => k === "A" || k === "B") ? delayReason() : null) ??
    (onPath("traceroute") ? null : "needs Linux traceroute (traceroute)");
  if (unsupported) {
    console.error(`bench: the bench builds network namespaces: it ${unsupported}`);
    Deno.exit(1);
  }
  await buildShim();

  const machine = {
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    traceroute: await tracerouteVersion(),
  };
  say("hopwise bench");
  say(
    `machine: ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}, ` +
      `Deno ${machine.deno}, ${machine.traceroute}`,
  );
  say(
    `runs: ${options.runs} of each command per topology, alternated back to back; ` +
      `pause between runs: ${options.pauseS} s`,
  );
  say(
    `hopwise runs from source: ${hopwiseArgv(["..."]).join(" ")}; ` +
      (haveTime
        ? `every command under ${TIME} -f '${TIME_FORMAT}' (CPU = user + sys, peak RSS)`
        : `no ${TIME} (Debian package time): CPU and RSS not measured`),
  );

  // Warm-up: fills Deno's module cache so no measured run compiles hopwise.
  let overhead = 0;
  {
    await using lab = await Lab.create({ prefix: "hwbench" });
    const c = await chain(lab, { routers: 0 });
    await measure(lab, c.source, hopwiseArgv(["-n", "-m", "1", c.target4]));
    overhead = await harnessOverhead(lab, c.source);
  }
  say(
    `wall times include ${overhead.toFixed(1)} ms of harness overhead ` +
      `(ip netns exec${haveTime ? " + time" : ""}, median of 5 runs of true); ` +
      `one untimed warm-up run of hopwise came first`,
  );

  const topologies = new Map<TopologyKey, TopologyResult>();
  let startup: StartupResult | null = null;
  for (const key of options.only) {
    const spec = TRACE_TOPOLOGIES.find((t) => t.key === key);
    if (spec) {
      const result = await runTopology(spec);
      topologies.set(key, result);
      printTopology(result);
    } else if (key === "E") {
      startup = await runStartup();
      printStartup(startup);
    }
  }

  const targets = checkTargets(topologies, startup);
  say();
  say("Targets:");
  for (const t of targets) say(`  ${t.status.padEnd(4)} (${t.id}) ${t.text}: ${t.measured}`);

  if (options.json !== null) {
    const document = {
      machine,
      options: { runs: options.runs, pauseS: options.pauseS, only: options.only },
      harnessOverheadMs: overhead,
      topologies: Object.fromEntries(topologies),
      startup,
      targets,
    };
    const text = JSON.stringify(document, null, 2) + "\n";
    if (options.json === "stdout") await Deno.stdout.write(new TextEncoder().encode(text));
    else {
      await Deno.writeTextFile(options.json, text);
      say(`figures written to ${options.json}`);
    }
  }
}

try {
  await main();
} finally {
  removeTimeDir();
}
