/**
 * Topology M: many targets (`--targets`) against scamper, on a chain of 5
 * routers whose destination answers for whole prefixes (hop 6):
 *
 * - hopwise from the bundle traces lists of 1,000, 10,000 and 100,000
 *   distinct addresses (`-n -I -q 1 --rate 0 --targets FILE`);
 * - scamper traces the same 10,000 (`scamper -p 10000 -c "trace -P
 *   icmp-paris -q 1" -f FILE`, its highest rate);
 * - hopwise as uid 65534 traces the 10,000 too, its ICMP through one ping
 *   socket (from a copy anyone may read, from source; needs setpriv): shown
 *   and checked, not in the ratios;
 * - each round runs every command back to back, and the ratios (to
 *   scamper, of one size's cost per added target to another's) are taken
 *   within a round, because the machine's speed drifts over minutes;
 * - every run's output is checked: each target's block must end at hop 6
 *   with the target's own address (target 8 judges hopwise's; scamper's are
 *   shown: on a 2-core VM its raw socket sometimes drops replies, counted
 *   in the `drops` column of /proc/net/raw while it ran, so it prints `*`
 *   for those hops, waits 5 s for each and may miss hop 6);
 * - CPU (user + sys) and peak RSS come from GNU time, the wall time from
 *   around the command; probes from hopwise's summary line, scamper's from
 *   a netfilter counter in the source's OUTPUT (hop lines printed without
 *   iptables: `-q 1` sends one probe a hop).
 *
 * The addresses: 198.19.0.0/16 (65,536), then 198.18.128.0/17 (32,768),
 * then 198.18.64.0/18 (16,384), every one of them once; the chain's links
 * use 198.18.1.0/24 to 198.18.6.0/24 (lab/topologies.ts), outside all three.
 * Each command runs under `timeout`, so the part always ends.
 *
 * @module
 */
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { hopwiseArgv, type ReadableCopy, readableCopy } from "../../lab/harness.ts";
import { commandArgv, hopwise } from "./commands.ts";
import {
  echoRequestCounter,
  median,
  onPath,
  present,
  progress,
  type Sample,
  sleep,
} from "./measure.ts";
import { LAB_PREFIX, type RunContext } from "./run.ts";
import { countReached, summaryOf } from "./many_output.ts";

/** Routers of the chain: the destination is at hop 6. */
const ROUTERS = 5;
/** The hop every target must be reached at. */
export const MANY_HOP = ROUTERS + 1;
/** The prefixes the destination answers for, in the order addresses are taken. */
export const MANY_PREFIXES: readonly string[] = [
  "198.19.0.0/16",
  "198.18.128.0/17",
  "198.18.64.0/18",
];
/** The list sizes. */
export const MANY_SIZES = [1_000, 10_000, 100_000] as const;
/** The size compared with scamper, and the one the others' cost per target is compared with. */
export const COMPARED_SIZE = 10_000;
/** Rounds at most (the options' `--runs` when lower): each runs every list and scamper once. */
const MAX_RUNS = 3;
/** scamper's rate: the highest it allows. */
const SCAMPER_PPS = 10_000;
/** The user the unprivileged row runs as. */
const NOBODY = 65534;
/** Seconds each command may take before `timeout` ends it, by list size. */
const TIMEOUT_S: Readonly<Record<number, number>> = { 1_000: 30, 10_000: 60, 100_000: 150 };

/** One run of one command on one list. */
export interface ManyRun {
  /** Wall time around the command, ms. */
  wallMs: number;
  /** User + system CPU time (GNU time), ms. */
  cpuMs: number | null;
  /** Peak RSS (GNU time), KiB. */
  rssKb: number | null;
  /** Exit status (124 or 137: the timeout ended it). */
  code: number;
  /** Target blocks printed. */
  blocks: number;
  /** Targets of the list whose block ends at hop 6 with the target's address. */
  reached: number;
  /** Probes hopwise's summary line gives; null for scamper. */
  summaryProbes: number | null;
  /** ICMP echo requests the source's netfilter OUTPUT counter saw, or null. */
  counted: number | null;
  /** Hop lines printed (one probe each with `-q 1`). */
  hopLines: number;
  /** Hop lines printed as `*`: probes that got no reply in time. */
  stars: number;
  /** The probes the figures use (see {@linkcode ManyRow.probesSource}). */
  probes: number | null;
  /** hopwise's summary line. */
  summary: string | null;
  /** The wall time hopwise's summary line gives (its run, without start-up), ms. */
  ownWallMs: number | null;
  /** Standard error, when the run failed or did not reach every target. */
  stderr?: string;
}

/** One command on one list, over its runs. */
export interface ManyRow {
  /** The command as shown. */
  label: string;
  /** What ran. */
  tool: "hopwise" | "scamper";
  /**
   * Who ran it: root, or uid 65534 (hopwise only: its ICMP through one
   * datagram "ping" socket; shown beside, not in the ratios).
   */
  user: "root" | "nobody";
  /** Targets in the list. */
  targets: number;
  /** The full argv run in the namespace (without GNU time and timeout). */
  argv: string[];
  /** Every run. */
  runs: ManyRun[];
  /** Whether every run exited 0 and reached every target. */
  allReached: boolean;
  /** Median wall time, ms. */
  wallMedianMs: number;
  /** Median wall time per target, ms. */
  wallPerTargetMs: number;
  /** Median CPU time, ms. */
  cpuMedianMs: number | null;
  /** Median peak RSS, KiB. */
  rssMedianKb: number | null;
  /** Largest peak RSS of the runs, KiB. */
  rssMaxKb: number | null;
  /** Median probes per run. */
  probesMedian: number | null;
  /** Where the probe count comes from. */
  probesSource: string;
  /** Median over the runs of CPU per probe, µs. */
  cpuPerProbeUs: number | null;
  /** Median over the runs of probes per second of wall time. */
  probesPerSecond: number | null;
  /** hopwise: median of the wall time its summary line gives, per target, ms. */
  ownPerTargetMs: number | null;
}

/** What topology M found. */
export interface ManyResult {
  /** Always M. */
  key: "M";
  /** What it is. */
  title: string;
  /** The prefixes the destination answers for. */
  prefixes: readonly string[];
  /** The hop every target must be reached at. */
  hop: number;
  /** Rows: hopwise at each size, scamper at 10,000. */
  rows: ManyRow[];
  /** hopwise's wall time over scamper's at 10,000, per round (back to back), and their median. */
  ratioToScamper: { perRound: number[]; median: number | null };
  /** Wall time per target at each size over that at 10,000 (a run's fixed cost included). */
  linearity: { base: number; ratios: Array<{ targets: number; ratio: number | null }> };
  /**
   * How the cost grows: the cost of each target added from one size to the
   * next (the difference of the median wall times over the difference of the
   * sizes), per step; and the last step's over the first's, per round (the
   * three sizes run back to back: the machine's speed drifts over minutes)
   * with their median.
   */
  growth: { steps: GrowthStep[]; perRound: number[]; ratio: number | null };
}

/** What the targets added from one list size to the next cost. */
export interface GrowthStep {
  /** The smaller list. */
  from: number;
  /** The larger list. */
  to: number;
  /** Wall time per added target, ms. */
  wallMs: number | null;
  /** CPU time per added target, ms. */
  cpuMs: number | null;
}

/** The first `n` addresses of {@linkcode MANY_PREFIXES}, as a list file's text. */
export function manyAddresses(n: number): string[] {
  const out: string[] = [];
  for (const prefix of MANY_PREFIXES) {
    const [base = "", bits = "32"] = prefix.split("/");
    const start = base.split(".").reduce((v, o) => v * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    for (let i = 0; i < size && out.length < n; i++) {
      const v = start + i;
      out.push([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join("."));
    }
  }
  if (out.length < n) throw new Error(`bench M: only ${out.length} addresses for ${n} targets`);
  return out;
}

/** One command of M: how it is shown and run. */
interface ManyCommand {
  label: string;
  tool: "hopwise" | "scamper";
  user: "root" | "nobody";
  targets: number;
  argv: string[];
}

/** Runs topology M. */
export async function runMany(ctx: RunContext): Promise<ManyResult | null> {
  if (!onPath("scamper")) {
    ctx.say("M: skipped: needs scamper (Debian package scamper)");
    return null;
  }
  const { measurer, paths, options } = ctx;
  const rounds = Math.min(options.runs, MAX_RUNS);
  const title = `${MANY_HOP} hops (${ROUTERS} routers), the destination answers for ` +
    `${MANY_PREFIXES.join(", ")}; --targets against scamper`;
  ctx.say(
    `M: building a ${ROUTERS}-router chain answering for ${MANY_PREFIXES.join(", ")}; ` +
      `${rounds} rounds of 1,000, 10,000 and 100,000 targets and scamper's 10,000, ` +
      `back to back (about a minute) ...`,
  );

  const lists = new Map<number, { path: string; set: Set<string> }>();
  for (const n of MANY_SIZES) {
    const addresses = manyAddresses(n);
    const path = `${measurer.dir}/targets-${n}`;
    await Deno.writeTextFile(path, addresses.join("\n") + "\n");
    lists.set(n, { path, set: new Set(addresses) });
  }
  const hw = (n: number): ManyCommand => {
    const args = ["-n", "-I", "-q", "1", "--rate", "0", "--targets", lists.get(n)!.path];
    const spec = hopwise(args, "dist/cli.js");
    return {
      label: `${spec.label.replace(lists.get(n)!.path, `LIST(${n})`)}`,
      tool: "hopwise",
      user: "root",
      targets: n,
      argv: commandArgv(spec, paths),
    };
  };
  // Unprivileged: a copy anyone may read (a checkout under /root is not), from source, with the
  // list beside it; ICMP through one ping socket (net.ipv4.ping_group_range opened below).
  let copy: ReadableCopy | null = null;
  if (onPath("setpriv")) {
    copy = await readableCopy();
    await Deno.copyFile(lists.get(COMPARED_SIZE)!.path, `${copy.dir}/list`);
    await Deno.chmod(`${copy.dir}/list`, 0o644);
  } else {
    ctx.say("M: the unprivileged row is skipped: needs setpriv (Debian package util-linux)");
  }
  const nobody = (n: number, from: ReadableCopy): ManyCommand => {
    const args = ["-n", "-I", "-q", "1", "--rate", "0", "--targets", `${from.dir}/list`];
    return {
      label: `hopwise as nobody (ping socket) -n -I -q 1 --rate 0 --targets LIST(${n})`,
      tool: "hopwise",
      user: "nobody",
      targets: n,
      argv: [
        "setpriv",
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        "--clear-groups",
        "env",
        ...Object.entries(from.env).map(([k, v]) => `${k}=${v}`),
        ...hopwiseArgv(args, from.mod, from.deno),
      ],
    };
  };
  const scamper = (n: number): ManyCommand => {
    const argv = [
      "scamper",
      "-p",
      String(SCAMPER_PPS),
      "-c",
      "trace -P icmp-paris -q 1",
      "-f",
      lists.get(n)!.path,
    ];
    return {
      label: `scamper -p ${SCAMPER_PPS} -c "trace -P icmp-paris -q 1" -f LIST(${n})`,
      tool: "scamper",
      user: "root",
      targets: n,
      argv,
    };
  };
  const commands = [
    hw(1_000),
    hw(COMPARED_SIZE),
    scamper(COMPARED_SIZE),
    hw(100_000),
    ...(copy ? [nobody(COMPARED_SIZE, copy)] : []),
  ];
  const runs = commands.map(() => [] as ManyRun[]);
  try {
    return await measure(ctx, title, rounds, lists, commands, runs);
  } finally {
    if (copy) await Deno.remove(copy.dir, { recursive: true });
  }
}

/** Builds M's lab and runs every command `rounds` times, back to back; sums the runs up. */
async function measure(
  ctx: RunContext,
  title: string,
  rounds: number,
  lists: Map<number, { path: string; set: Set<string> }>,
  commands: ManyCommand[],
  runs: ManyRun[][],
): Promise<ManyResult> {
  const { measurer, options } = ctx;
  await using lab = await Lab.create({ prefix: LAB_PREFIX });
  const c: Chain = await chain(lab, { routers: ROUTERS, anyPrefixes: [...MANY_PREFIXES] });
  if (commands.some((command) => command.user === "nobody")) {
    await lab.sh(c.source, "sysctl -qw net.ipv4.ping_group_range='0 2147483647'");
  }
  const { counting, read: counted } = await echoRequestCounter(lab, c.source, true);
  const output = `${measurer.dir}/many.out`;
  let first = true;
  const once = async (i: number): Promise<void> => {
    const command = commands[i]!;
    if (!first) await sleep(options.pauseS * 1000);
    first = false;
    await counted();
    const timeoutS = TIMEOUT_S[command.targets] ?? 150;
    const argv = [
      "sh",
      "-c",
      'out=$1; shift; exec timeout -k 5 "$@" >"$out"',
      "sh",
      output,
      String(timeoutS),
      ...command.argv,
    ];
    const s: Sample = await measurer.run(lab, c.source, argv);
    const packets = await counted();
    const reach = await countReached(output, lists.get(command.targets)!.set, MANY_HOP);
    await Deno.remove(output).catch(() => {});
    const summary = command.tool === "hopwise" ? summaryOf(s.stderr) : null;
    const probes = command.tool === "hopwise" ? summary?.probes ?? null : packets ?? reach.hopLines;
    const ok = s.code === 0 && reach.reached === command.targets;
    runs[i]!.push({
      wallMs: s.wallMs,
      cpuMs: s.cpuMs,
      rssKb: s.rssKb,
      code: s.code,
      blocks: reach.blocks,
      reached: reach.reached,
      summaryProbes: summary?.probes ?? null,
      counted: packets,
      hopLines: reach.hopLines,
      stars: reach.stars,
      probes,
      summary: summary?.line ?? null,
      ownWallMs: summary?.wallMs ?? null,
      ...(ok ? {} : { stderr: s.stderr.trim().split("\n").slice(-5).join("\n") }),
    });
  };

  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < commands.length; i++) await once(i);
    progress(`M: round ${round + 1}/${rounds} done`);
  }
  progress("");

  const rows = commands.map((command, i): ManyRow => {
    const rs = runs[i]!;
    const cpus = present(rs.map((r) => r.cpuMs));
    const rsss = present(rs.map((r) => r.rssKb));
    const probes = present(rs.map((r) => r.probes));
    const perProbe = present(
      rs.map((r) => (r.cpuMs !== null && r.probes ? (r.cpuMs * 1000) / r.probes : null)),
    );
    const rates = present(
      rs.map((r) => (r.probes !== null && r.wallMs > 0 ? r.probes / (r.wallMs / 1000) : null)),
    );
    const wallMedianMs = median(rs.map((r) => r.wallMs));
    const owns = present(rs.map((r) => r.ownWallMs));
    return {
      label: command.label,
      tool: command.tool,
      user: command.user,
      targets: command.targets,
      argv: command.argv,
      runs: rs,
      allReached: rs.length > 0 && rs.every((r) => r.code === 0 && r.reached === command.targets),
      wallMedianMs,
      wallPerTargetMs: wallMedianMs / command.targets,
      cpuMedianMs: cpus.length ? median(cpus) : null,
      rssMedianKb: rsss.length ? median(rsss) : null,
      rssMaxKb: rsss.length ? Math.max(...rsss) : null,
      probesMedian: probes.length ? median(probes) : null,
      probesSource: command.tool === "hopwise"
        ? "hopwise's summary line"
        : counting
        ? "echo requests counted by netfilter (source OUTPUT)"
        : "hop lines printed (-q 1: one probe a hop)",
      cpuPerProbeUs: perProbe.length ? median(perProbe) : null,
      probesPerSecond: rates.length ? median(rates) : null,
      ownPerTargetMs: owns.length ? median(owns) / command.targets : null,
    };
  });

  const perRound = runs[1]!.map((h, j) => {
    const s = runs[2]![j];
    return s && s.wallMs > 0 ? h.wallMs / s.wallMs : NaN;
  }).filter((r) => Number.isFinite(r));
  const base = rows[1]!.wallPerTargetMs;
  const linearity = {
    base: COMPARED_SIZE,
    ratios: rows.filter(ownSizes).map((r) => ({
      targets: r.targets,
      ratio: base > 0 && Number.isFinite(r.wallPerTargetMs) ? r.wallPerTargetMs / base : null,
    })),
  };
  const sized = rows.filter(ownSizes);
  const steps = sized.slice(1).map((r, i): GrowthStep => {
    const p = sized[i]!;
    const added = r.targets - p.targets;
    const cpu = r.cpuMedianMs !== null && p.cpuMedianMs !== null
      ? (r.cpuMedianMs - p.cpuMedianMs) / added
      : null;
    return {
      from: p.targets,
      to: r.targets,
      wallMs: (r.wallMedianMs - p.wallMedianMs) / added,
      cpuMs: cpu,
    };
  });
  // Per round: hopwise's runs are rows 0, 1 and 3 (1,000, 10,000, 100,000).
  const growthPerRound = runs[0]!.map((small, j) => {
    const middle = runs[1]![j];
    const large = runs[3]![j];
    if (!middle || !large) return NaN;
    const first = (middle.wallMs - small.wallMs) / (COMPARED_SIZE - MANY_SIZES[0]);
    const last = (large.wallMs - middle.wallMs) / (MANY_SIZES[2] - COMPARED_SIZE);
    return first > 0 ? last / first : NaN;
  }).filter((r) => Number.isFinite(r));
  return {
    key: "M",
    title,
    prefixes: MANY_PREFIXES,
    hop: MANY_HOP,
    rows,
    ratioToScamper: { perRound, median: perRound.length ? median(perRound) : null },
    linearity,
    growth: {
      steps,
      perRound: growthPerRound,
      ratio: growthPerRound.length ? median(growthPerRound) : null,
    },
  };
}

/** The hopwise row (as root) and the scamper row at `targets`. */
export function manyRow(
  m: ManyResult,
  tool: ManyRow["tool"],
  targets: number,
): ManyRow | undefined {
  return m.rows.find((r) => r.tool === tool && r.user === "root" && r.targets === targets);
}

/** hopwise's rows as root: the sizes the growth of the cost is judged over. */
export function ownSizes(r: ManyRow): boolean {
  return r.tool === "hopwise" && r.user === "root";
}
