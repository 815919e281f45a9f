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
import { echoRequestCounter, onPath, progress, type Sample, sleep } from "./measure.ts";
import { LAB_PREFIX, type RunContext } from "./run.ts";
import { countReached, summaryOf } from "./many_output.ts";
import {
  COMPARED_SIZE,
  MANY_SIZES,
  type ManyCommand,
  type ManyResult,
  manyResult,
  type ManyRun,
} from "./many_result.ts";

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
/** Rounds at most (the options' `--runs` when lower): each runs every list and scamper once. */
const MAX_RUNS = 3;
/** scamper's rate: the highest it allows. */
const SCAMPER_PPS = 10_000;
/** The user the unprivileged row runs as. */
const NOBODY = 65534;
/** Seconds each command may take before `timeout` ends it, by list size. */
const TIMEOUT_S: Readonly<Record<number, number>> = { 1_000: 30, 10_000: 60, 100_000: 150 };

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

  return manyResult(title, { prefixes: MANY_PREFIXES, hop: MANY_HOP }, commands, runs, counting);
}
