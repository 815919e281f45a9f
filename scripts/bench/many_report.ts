/**
 * The lines that show topology M's figures (see many.ts): the table of runs,
 * the ratio to scamper per round, CPU per probe, and how the cost grows.
 *
 * @module
 */
import { megabytes, ratio, seconds, table } from "./format.ts";
import { COMPARED_SIZE, type ManyResult, manyRow, ownSizes } from "./many_result.ts";

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** The lines that show topology M's figures. */
export function manyLines(m: ManyResult): string[] {
  const lines = ["", `M: ${m.title} (hopwise from dist/cli.js)`];
  lines.push(
    ...table(
      [
        "command",
        "targets",
        "runs",
        "reached",
        "wall median s",
        "ms/target",
        "CPU s",
        "CPU µs/probe",
        "peak RSS",
        "probes",
        "probes/s",
        "* per run",
      ],
      m.rows.map((r) => [
        r.label,
        count(r.targets),
        String(r.runs.length),
        r.runs.map((run) => (run.reached === r.targets && run.code === 0 ? "all" : count(
          run.reached,
        ))).join(" "),
        seconds(r.wallMedianMs),
        r.wallPerTargetMs.toFixed(3),
        seconds(r.cpuMedianMs),
        r.cpuPerProbeUs === null ? "-" : r.cpuPerProbeUs.toFixed(1),
        megabytes(r.rssMedianKb),
        r.probesMedian === null ? "-" : count(r.probesMedian),
        r.probesPerSecond === null ? "-" : count(Math.round(r.probesPerSecond)),
        r.runs.map((run) => count(run.stars)).join(" "),
      ]),
    ).map((l) => `  ${l}`),
  );
  const h = manyRow(m, "hopwise", COMPARED_SIZE);
  const s = manyRow(m, "scamper", COMPARED_SIZE);
  lines.push(
    `  wall time, hopwise / scamper at ${count(COMPARED_SIZE)} (per round: ${
      m.ratioToScamper.perRound.map((r) => r.toFixed(3)).join(" ")
    }): median ${ratio(m.ratioToScamper.median)}`,
    `  CPU per probe at ${count(COMPARED_SIZE)}: hopwise ${
      h?.cpuPerProbeUs?.toFixed(1) ?? "-"
    } µs, scamper ${s?.cpuPerProbeUs?.toFixed(1) ?? "-"} µs; probes: hopwise from ${
      h?.probesSource ?? "-"
    }, scamper from ${s?.probesSource ?? "-"}`,
    `  cost of each target added: ${
      m.growth.steps.map((g) =>
        `${count(g.from)} to ${count(g.to)}: ${g.wallMs?.toFixed(4) ?? "-"} ms wall, ${
          g.cpuMs?.toFixed(4) ?? "-"
        } ms CPU`
      ).join("; ")
    }; the last over the first, per round: ${
      m.growth.perRound.map((r) => r.toFixed(3)).join(" ")
    }, median ${ratio(m.growth.ratio)}`,
    `  wall time per target over that at ${count(m.linearity.base)}: ${
      m.linearity.ratios.map((r) => `${count(r.targets)} ${ratio(r.ratio)}`).join(", ")
    } (the wall time includes start-up; per target without it, from hopwise's summary line: ${
      m.rows.filter(ownSizes).map((r) =>
        `${count(r.targets)} ${r.ownPerTargetMs?.toFixed(3) ?? "-"} ms`
      ).join(", ")
    })`,
  );
  if (m.rows.some((r) => r.runs.some((run) => run.stars > 0))) {
    lines.push("  * per run: hop lines printed as *, probes answered too late or not at all");
  }
  for (const r of m.rows) {
    for (const run of r.runs.filter((run) => run.stderr !== undefined)) {
      lines.push(
        `    ${r.label}: exit ${run.code}, ${count(run.reached)}/${count(r.targets)} reached, ` +
          `${count(run.blocks)} blocks${
            run.stderr ? `: ${run.stderr.replaceAll("\n", " | ")}` : ""
          }`,
      );
    }
  }
  return lines;
}
