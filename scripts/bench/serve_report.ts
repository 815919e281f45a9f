/**
 * Part S's figures as the bench prints them.
 *
 * @module
 */
import { megabytes, ratio, seconds, table } from "./format.ts";
import { SAMPLE_S, type ServeResult, STEADY_SAMPLE } from "./serve.ts";

/** A count with thousands' commas, `-` for none. */
function count(n: number | null): string {
  return n === null ? "-" : Math.round(n).toLocaleString("en-US");
}

/** The lines that show part S's figures. */
export function serveLines(s: ServeResult): string[] {
  const lines = ["", `S: ${s.title}`, `  ${s.label}`];
  lines.push(
    ...table(
      ["at s", "CPU s", "CPU over the 10 s", "RSS", "scrape ms", "targets up", "probes sent"],
      s.samples.map((x, i) => {
        const p = s.samples[i - 1];
        const share = p ? (x.cpuS - p.cpuS) / (x.atS - p.atS) : x.cpuS / x.atS;
        return [
          x.atS.toFixed(1),
          x.cpuS.toFixed(2),
          `${(100 * share).toFixed(1)}%`,
          megabytes(x.rssKb),
          x.scrape ? x.scrape.ms.toFixed(1) : "-",
          x.scrape ? count(x.scrape.up) : "-",
          x.scrape ? count(x.scrape.sent) : "-",
        ];
      }),
    ).map((l) => `  ${l}`),
  );
  const pct = (v: number | null) => (v === null ? "-" : `${(100 * v).toFixed(1)}%`);
  const f = s.scrapes.final;
  lines.push(
    `  CPU from ${(STEADY_SAMPLE + 1) * SAMPLE_S} s to the end: ${pct(s.cpuCores)} of one core; ` +
      `peak RSS (VmHWM) ${megabytes(s.peakRssKb)}; RSS at ${(STEADY_SAMPLE + 1) * SAMPLE_S} s ${
        megabytes(s.memory.secondKb)
      }, at the end ${megabytes(s.memory.lastKb)} (${
        s.memory.growth === null ? "-" : `${s.memory.growth >= 0 ? "+" : ""}${pct(s.memory.growth)}`
      })`,
    `  probes a second: ${count(s.probesPerSecond.metrics)} (hopwise_probes_sent_total), ${
      count(s.probesPerSecond.counted)
    } (netfilter), expected about ${count(s.probesPerSecond.expected)}`,
    `  /metrics, ${f.length} scrapes back to back at the end: ${
      f.map((x) => x.ms.toFixed(1)).join(" ")
    } ms, median ${s.scrapes.medianMs?.toFixed(1) ?? "-"} ms; ${
      f.map((x) => count(x.up)).join(" ")
    } targets up of ${count(s.targets)}`,
    `  a scrape: ${count(f[0]?.bytes ?? null)} bytes, ${count(f[0]?.series ?? null)} samples, ${
      s.scrapes.cpuMs === null ? "-" : seconds(s.scrapes.cpuMs)
    } s of the service's CPU; most bytes: ${
      (f[0]?.families ?? []).map(([name, bytes]) =>
        `${name} ${(100 * bytes / (f[0]?.bytes || 1)).toFixed(0)}%`
      ).join(", ") || "-"
    }`,
    `  exit after SIGTERM: ${s.exit.code ?? "-"}`,
    "",
    `S: CPU per probe (CPU = user + sys; the service's over its steady run, the others' from GNU time)`,
    ...table(
      [
        "command",
        "wall s",
        "CPU s",
        "peak RSS",
        "probes",
        "CPU µs/probe",
        "counted",
        "probes from",
      ],
      s.cpuPerProbe.map((r) => [
        r.label + (r.code !== null && r.code !== 0 ? ` [exit ${r.code}]` : ""),
        seconds(r.wallMs),
        seconds(r.cpuMs),
        megabytes(r.rssKb),
        count(r.probes),
        r.cpuPerProbeUs?.toFixed(1) ?? "-",
        count(r.counted),
        r.probesSource,
      ]),
    ).map((l) => `  ${l}`),
  );
  const service = s.cpuPerProbe[0]?.cpuPerProbeUs ?? null;
  const others = s.cpuPerProbe.slice(1).map((r) =>
    `${r.label.split(" ")[0]} ${
      ratio(service !== null && r.cpuPerProbeUs ? service / r.cpuPerProbeUs : null)
    }`
  );
  if (others.length) lines.push(`  the service's CPU per probe over: ${others.join(", ")}`);
  if (s.exit.stderr) lines.push(`  the service's stderr: ${s.exit.stderr.replaceAll("\n", " | ")}`);
  for (const p of s.problems) lines.push(`  problem: ${p}`);
  return lines;
}
