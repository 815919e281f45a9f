/**
 * Running the topologies: building each chain on a lab of its own, timing
 * its commands in the order the topology asks for, and turning the samples
 * into figures. The lab is removed when each topology is done, on failure
 * and on Ctrl-C.
 *
 * @module
 */
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { BARE_DENO_LABEL, commandArgv, type CommandPaths, type CommandSpec } from "./commands.ts";
import {
  compareHops,
  destinationTtl,
  type HopList,
  hopList,
  hopText,
  minRttAt,
  modal,
  probesShown,
} from "./hops.ts";
import { type Measurer, median, onPath, present, progress, type Sample, sleep } from "./measure.ts";
import type { BenchOptions } from "./options.ts";
import {
  type CommandResult,
  type CpuPerProbeResult,
  type CpuPerProbeRow,
  type StartupResult,
  summarize,
  type TopologyResult,
} from "./results.ts";
import {
  BLOCK_PAUSE_MS,
  SILENT_CHAIN,
  STARTUP_CHAIN,
  STARTUP_TITLE,
  startupCommands,
  thirtyHopCommands,
  type TopologySpec,
} from "./topologies.ts";

/** What every run needs: the options, the measurer, where the commands are, a log. */
export interface RunContext {
  /** The benchmark's options. */
  options: BenchOptions;
  /** Runs commands under GNU time. */
  measurer: Measurer;
  /** The commands' files. */
  paths: CommandPaths;
  /** Prints one line of the human-readable output. */
  say: (text?: string) => void;
}

/** The lab prefix of every benchmark namespace. */
export const LAB_PREFIX = "hwbench";

/** Runs `commands` `runs` times each, alternating (or in blocks), and returns their samples. */
async function sample(
  ctx: RunContext,
  lab: Lab,
  node: string,
  commands: readonly CommandSpec[],
  options: { key: string; order?: "alternate" | "blocks" | undefined },
): Promise<Sample[][]> {
  const { runs, pauseS } = ctx.options;
  const samples = commands.map(() => [] as Sample[]);
  const argvs = commands.map((command) => commandArgv(command, ctx.paths));
  if (options.order === "blocks") {
    for (const [i, command] of commands.entries()) {
      await sleep(BLOCK_PAUSE_MS);
      for (let round = 0; round < runs; round++) {
        if (round > 0) await sleep(pauseS * 1000);
        samples[i]!.push(await ctx.measurer.run(lab, node, argvs[i]!));
      }
      progress(`${options.key}: ${command.label} done`);
    }
  } else {
    for (let round = 0; round < runs; round++) {
      for (const i of commands.keys()) {
        if (round > 0 || i > 0) await sleep(pauseS * 1000);
        samples[i]!.push(await ctx.measurer.run(lab, node, argvs[i]!));
      }
      progress(`${options.key}: round ${round + 1}/${runs} done`);
    }
  }
  progress("");
  return samples;
}

async function pingRtt(lab: Lab, node: string, target: string): Promise<number | null> {
  if (!onPath("ping")) return null;
  const r = await lab.exec(node, ["ping", "-n", "-c", "5", "-i", "0.2", "-w", "5", target]);
  const times = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return times.length ? median(times) : null;
}

function expectedHops(c: Chain): string {
  const hops: HopList = new Map();
  c.hops4.forEach((address, i) => hops.set(i + 1, c.silent.includes(i + 1) ? "*" : address));
  return hopText(hops);
}

/** Builds `spec`'s chain and times its commands; with `cpuPerProbe`, counts probes too. */
export async function runTopology(
  ctx: RunContext,
  spec: TopologySpec,
): Promise<{ topology: TopologyResult; cpuPerProbe: CpuPerProbeResult | null }> {
  ctx.say(`${spec.key}: building ${spec.title} ...`);
  await using lab = await Lab.create({ prefix: LAB_PREFIX });
  const c = await chain(lab, spec.chain);
  const commands = spec.commands(c);
  const destinationRtt = await pingRtt(lab, c.source, c.target4);
  const samples = await sample(ctx, lab, c.source, commands, spec);

  const lists = samples.map((runs) => runs.map((s) => hopList(s.stdout)));
  const referenceIndex = commands.findIndex((cmd) => cmd.label === spec.reference(c));
  const reference = modal(lists[referenceIndex] ?? []);
  const referenceText = hopText(reference.hops);
  const baselineIndex = commands.findIndex((cmd) => cmd.label === spec.baseline(c));
  let limit = destinationRtt;
  let limitSource = "ping (median of 5)";
  if (limit === null) {
    const rtts = present(samples[referenceIndex]!.map((s) => minRttAt(s.stdout, c.hops4.length)));
    limit = rtts.length ? Math.min(...rtts) : null;
    limitSource = "minimum RTT at the last hop of the reference traceroute";
  }
  const baselineMedian = median(samples[baselineIndex]!.map((s) => s.wallMs));
  const results = commands.map((command, i): CommandResult => {
    const perRun = samples[i]!.map((s, j) => {
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
        ...(spec.discrepancies
          ? { discrepancy: compareHops(hops, reference.hops, c.target4) }
          : {}),
        ...(s.code !== 0 ? { stderr: s.stderr.trim() } : {}),
      };
    });
    const result = summarize(command, commandArgv(command, ctx.paths), samples[i]!, perRun);
    result.ratioToTraceroute = baselineMedian > 0 ? result.wallMedianMs / baselineMedian : null;
    result.ratioToLimit = limit ? result.wallMedianMs / limit : null;
    return result;
  });
  const cpuPerProbe = spec.cpuPerProbe
    ? await countProbes(ctx, lab, c, spec.key, spec.cpuPerProbe(c))
    : null;
  return {
    topology: {
      key: spec.key,
      title: spec.title,
      target: c.target4,
      expectedHops: expectedHops(c),
      destinationRttMs: limit,
      destinationRttSource: limitSource,
      reference: spec.reference(c),
      referenceHops: referenceText,
      referenceConsistent: reference.count,
      commands: results,
    },
    cpuPerProbe,
  };
}

/**
 * Runs `commands` again with a probe count per run: hopwise's
 * `statistics.sent` from its `--json` document, traceroute's packets to the
 * target as a netfilter rule in the source's OUTPUT counts them (what it
 * prints when iptables is missing). CPU is user + sys to the millisecond
 * ({@linkcode Measurer.runPrecise}).
 */
async function countProbes(
  ctx: RunContext,
  lab: Lab,
  c: Chain,
  key: TopologySpec["key"],
  commands: readonly CommandSpec[],
): Promise<CpuPerProbeResult> {
  ctx.say(`${key}: CPU per probe (${commands.length} commands, probes counted) ...`);
  const counting = onPath("iptables")
    ? await lab.sh(c.source, `iptables -w -I OUTPUT 1 -d ${c.target4}`).then(
      () => true,
      () => false,
    )
    : false;
  const counted = async (): Promise<number | null> => {
    if (!counting) return null;
    const line = await lab.sh(c.source, `iptables -w -nvxL OUTPUT 1 && iptables -w -Z OUTPUT`);
    const packets = Number(line.trim().split(/\s+/)[0]);
    return Number.isFinite(packets) ? packets : null;
  };
  const argvs = commands.map((command) => commandArgv(command, ctx.paths));
  const rows: CpuPerProbeRow[] = commands.map((command, i) => ({
    label: command.label,
    tool: command.tool,
    entry: command.entry,
    argv: argvs[i]!,
    cpuMedianMs: null,
    probesMedian: null,
    probesSource: command.tool === "hopwise"
      ? "statistics.sent of --json"
      : counting
      ? "packets to the target counted by netfilter (OUTPUT)"
      : "probes printed (* or RTT)",
    cpuPerProbeMs: null,
    runs: [],
  }));
  await counted();
  for (let round = 0; round < ctx.options.runs; round++) {
    for (const [i, command] of commands.entries()) {
      if (round > 0 || i > 0) await sleep(ctx.options.pauseS * 1000);
      const s = await ctx.measurer.runPrecise(lab, c.source, argvs[i]!);
      const packets = await counted();
      const probes = command.tool === "hopwise"
        ? sentOf(s.stdout)
        : packets ?? probesShown(s.stdout);
      rows[i]!.runs.push({ cpuMs: s.cpuMs, probes, counted: packets, code: s.code });
    }
    progress(`${key}: CPU per probe, round ${round + 1}/${ctx.options.runs} done`);
  }
  progress("");
  for (const row of rows) {
    const cpus = present(row.runs.map((r) => r.cpuMs));
    const probes = present(row.runs.map((r) => r.probes));
    const perProbe = present(
      row.runs.map((r) => r.cpuMs !== null && r.probes ? r.cpuMs / r.probes : null),
    );
    row.cpuMedianMs = cpus.length ? median(cpus) : null;
    row.probesMedian = probes.length ? median(probes) : null;
    row.cpuPerProbeMs = perProbe.length ? median(perProbe) : null;
  }
  return { key, target: c.target4, rows };
}

/** `statistics.sent` of a `--json` document, or null. */
function sentOf(stdout: string): number | null {
  try {
    const sent = (JSON.parse(stdout) as { statistics?: { sent?: unknown } }).statistics?.sent;
    return typeof sent === "number" ? sent : null;
  } catch {
    return null;
  }
}

/** Topology E: start-up against a bare `deno run`, and the peak RSS of a 30-hop trace. */
export async function runStartup(ctx: RunContext): Promise<StartupResult> {
  ctx.say(
    "E: building a 1-router chain and a 1-router chain whose destination drops everything ...",
  );
  const results: CommandResult[] = [];
  {
    await using lab = await Lab.create({ prefix: LAB_PREFIX });
    const c = await chain(lab, STARTUP_CHAIN);
    const commands = startupCommands(c);
    const samples = await sample(ctx, lab, c.source, commands, { key: "E" });
    commands.forEach((command, i) =>
      results.push(summarize(command, commandArgv(command, ctx.paths), samples[i]!))
    );
  }
  {
    await using lab = await Lab.create({ prefix: LAB_PREFIX });
    const c = await chain(lab, SILENT_CHAIN);
    const commands = thirtyHopCommands(c);
    const samples = await sample(ctx, lab, c.source, commands, { key: "E (30 hops)" });
    commands.forEach((command, i) =>
      results.push(summarize(command, commandArgv(command, ctx.paths), samples[i]!))
    );
  }
  const deno = results.find((r) => r.label === BARE_DENO_LABEL);
  const baseline = results.find((r) => r.tool === "traceroute");
  for (const r of results) {
    if (r.tool === "traceroute" || r.label.includes(" -m 30 ")) continue;
    r.ratioToDeno = deno && deno.wallMedianMs > 0 ? r.wallMedianMs / deno.wallMedianMs : null;
    if (baseline && r.label.includes(" -m 1 ")) {
      r.ratioToTraceroute = r.wallMedianMs / baseline.wallMedianMs;
    }
  }
  return {
    key: "E",
    title: STARTUP_TITLE,
    commands: results,
    denoMedianMs: deno?.wallMedianMs ?? null,
  };
}
