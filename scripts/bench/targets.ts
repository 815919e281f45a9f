/**
 * The benchmark's targets, each checked against the figures and reported as
 * PASS, FAIL, or SKIP when its topology did not run:
 *
 * 1. A: hopwise from the bundle at most 0.50 x traceroute's median wall
 *    time, with the same hop list in every run.
 * 2. B: the bundle at most 0.20 x traceroute's, the same hop list, hop 4 `*`.
 * 3. D and F: every hop `traceroute -N 1` finds, no phantom line, no wrong
 *    TTL, and a median no slower than traceroute's.
 * 4. E: a one-hop trace at most 1.5 x a bare `deno run` of a one-line
 *    script, judged on the fastest of the three entries.
 * 6. E: a 30-hop trace's peak RSS under 60 MB.
 * 7. W: peak memory after 10,000 cycles within 10% of that after 1,000.
 * 8. M: hopwise reaches every target at hop 6 in every run (scamper's
 *    figures are shown beside, not judged).
 * 9. M: 10,000 targets in at most 0.25 x scamper's wall time (median of the
 *    ratios of runs back to back).
 * 10. M: hopwise's peak RSS at 10,000 targets under 256 MB (largest run).
 * 11. M: the wall time per target at 1,000 and at 100,000 each within 20% of
 *     that at 10,000.
 * 12. S: the service watching 1,000 targets at a cycle a second uses at most
 *     half of one core (from 20 s on); shown, not judged: its CPU per probe
 *     against mtr's and `--report`'s on one target.
 * 13. S: the service's peak RSS at most 256 MB.
 * 14. S: its memory flat: the RSS of the last sample within 10% of that at
 *     the second (20 s).
 * 15. S: a /metrics scrape of 1,000 targets under 250 ms (median of 5), with
 *     every target up.
 * 16. M: names on (a lab DNS server) at most 1.2 x `-n` at 10,000 targets.
 * 17. M: a resolver that never answers costs 1,000 targets (each its own
 *     address) at most the lookup deadline and 1 s more than `-n` (Linux
 *     traceroute's wait shown beside).
 *
 * (Target 5 of earlier versions, A's CPU under 0.2 s, gave way to the
 * CPU-per-probe figure, which has no threshold.)
 *
 * @module
 */
import { BARE_DENO_LABEL, type Entry } from "./commands.ts";
import type { Discrepancy } from "./hops.ts";
import type { TopologyKey } from "./options.ts";
import { megabytes, ratio3, seconds } from "./format.ts";
import type { CommandResult, StartupResult, TopologyResult } from "./results.ts";
import type { ContinuousResult } from "./continuous.ts";
import { COMPARED_SIZE, type ManyResult, type ManyRow, manyRow, ownSizes } from "./many_result.ts";
import type { ServeResult } from "./serve.ts";
import { namesChecks, type NamesResult } from "./many_names.ts";

/** One target's verdict. */
export interface TargetResult {
  /** The target's number. */
  id: number;
  /** What it asks. */
  text: string;
  /** The verdict; SKIP when its topology did not run. */
  status: "PASS" | "FAIL" | "SKIP";
  /** The figures it was judged on. */
  measured: string;
}

/** Limits of the targets. */
export const LIMITS = {
  /** A: bundle's median over traceroute's. */
  a: 0.5,
  /** B: bundle's median over traceroute's. */
  b: 0.2,
  /** E: one-hop trace over a bare `deno run`. */
  startup: 1.5,
  /** E: 30-hop trace's peak RSS, KiB. */
  rssKb: 60 * 1024,
  /** W: peak RSS after 10,000 cycles over that after 1,000, less one. */
  memoryGrowth: 0.1,
  /** M: hopwise's wall time over scamper's at 10,000 targets. */
  many: 0.25,
  /** M: hopwise's peak RSS at 10,000 targets, KiB. */
  manyRssKb: 256 * 1024,
  /** M: wall time per target at each size over that at 10,000, less one, either way. */
  manyLinear: 0.2,
  /** S: the service's CPU, in cores. */
  serveCpu: 0.5,
  /** S: the service's peak RSS, KiB. */
  serveRssKb: 256 * 1024,
  /** S: RSS at the last sample over that at the second, less one, either way. */
  serveMemory: 0.1,
  /** S: median /metrics scrape, ms. */
  serveScrapeMs: 250,
} as const;

/** The judged entry of A and B. */
const JUDGED: Entry = "dist/cli.js";

function hopwiseFrom(t: TopologyResult | StartupResult | undefined | null, entry: Entry) {
  return t?.commands.filter((c) => c.tool === "hopwise" && c.entry === entry) ?? [];
}

/** ` (cli.ts 0.551, mod.ts 0.562)`: the other entries' ratios to traceroute. */
function sourceRatios(t: TopologyResult | undefined): string {
  const parts = (["cli.ts", "mod.ts"] as const).flatMap((entry) =>
    hopwiseFrom(t, entry).map((c) => `${entry} ${ratio3(c.ratioToTraceroute)}`)
  );
  return parts.length ? ` (from source: ${parts.join(", ")})` : "";
}

function verdict(ok: boolean | null): TargetResult["status"] {
  return ok === null ? "SKIP" : ok ? "PASS" : "FAIL";
}

/** Checks every target. */
export function checkTargets(
  topologies: ReadonlyMap<TopologyKey, TopologyResult>,
  startup: StartupResult | null,
  continuous: ContinuousResult | null = null,
  many: ManyResult | null = null,
  serve: ServeResult | null = null,
  names: NamesResult | null = null,
): TargetResult[] {
  const targets: TargetResult[] = [];
  const add = (id: number, text: string, ok: boolean | null, measured: string) =>
    targets.push({ id, text, status: verdict(ok), measured });
  const sameAll = (h: CommandResult) => h.sameRuns === h.runs.length;

  {
    const a = topologies.get("A");
    const h = hopwiseFrom(a, JUDGED)[0];
    const ok = h && h.ratioToTraceroute !== null
      ? h.ratioToTraceroute <= LIMITS.a && sameAll(h)
      : null;
    add(
      1,
      `A: hopwise (${JUDGED}) median <= ${LIMITS.a.toFixed(2)} x traceroute's, same hop list`,
      ok,
      h
        ? `ratio ${ratio3(h.ratioToTraceroute)}, same hops ${h.sameRuns}/${h.runs.length}` +
          sourceRatios(a)
        : "not run",
    );
  }
  {
    const b = topologies.get("B");
    const h = hopwiseFrom(b, JUDGED)[0];
    const silentStars = h?.runs.every((r) => r.hops.split(", ").includes("4 *")) ?? false;
    const ok = h && h.ratioToTraceroute !== null
      ? h.ratioToTraceroute <= LIMITS.b && sameAll(h) && silentStars
      : null;
    add(
      2,
      `B: hopwise (${JUDGED}) median <= ${LIMITS.b.toFixed(2)} x traceroute's, ` +
        "same hop list with hop 4 * * *",
      ok,
      h
        ? `ratio ${ratio3(h.ratioToTraceroute)}, same hops ${h.sameRuns}/${h.runs.length}, ` +
          `hop 4 * in every run: ${silentStars ? "yes" : "no"}` + sourceRatios(b)
        : "not run",
    );
  }
  for (const key of ["D", "F"] as const) {
    const t = topologies.get(key);
    const h = t?.commands.find((c) => c.tool === "hopwise");
    const tr = t?.commands.find((c) => c.label === `traceroute -n ${t.target}`);
    const total = (k: keyof Discrepancy) =>
      h?.runs.reduce((n, r) => n + (r.discrepancy?.[k] ?? 0), 0) ?? 0;
    const ok = h && tr
      ? total("missing") === 0 && total("phantom") === 0 && total("wrong") === 0 &&
        h.wallMedianMs <= tr.wallMedianMs
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
    const deno = startup?.commands.find((c) => c.label === BARE_DENO_LABEL);
    const oneHop =
      startup?.commands.filter((c) => c.tool === "hopwise" && c.label.includes(" -n -m 1 ")) ?? [];
    const fastest = oneHop.reduce<CommandResult | null>(
      (best, c) => (best === null || c.wallMedianMs < best.wallMedianMs ? c : best),
      null,
    );
    const ok = deno && fastest && typeof fastest.ratioToDeno === "number"
      ? fastest.ratioToDeno <= LIMITS.startup
      : null;
    add(
      4,
      `E: a one-hop trace <= ${LIMITS.startup} x a bare deno run of console.log(1), ` +
        "fastest entry",
      ok,
      deno && fastest
        ? `fastest ${fastest.entry} ${ratio3(fastest.ratioToDeno)} ` +
          `(${seconds(fastest.wallMedianMs)} s vs ${seconds(deno.wallMedianMs)} s); ` +
          oneHop.map((c) => `${c.entry} ${ratio3(c.ratioToDeno)}`).join(", ")
        : "not run",
    );
  }
  {
    const thirty = startup?.commands.find((c) =>
      c.tool === "hopwise" && c.entry === "mod.ts" && c.label.includes(" -m 30 ")
    );
    const ok = thirty ? thirty.rssPeakKb !== null && thirty.rssPeakKb < LIMITS.rssKb : null;
    add(
      6,
      `E: a 30-hop trace's peak RSS under ${LIMITS.rssKb / 1024} MB (mod.ts)`,
      ok,
      thirty ? `${megabytes(thirty.rssPeakKb)}` : "not run",
    );
  }
  {
    const growth = continuous?.memory.growth ?? null;
    add(
      7,
      `W: peak memory after 10,000 cycles within ${100 * LIMITS.memoryGrowth}% of that after 1,000`,
      growth === null ? null : growth <= LIMITS.memoryGrowth,
      continuous
        ? `${megabytes(continuous.memory.after1000)} and ${
          megabytes(continuous.memory.after10000)
        }` +
          (growth === null ? "" : ` (${(100 * growth).toFixed(1)}%)`)
        : "not run",
    );
  }
  manyTargets(many, add);
  serveTargets(serve, add);
  for (const check of namesChecks(names)) add(check.id, check.text, check.ok, check.measured);
  return targets;
}

/** Targets 12 to 15, part S. */
function serveTargets(
  s: ServeResult | null,
  add: (id: number, text: string, ok: boolean | null, measured: string) => void,
): void {
  const pct = (v: number | null) => (v === null ? "-" : `${(100 * v).toFixed(1)}%`);
  const n = (s?.targets ?? 1000).toLocaleString("en-US");
  {
    const us = (r: ServeResult["cpuPerProbe"][number] | undefined) =>
      r?.cpuPerProbeUs?.toFixed(1) ?? "-";
    const [service, report, mtr] = s?.cpuPerProbe ?? [];
    add(
      12,
      `S: the service, ${n} targets at a cycle a second, uses at most ${
        100 * LIMITS.serveCpu
      }% of one core (from 20 s on)`,
      s ? s.cpuCores !== null && s.cpuCores <= LIMITS.serveCpu : null,
      s
        ? `${pct(s.cpuCores)} at ${
          s.probesPerSecond.metrics?.toFixed(0) ?? "-"
        } probes a second; shown, not judged: CPU per probe ${us(service)} µs, ` +
          `--report ${us(report)} µs, mtr ${us(mtr)} µs (one target)`
        : "not run",
    );
  }
  add(
    13,
    `S: the service's peak RSS at most ${LIMITS.serveRssKb / 1024} MB`,
    s ? s.peakRssKb !== null && s.peakRssKb <= LIMITS.serveRssKb : null,
    s ? megabytes(s.peakRssKb) : "not run",
  );
  {
    const g = s?.memory.growth ?? null;
    add(
      14,
      `S: the service's memory flat: the last sample's RSS within ${
        100 * LIMITS.serveMemory
      }% of the second's (20 s)`,
      s ? g !== null && Math.abs(g) <= LIMITS.serveMemory : null,
      s
        ? `${megabytes(s.memory.secondKb)} and ${megabytes(s.memory.lastKb)} (${pct(g)}) ` +
          `over ${s.durationS} s`
        : "not run",
    );
  }
  {
    const m = s?.scrapes.medianMs ?? null;
    add(
      15,
      `S: a /metrics scrape of ${n} targets under ${LIMITS.serveScrapeMs} ms ` +
        "(median of 5), every target up",
      s ? m !== null && m < LIMITS.serveScrapeMs && s.scrapes.allUp : null,
      s
        ? `median ${m?.toFixed(1) ?? "-"} ms; targets up per scrape ${
          s.scrapes.final.map((f) => f.up).join(" ") || "-"
        }`
        : "not run",
    );
  }
}

/** Targets 8 to 11, topology M. */
function manyTargets(
  m: ManyResult | null,
  add: (id: number, text: string, ok: boolean | null, measured: string) => void,
): void {
  const n = COMPARED_SIZE.toLocaleString("en-US");
  {
    // scamper's runs are shown, not judged: on a slow machine its raw socket drops replies.
    const judged = m?.rows.filter((r) => r.tool === "hopwise") ?? [];
    const reached = (r: ManyRow) =>
      `${r.tool}${r.user === "nobody" ? " as nobody" : ""} ${r.targets.toLocaleString("en-US")}: ` +
      r.runs.map((run) => (run.code === 0 ? `${run.reached}` : `${run.reached} (exit ${run.code})`))
        .join(" ");
    add(
      8,
      `M: hopwise reaches every target at hop ${m?.hop ?? 6} in every run`,
      m ? judged.every((r) => r.allReached) : null,
      m
        ? judged.map(reached).join("; ") + "; shown, not judged: " +
          m.rows.filter((r) => r.tool !== "hopwise").map(reached).join("; ")
        : "not run",
    );
  }
  {
    const h = m ? manyRow(m, "hopwise", COMPARED_SIZE) : undefined;
    const s = m ? manyRow(m, "scamper", COMPARED_SIZE) : undefined;
    const r = m?.ratioToScamper.median ?? null;
    add(
      9,
      `M: ${n} targets in <= ${LIMITS.many.toFixed(2)} x scamper's wall time ` +
        "(median of the ratios back to back)",
      m ? r !== null && r <= LIMITS.many : null,
      m
        ? `ratio ${ratio3(r)} (${seconds(h?.wallMedianMs ?? null)} s vs ${
          seconds(s?.wallMedianMs ?? null)
        } s)`
        : "not run",
    );
  }
  {
    const h = m ? manyRow(m, "hopwise", COMPARED_SIZE) : undefined;
    const rss = h?.rssMaxKb ?? null;
    add(
      10,
      `M: hopwise's peak RSS at ${n} targets under ${LIMITS.manyRssKb / 1024} MB (largest run)`,
      m ? rss !== null && rss < LIMITS.manyRssKb : null,
      m ? megabytes(rss) : "not run",
    );
  }
  {
    // A run has a fixed cost (Deno's start-up, opening the sockets, the JIT warming up), so the
    // whole run's time per target falls as lists grow; linear growth means each target added
    // costs the same at every size. The whole-run figures are shown beside.
    const g = m?.growth ?? null;
    const ok = g !== null && g.ratio !== null && Math.abs(g.ratio - 1) <= LIMITS.manyLinear;
    add(
      11,
      `M: cost grows linearly: each target added from 10,000 to 100,000 costs within ${
        100 * LIMITS.manyLinear
      }% of each added from 1,000 to 10,000 (wall time, hopwise; median of the rounds)`,
      m ? ok : null,
      m && g
        ? g.steps.map((s) =>
          `${s.from.toLocaleString("en-US")} to ${s.to.toLocaleString("en-US")}: ${
            s.wallMs?.toFixed(4) ?? "-"
          } ms`
        ).join(", ") + ` (per round ${
          g.perRound.map((r) => r.toFixed(3)).join(" ")
        }: x ${ratio3(g.ratio)}); shown, not judged: a whole run per target ` +
          m.rows.filter(ownSizes).map((r) => {
            const x = m.linearity.ratios.find((l) =>
              l.targets === r.targets
            )?.ratio ?? null;
            return `${r.targets.toLocaleString("en-US")}: ${r.wallPerTargetMs.toFixed(3)} ms` +
              (r.targets === COMPARED_SIZE ? "" : ` (x ${ratio3(x)})`);
          }).join(", ")
        : "not run",
    );
  }
}
