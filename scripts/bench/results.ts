/**
 * The figures the benchmark collects, as they appear in its JSON (the
 * fields of earlier versions kept, new ones added), and how one command's
 * samples become its figures.
 *
 * @module
 */
import type { CommandSpec, Entry, Tool } from "./commands.ts";
import { type Discrepancy, hopList, hopText } from "./hops.ts";
import { median, present, type Sample } from "./measure.ts";
import type { TopologyKey } from "./options.ts";

/** One run of a command, as the JSON records it. */
export interface RunResult {
  /** Wall time around `ip netns exec ...`, ms. */
  wallMs: number;
  /** User + system CPU time, ms; null without GNU time. */
  cpuMs: number | null;
  /** Peak RSS, KiB; null without GNU time. */
  rssKb: number | null;
  /** Exit status. */
  code: number;
  /** The hop list printed. */
  hops: string;
  /** Standard output. */
  stdout: string;
  /** Whether the hop list is the reference's. */
  sameAsReference: boolean;
  /** The TTL of the destination's line, or null. */
  destinationTtl: number | null;
  /** Topologies D and F: how the hop list differs from the reference. */
  discrepancy?: Discrepancy;
  /** Standard error, for a run that failed. */
  stderr?: string;
}

/** Figures of one command over its runs. */
export interface CommandResult {
  /** The command's label (see {@linkcode CommandSpec.label}). */
  label: string;
  /** What ran. */
  tool: Tool;
  /** hopwise's entry (mod.ts, cli.ts, dist/cli.js); null for the other tools. */
  entry: Entry | null;
  /** The full argv run in the namespace (without GNU time). */
  argv: string[];
  /** Every run. */
  runs: RunResult[];
  /** Median wall time, ms. */
  wallMedianMs: number;
  /** Fastest run, ms. */
  wallMinMs: number;
  /** Slowest run, ms. */
  wallMaxMs: number;
  /** Median CPU time, ms. */
  cpuMedianMs: number | null;
  /** The largest peak RSS of the runs, KiB. */
  rssPeakKb: number | null;
  /** Runs whose hop list is the reference's. */
  sameRuns: number;
  /** Median wall time over the baseline traceroute's. */
  ratioToTraceroute: number | null;
  /** Median wall time over the destination's RTT. */
  ratioToLimit: number | null;
  /** Topology E: median wall time over the bare `deno run`'s. */
  ratioToDeno?: number | null;
}

/** One trace topology (A, B, C, D, F). */
export interface TopologyResult {
  /** The topology's letter. */
  key: TopologyKey;
  /** What it is. */
  title: string;
  /** The address traced. */
  target: string;
  /** The hop list the chain should give. */
  expectedHops: string;
  /** The destination's RTT, the physical limit of a trace, ms. */
  destinationRttMs: number | null;
  /** Where that RTT comes from. */
  destinationRttSource: string;
  /** The label of the command whose hop list is the reference. */
  reference: string;
  /** The reference's hop list (the one most of its runs printed). */
  referenceHops: string;
  /** How many of the reference's runs printed it. */
  referenceConsistent: number;
  /** Every command. */
  commands: CommandResult[];
}

/** Topology E: start-up figures and the RSS of a 30-hop trace. */
export interface StartupResult {
  /** Always E. */
  key: "E";
  /** What it is. */
  title: string;
  /** Every command. */
  commands: CommandResult[];
  /** The bare `deno run`'s median wall time, ms. */
  denoMedianMs: number | null;
}

/** CPU per probe of one command, over its runs. */
export interface CpuPerProbeRow {
  /** The command's label. */
  label: string;
  /** What ran. */
  tool: Tool;
  /** hopwise's entry; null for traceroute. */
  entry: Entry | null;
  /** The full argv. */
  argv: string[];
  /** Median CPU time (user + sys), ms. */
  cpuMedianMs: number | null;
  /** Median probes sent per run. */
  probesMedian: number | null;
  /** Where the probe count comes from. */
  probesSource: string;
  /** Median over the runs of CPU / probes, ms per probe. */
  cpuPerProbeMs: number | null;
  /** Per run: CPU ms, probes, and the packets the source's netfilter counter saw. */
  runs: Array<
    { cpuMs: number | null; probes: number | null; counted: number | null; code: number }
  >;
}

/** The CPU-per-probe figures of one topology (A). */
export interface CpuPerProbeResult {
  /** The topology's letter. */
  key: TopologyKey;
  /** The address traced. */
  target: string;
  /** One row per command. */
  rows: CpuPerProbeRow[];
}

/** Summarises `samples` of `command`; the caller fills in the reference fields. */
export function summarize(
  command: CommandSpec,
  argv: string[],
  samples: readonly Sample[],
  perRun: RunResult[] = samples.map(plainRun),
): CommandResult {
  const walls = samples.map((s) => s.wallMs);
  const cpus = present(samples.map((s) => s.cpuMs));
  const rsss = present(samples.map((s) => s.rssKb));
  return {
    label: command.label,
    tool: command.tool,
    entry: command.entry,
    argv,
    runs: perRun,
    wallMedianMs: median(walls),
    wallMinMs: Math.min(...walls),
    wallMaxMs: Math.max(...walls),
    cpuMedianMs: cpus.length ? median(cpus) : null,
    rssPeakKb: rsss.length ? Math.max(...rsss) : null,
    sameRuns: perRun.filter((r) => r.sameAsReference).length,
    ratioToTraceroute: null,
    ratioToLimit: null,
  };
}

/** A run with no reference to compare with (topology E). */
function plainRun(s: Sample): RunResult {
  return {
    wallMs: s.wallMs,
    cpuMs: s.cpuMs,
    rssKb: s.rssKb,
    code: s.code,
    hops: hopText(hopList(s.stdout)),
    stdout: s.stdout,
    sameAsReference: true,
    destinationTtl: null,
    ...(s.code !== 0 ? { stderr: s.stderr.trim() } : {}),
  };
}
