/**
 * Part of M: what names cost a run of many targets. On M's chain (5
 * routers, the destination answering for 198.19.0.0/16) beside a lab DNS
 * server (lab/dns_server.ts) that names every router and every tenth target
 * (dnsmasq searches its names one by one for a PTR query: naming all 10,000
 * made the server itself the bottleneck, 2.6 s for 10,000 queries one at a
 * time against 1.1 s with 1,000 names; the others get "no such name", one
 * question each, so every address is still looked up):
 *
 * - the 10,000-target list from the bundle, `-I -q 1 --rate 0`, with `-n`
 *   and with names (the live server), back to back each round: the ratio of
 *   the two (target: at most 1.2); then, shown beside it, the same names
 *   from /etc/hosts alone (nsswitch `hosts: files`: no DNS question at all):
 *   what names cost a run before any question is asked;
 * - 1,000 targets, each its own address, with a resolver that never answers
 *   (glibc's default wait: 2 tries of 5 s), beside `-n`: what one deadline
 *   costs (target: at most the deadline and 1 s more than `-n`; a trace
 *   waiting for its names holds no place among the `--parallel` 64, else
 *   this would take a deadline per 64 targets);
 * - Linux traceroute to one of them (the destination, 6 hops) with the same
 *   dead resolver, once, and with `-n`: its own wait.
 *
 * @module
 */
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { startDnsServer } from "../../lab/dns_server.ts";
import { NAME_CACHE } from "../../src/lookup/hop_lookups.ts";
import { NETNS_ETC_DIR } from "../../lab/netns/namespaces.ts";
import { commandArgv, hopwise, traceroute } from "./commands.ts";
import { MANY_HOP, MANY_PREFIXES, manyAddresses } from "./many.ts";
import { median, progress } from "./measure.ts";
import { LAB_PREFIX, type RunContext } from "./run.ts";
import { seconds, table } from "./format.ts";

/** The list size names are timed on. */
const NAMED_SIZE = 10_000;
/** One target in this many has a name. */
const NAMED_EVERY = 10;
/** Targets of the dead-resolver case. */
const DEAD_SIZE = 1_000;
/** Rounds at most. */
const MAX_RUNS = 3;

/** One command over its runs. */
export interface NamesRow {
  /** The command as shown. */
  label: string;
  /** The resolver it ran with. */
  resolver: "live" | "dead" | "none (-n)" | "/etc/hosts";
  /** Wall time of each run, ms. */
  wallsMs: number[];
  /** Median wall time, ms. */
  medianMs: number;
  /** User + system CPU of each run (GNU time), ms. */
  cpusMs: number[];
  /** Median CPU, ms (null without GNU time). */
  cpuMedianMs: number | null;
  /** Exit status of the last run. */
  code: number;
  /** Blocks of the last run whose last hop is the target. */
  reached: number;
  /** Hop lines of the last run that show a name (`name (address)`, the name not the address). */
  namedLines: number;
}

/** The part's figures. */
export interface NamesResult {
  /** The names run (10,000 targets, live server) and its `-n` twin. */
  named: NamesRow;
  /** The `-n` twin of {@linkcode named}. */
  numeric: NamesRow;
  /** Named over numeric, per round, and their median. */
  ratio: { perRound: number[]; median: number | null };
  /** {@linkcode named}'s command with its names from /etc/hosts alone (no DNS). */
  hostsOnly: NamesRow;
  /** Hosts-only over numeric, per round, and their median: what names cost without questions. */
  hostsRatio: { perRound: number[]; median: number | null };
  /** {@linkcode DEAD_SIZE} targets, dead resolver. */
  dead: NamesRow;
  /** {@linkcode DEAD_SIZE} targets, `-n`. */
  deadNumeric: NamesRow;
  /**
   * The lab DNS server's own CPU time in each named run, ms (null where it
   * could not be read): it shares the lab machine's cores with the run.
   */
  serverCpuMs: { perRun: number[]; median: number | null };
  /** The lookup deadline, ms. */
  deadlineMs: number;
  /** Linux traceroute to one target with the dead resolver (once), and with -n. */
  traceroute: { dead: NamesRow; numeric: NamesRow };
}

/** Counts a classic output's blocks that end with their target, and its named hop lines. */
function readOutput(stdout: string): { reached: number; namedLines: number } {
  let reached = 0;
  let namedLines = 0;
  for (const block of stdout.split(/^(?=traceroute to )/m)) {
    const target = /^traceroute to \S+ \(([^)]+)\)/.exec(block)?.[1];
    const lines = block.trimEnd().split("\n").slice(1);
    let last = "";
    for (const line of lines) {
      const m = /^\s*\d+\s+(\S+)(?: \(([^)]+)\))?/.exec(line);
      if (!m) continue;
      if (m[2] !== undefined && m[1] !== m[2]) namedLines++;
      last = m[2] ?? m[1]!;
    }
    if (target !== undefined && last === target) reached++;
  }
  return { reached, namedLines };
}

/** Runs the part (see the module's documentation). */
export async function runManyNames(ctx: RunContext): Promise<NamesResult> {
  const { measurer, paths, options } = ctx;
  const rounds = Math.min(options.runs, MAX_RUNS);
  ctx.say(
    `M (names): ${rounds} rounds of ${NAMED_SIZE.toLocaleString("en")} targets with and without ` +
      `names (a lab DNS server), ${DEAD_SIZE} targets with a dead resolver, Linux traceroute ` +
      `with it once (about a minute and a half) ...`,
  );
  const addresses = manyAddresses(NAMED_SIZE);
  const list = `${measurer.dir}/names-${NAMED_SIZE}`;
  await Deno.writeTextFile(list, addresses.join("\n") + "\n");
  await using lab = await Lab.create({ prefix: LAB_PREFIX });
  const c = await chain(lab, { routers: MANY_HOP - 1, anyPrefixes: [MANY_PREFIXES[0]!] });
  const deadList = `${measurer.dir}/names-dead`;
  await Deno.writeTextFile(deadList, addresses.slice(0, DEAD_SIZE).join("\n") + "\n");
  const hosts = [
    ...c.hops4.map((a, i) => [a, `r${i + 1}.lab`] as const),
    // Every tenth target named, the others not (NXDOMAIN): every address is still looked up,
    // and dnsmasq, which searches its names one by one for a PTR query, stays fast.
    ...addresses.filter((_, i) => i % NAMED_EVERY === 0).map((a, i) => [a, `t${i}.lab`] as const),
  ];
  const dns = await startDnsServer(lab, c.source, { hosts, txt: [] });
  const etc = `${NETNS_ETC_DIR}/${lab.ns(c.source)}`;
  try {
    const row = (label: string, resolver: NamesRow["resolver"]): NamesRow => ({
      label,
      resolver,
      wallsMs: [],
      medianMs: NaN,
      cpusMs: [],
      cpuMedianMs: null,
      code: 0,
      reached: 0,
      namedLines: 0,
    });
    const serverCpu: number[] = [];
    const once = async (r: NamesRow, argv: string[], dead: boolean) => {
      await dns.use(c.source, dead ? "dead" : "live", dead ? "" : "timeout:1 attempts:2");
      // The server's CPU is read around the named runs only (the others ask it nothing, or
      // ask the dead one).
      const before = r === named ? dns.cpuMs() : null;
      const s = await measurer.run(lab, c.source, argv);
      const after = before !== null ? dns.cpuMs() : null;
      if (before !== null && after !== null) serverCpu.push(after - before);
      r.wallsMs.push(s.wallMs);
      if (s.cpuMs !== null) r.cpusMs.push(s.cpuMs);
      r.code = s.code;
      Object.assign(r, readOutput(s.stdout));
    };
    const many = (args: string[], file: string, size: number) => {
      const spec = hopwise(
        [...args, "-I", "-q", "1", "--rate", "0", "--targets", file],
        "dist/cli.js",
      );
      return { label: spec.label.replace(file, `LIST(${size})`), argv: commandArgv(spec, paths) };
    };
    const numericCmd = many(["-n"], list, NAMED_SIZE);
    const namedCmd = many([], list, NAMED_SIZE);
    const deadNumericCmd = many(["-n"], deadList, DEAD_SIZE);
    const deadCmd = many([], deadList, DEAD_SIZE);
    const numeric = row(numericCmd.label, "none (-n)");
    const named = row(namedCmd.label, "live");
    const hostsOnly = row(namedCmd.label, "/etc/hosts");
    const hostsRounds: number[] = [];
    const deadNumeric = row(deadNumericCmd.label, "none (-n)");
    const dead = row(deadCmd.label, "dead");
    const perRound: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await once(numeric, numericCmd.argv, false);
      await once(named, namedCmd.argv, false);
      perRound.push(named.wallsMs.at(-1)! / numeric.wallsMs.at(-1)!);
      // The same names from /etc/hosts alone, then the lab's files as they were.
      const hostsBefore = await Deno.readTextFile(`${etc}/hosts`);
      await lab.setHosts(c.source, hosts);
      await Deno.writeTextFile(`${etc}/nsswitch.conf`, "hosts: files\n");
      try {
        await once(hostsOnly, namedCmd.argv, false);
      } finally {
        await Deno.writeTextFile(`${etc}/hosts`, hostsBefore);
        await Deno.remove(`${etc}/nsswitch.conf`);
      }
      hostsRounds.push(hostsOnly.wallsMs.at(-1)! / numeric.wallsMs.at(-1)!);
      await once(deadNumeric, deadNumericCmd.argv, false);
      await once(dead, deadCmd.argv, true);
      progress(`M (names): round ${round + 1}/${rounds} done`);
    }
    const tArgs = ["-I", "-q", "1", c.target4];
    const tNumeric = row(traceroute(["-n", ...tArgs]).label, "none (-n)");
    const tDead = row(traceroute(tArgs).label, "dead");
    await once(tNumeric, commandArgv(traceroute(["-n", ...tArgs]), paths), false);
    await once(tDead, commandArgv(traceroute(tArgs), paths), true);
    progress("");
    for (const r of [numeric, named, hostsOnly, deadNumeric, dead, tNumeric, tDead]) {
      r.medianMs = median(r.wallsMs);
      r.cpuMedianMs = r.cpusMs.length ? median(r.cpusMs) : null;
    }
    return {
      named,
      numeric,
      ratio: { perRound, median: perRound.length ? median(perRound) : null },
      hostsOnly,
      hostsRatio: {
        perRound: hostsRounds,
        median: hostsRounds.length ? median(hostsRounds) : null,
      },
      dead,
      deadNumeric,
      serverCpuMs: { perRun: serverCpu, median: serverCpu.length ? median(serverCpu) : null },
      deadlineMs: NAME_CACHE.deadline,
      traceroute: { dead: tDead, numeric: tNumeric },
    };
  } finally {
    await dns.stop();
  }
}

/** The part's table. */
export function namesLines(r: NamesResult): string[] {
  const rows = [
    r.numeric,
    r.named,
    r.hostsOnly,
    r.deadNumeric,
    r.dead,
    r.traceroute.numeric,
    r.traceroute.dead,
  ];
  const ratio = (x: { perRound: number[]; median: number | null }) =>
    `${x.median === null ? "-" : x.median.toFixed(3)} (per round: ${
      x.perRound.map((n) => n.toFixed(3)).join(", ")
    })`;
  return [
    "",
    "M (names): what reverse names cost a run of many (a lab DNS server, and one that never answers)",
    ...table(
      ["median s", "CPU s", "runs", "reached", "named lines", "resolver", "command"],
      rows.map((row) => [
        seconds(row.medianMs),
        seconds(row.cpuMedianMs),
        String(row.wallsMs.length),
        String(row.reached),
        String(row.namedLines),
        row.resolver,
        row.label,
      ]),
    ),
    `  names / -n at ${NAMED_SIZE.toLocaleString("en")} targets: ${ratio(r.ratio)}`,
    `  the same names from /etc/hosts alone (no DNS question) / -n: ${ratio(r.hostsRatio)}: ` +
    `what names cost the run before any question is asked`,
    `  the lab DNS server's own CPU in a named run: ${seconds(r.serverCpuMs.median)} s ` +
    `(it shares the machine's cores with the run; a resolver elsewhere would not)`,
    `  dead resolver, ${DEAD_SIZE} targets: ${
      seconds(r.dead.medianMs - r.deadNumeric.medianMs)
    } s ` +
    `more than -n (the deadline: ${seconds(r.deadlineMs)} s)`,
  ];
}

/** Names over `-n` at 10,000 targets, at most. */
export const NAMES_LIMIT = 1.2;
/** What a dead resolver may cost the dead case's targets beyond `-n`: the deadline and this, ms. */
export const DEAD_SLACK_MS = 1000;

/** A target of the part, judged: `ok` null when it did not run. */
export interface NamesCheck {
  /** The target's number. */
  id: number;
  /** What it asks. */
  text: string;
  /** Whether it is met (null: not run). */
  ok: boolean | null;
  /** The figures it was judged on. */
  measured: string;
}

/** Targets 16 and 17: names cost little, a dead resolver one deadline. */
export function namesChecks(r: NamesResult | null): NamesCheck[] {
  const ratio = r?.ratio.median ?? null;
  // Every router on every target's path, and every tenth target: at least 99% of those lines (a
  // run of 10,000 targets loses a few probes, printed as *).
  const namedAll = r !== null &&
    r.named.namedLines >= 0.99 * ((MANY_HOP - 1) * NAMED_SIZE + NAMED_SIZE / NAMED_EVERY) &&
    r.named.reached === NAMED_SIZE && r.numeric.reached === NAMED_SIZE;
  const extra = r ? r.dead.medianMs - r.deadNumeric.medianMs : null;
  return [
    {
      id: 16,
      text: `M: names on (a lab DNS server) at most ${NAMES_LIMIT} x -n at ${
        NAMED_SIZE.toLocaleString("en")
      } targets, the names found (99% of named lines at least), every target reached`,
      ok: r ? ratio !== null && ratio <= NAMES_LIMIT && namedAll : null,
      measured: r
        ? `ratio ${ratio?.toFixed(3) ?? "-"} (${seconds(r.named.medianMs)} s against ${
          seconds(r.numeric.medianMs)
        } s), ${r.named.namedLines} named lines, ${r.named.reached} reached`
        : "not run",
    },
    {
      id: 17,
      text: `M: a resolver that never answers costs ${DEAD_SIZE} targets at most the deadline ` +
        `and ${DEAD_SLACK_MS / 1000} s more than -n`,
      ok: r && extra !== null ? extra <= r.deadlineMs + DEAD_SLACK_MS && r.dead.code === 0 : null,
      measured: r && extra !== null
        ? `${seconds(r.dead.medianMs)} s against ${seconds(r.deadNumeric.medianMs)} s (+${
          seconds(extra)
        } s; deadline ${seconds(r.deadlineMs)} s); shown: Linux traceroute to one of them ${
          seconds(r.traceroute.dead.medianMs)
        } s (-n: ${seconds(r.traceroute.numeric.medianMs)} s)`
        : "not run",
    },
  ];
}
