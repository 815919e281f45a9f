/**
 * Topology M's figures, summed up from its runs: each command's medians
 * (wall, CPU, memory, probes), hopwise's ratio to scamper per round, and how
 * the cost grows from one list size to the next. Pure; many.ts runs them.
 *
 * @module
 */
import { median, present } from "./measure.ts";

/** The list sizes. */
export const MANY_SIZES = [1_000, 10_000, 100_000] as const;
/** The size compared with scamper, and the one the others' cost per target is compared with. */
export const COMPARED_SIZE = 10_000;

/** One command of M: how it is shown and run. */
export interface ManyCommand {
  label: string;
  tool: "hopwise" | "scamper";
  user: "root" | "nobody";
  targets: number;
  argv: string[];
}

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

/**
 * What M found, from every command's `runs` (in the commands' order:
 * hopwise at each size, then scamper, then hopwise as nobody); `counting`
 * says whether netfilter counted scamper's probes.
 */
export function manyResult(
  title: string,
  lab: { prefixes: readonly string[]; hop: number },
  commands: readonly ManyCommand[],
  runs: ManyRun[][],
  counting: boolean,
): ManyResult {
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
    prefixes: lab.prefixes,
    hop: lab.hop,
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
