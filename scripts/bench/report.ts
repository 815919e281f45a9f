/**
 * The benchmark's human-readable output: one table per topology, the
 * CPU-per-probe table and the target lines. Every function returns lines;
 * main.ts decides where they go.
 *
 * @module
 */
import type { Discrepancy } from "./hops.ts";
import type { CommandResult, CpuPerProbeResult, StartupResult, TopologyResult } from "./results.ts";
import { megabytes, ratio, seconds, table } from "./format.ts";
import type { TargetResult } from "./targets.ts";

function wall(c: CommandResult): string {
  return `${seconds(c.wallMedianMs)} (${seconds(c.wallMinMs)}..${seconds(c.wallMaxMs)})`;
}

function label(c: CommandResult): string {
  const failures = c.runs.filter((r) => r.code !== 0).length;
  return c.label + (failures ? ` [exit != 0 in ${failures} runs]` : "");
}

function stderrLines(commands: readonly CommandResult[]): string[] {
  const lines: string[] = [];
  for (const c of commands) {
    for (const r of c.runs.filter((r) => r.stderr)) lines.push(`    ${c.label}: ${r.stderr}`);
  }
  return lines;
}

/** The lines of one trace topology: its reference, then one row per command. */
export function topologyLines(t: TopologyResult, runs: number): string[] {
  const lines = [
    "",
    `${t.key}: ${t.title}`,
    `  destination ${t.target}: RTT ${t.destinationRttMs?.toFixed(3) ?? "-"} ms ` +
    `(${t.destinationRttSource}), the physical limit of a trace`,
    `  expected hops: ${t.expectedHops}`,
    `  reference (${t.reference}), printed by ${t.referenceConsistent}/${runs} of its runs: ` +
    `${t.referenceHops}${
      t.referenceHops === t.expectedHops ? " (as expected)" : " (NOT as expected)"
    }`,
  ];
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
    return [
      label(c),
      wall(c),
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
  lines.push(...table(header, rows));
  for (const c of t.commands) {
    const differing = [...new Set(c.runs.filter((r) => !r.sameAsReference).map((r) => r.hops))];
    for (const hops of differing) lines.push(`    ${c.label} printed: ${hops}`);
  }
  lines.push(...stderrLines(t.commands));
  return lines;
}

/** The lines of topology E. */
export function startupLines(e: StartupResult): string[] {
  const rows = e.commands.map((c) => [
    label(c),
    wall(c),
    seconds(c.cpuMedianMs),
    megabytes(c.rssPeakKb),
    ratio(c.ratioToDeno),
    ratio(c.ratioToTraceroute),
  ]);
  return [
    "",
    `E: ${e.title}`,
    ...table(
      ["command", "wall median (min..max) s", "CPU s", "peak RSS", "x deno", "x traceroute"],
      rows,
    ),
    ...stderrLines(e.commands),
  ];
}

/** The lines of a CPU-per-probe table. */
export function cpuPerProbeLines(p: CpuPerProbeResult, topologyTitle: string): string[] {
  const rows = p.rows.map((r) => {
    const failures = r.runs.filter((run) => run.code !== 0).length;
    const counted = r.runs.map((run) => run.counted ?? "-").join(" ");
    return [
      r.label + (failures ? ` [exit != 0 in ${failures} runs]` : ""),
      seconds(r.cpuMedianMs),
      r.probesMedian === null ? "-" : String(r.probesMedian),
      r.cpuPerProbeMs === null ? "-" : r.cpuPerProbeMs.toFixed(3),
      counted,
      r.probesSource,
    ];
  });
  return [
    "",
    `${p.key}: CPU per probe (${topologyTitle}; own runs, CPU = user + sys from bash's times, to the ms)`,
    ...table(
      ["command", "CPU s", "probes", "CPU ms/probe", "packets counted per run", "probes from"],
      rows,
    ),
  ];
}

/** The target lines. */
export function targetLines(targets: readonly TargetResult[]): string[] {
  return [
    "",
    "Targets:",
    ...targets.map((t) => `  ${t.status.padEnd(4)} (${t.id}) ${t.text}: ${t.measured}`),
  ];
}
