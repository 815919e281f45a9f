/**
 * Part S: the service (`--serve`) under load, on M's chain (5 routers; the
 * destination, at hop 6, answers for 198.19.0.0/16):
 *
 * - `hopwise --serve 127.0.0.1:9798 -n -I --interval 1 --rate 0 --targets
 *   FILE`, from the bundle, watches 1,000 distinct addresses of
 *   198.19.0.0/16, a cycle a second each (about 6,000 probes a second), for
 *   2 minutes (`--soak`: 10), then gets SIGTERM (`timeout` guards it);
 * - every 10 s: its CPU time (utime + stime of /proc/PID/stat) and RSS
 *   (VmRSS of /proc/PID/status);
 * - after the first sample (10 s) and after the last, one scrape of /metrics
 *   from inside the namespace (a `deno eval` fetch): probes a second from
 *   `hopwise_probes_sent_total` at the two (and from a netfilter counter in
 *   the source's OUTPUT, from 20 s on);
 * - the CPU is taken from the second sample (20 s: start-up excluded) to the
 *   last, as a share of one core: a window no scrape falls in, so it is the
 *   cost of watching alone; memory is flat when the last sample's RSS lies
 *   within 10% of the second's; the peak RSS is the kernel's high-water mark
 *   (VmHWM) at the last sample;
 * - after the last sample, 5 scrapes back to back, timed (fetch to the end of
 *   the body) by one process in the namespace: their median, and each body
 *   must hold a `hopwise_target_up{...} 1` line for every target; the CPU
 *   the service spent meanwhile, less what watching costs in that time, is
 *   the CPU of one scrape (shown, not judged);
 * - then CPU per probe beside one target's: `mtr -r -n -c 200 -i 0.1` and
 *   hopwise's `--report --json -n -I --cycles 200 --interval 0.1`, under GNU
 *   time; mtr's probes from a netfilter counter in the source's OUTPUT
 *   (cycles x hops without iptables), hopwise's from its JSON statistics.
 *
 * @module
 */
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { commandArgv, hopwise } from "./commands.ts";
import { megabytes } from "./format.ts";
import { MANY_HOP, manyAddresses } from "./many.ts";
import { echoRequestCounter, median, onPath, progress, sleep } from "./measure.ts";
import { LAB_PREFIX, type RunContext } from "./run.ts";
import { childOf, clockTicks, type Scrape, scrape, usage } from "./serve_sampling.ts";

/** Routers of the chain: the destination is at hop 6. */
const ROUTERS = MANY_HOP - 1;
/** The prefix the destination answers for, and the targets come from. */
const SERVE_PREFIX = "198.19.0.0/16";
/** Targets watched. */
export const SERVE_TARGETS = 1_000;
/** Where the service listens, inside the source's namespace. */
const LISTEN = "127.0.0.1:9798";
/** What the bench scrapes. */
const METRICS_URL = `http://${LISTEN}/metrics`;
/** Seconds the service runs: by default, and with `--soak`. */
export const SERVE_SECONDS = { normal: 120, soak: 600 } as const;
/**
 * The V8 old-generation cap the service runs with, MB: what docs/service.md
 * advises for 1,000 targets (64 MB and 64 KB a target), set as the example
 * systemd unit sets it (DENO_V8_FLAGS). HOPWISE_BENCH_SERVE_HEAP_MB=0 runs
 * it with V8's own limit (it lets the old generation grow to about four
 * times the live data before collecting it).
 */
const HEAP_CAP_MB = Number(Deno.env.get("HOPWISE_BENCH_SERVE_HEAP_MB") ?? "128");

/** Seconds between two samples. */
export const SAMPLE_S = 10;
/** The sample the steady figures start from (the second: 20 s, start-up excluded). */
export const STEADY_SAMPLE = 1;
/** Scrapes timed back to back at the end. */
const SCRAPES = 5;
/** Cycles and seconds between them of the one-target comparison (mtr's and --report's). */
const CYCLES = 200;
const CYCLE_INTERVAL_S = 0.1;

/** One sample of the service. */
export interface ServeSample {
  /** Seconds since the service was started. */
  atS: number;
  /** Its CPU time so far (utime + stime), s. */
  cpuS: number;
  /** Its resident set (VmRSS), KiB. */
  rssKb: number;
  /** Its RSS's high-water mark (VmHWM), KiB. */
  hwmKb: number;
  /** The scrape after the sample: ms, `hopwise_probes_sent_total`, targets up; null when it failed. */
  scrape: Scrape | null;
}

/** CPU per probe of one command (or of the service). */
export interface ServeCpuRow {
  /** The command as shown. */
  label: string;
  /** The full argv run in the namespace (without GNU time and timeout); empty for the service. */
  argv: string[];
  /** Wall time, ms. */
  wallMs: number | null;
  /** CPU time (user + sys), ms. */
  cpuMs: number | null;
  /** Peak RSS, KiB. */
  rssKb: number | null;
  /** Exit status. */
  code: number | null;
  /** Probes the figure uses. */
  probes: number | null;
  /** Where they come from. */
  probesSource: string;
  /** Probes the source's netfilter counter saw, or null. */
  counted: number | null;
  /** CPU per probe, µs. */
  cpuPerProbeUs: number | null;
}

/** What part S found. */
export interface ServeResult {
  /** Always S. */
  key: "S";
  /** What it is. */
  title: string;
  /** The service's command as shown, and as run. */
  label: string;
  argv: string[];
  /** Targets watched. */
  targets: number;
  /** The hop every target is at. */
  hop: number;
  /** Seconds it was meant to run. */
  durationS: number;
  /** Every sample. */
  samples: ServeSample[];
  /** CPU over the steady run (second sample to last), in cores; null when too few samples. */
  cpuCores: number | null;
  /** The peak RSS (VmHWM at the last sample), KiB. */
  peakRssKb: number | null;
  /** RSS at the second sample and at the last, and the last over the second, less one. */
  memory: { secondKb: number | null; lastKb: number | null; growth: number | null };
  /** Probes a second over the steady run: from /metrics, from netfilter; and what to expect. */
  probesPerSecond: { metrics: number | null; counted: number | null; expected: number };
  /** The scrapes timed back to back at the end, and what one costs the service. */
  scrapes: {
    final: Scrape[];
    medianMs: number | null;
    /** Whether every final scrape answered 200 with every target up. */
    allUp: boolean;
    /** The service's CPU per scrape, ms: its CPU during the final scrapes, less watching's. */
    cpuMs: number | null;
  };
  /** How the service ended: its exit status (0 on SIGTERM) and the last lines of its stderr. */
  exit: { code: number | null; signalled: boolean; stderr: string };
  /** CPU per probe: the service over the steady run, hopwise --report and mtr on one target. */
  cpuPerProbe: ServeCpuRow[];
  /** What went wrong, if anything (the service died, a scrape failed). */
  problems: string[];
}

/**
 * CPU per probe on one target, each under GNU time: hopwise's `--report`,
 * then mtr's `-r` (skipped, with a line, where mtr is missing).
 */
async function oneTargetRows(
  ctx: RunContext,
  lab: Lab,
  source: string,
  target: string,
  counted: () => Promise<number | null>,
  problems: string[],
): Promise<ServeCpuRow[]> {
  const { measurer, paths } = ctx;
  const rows: ServeCpuRow[] = [];
  const report = [
    "--report",
    "--json",
    "-n",
    "-I",
    "--cycles",
    String(CYCLES),
    "--interval",
    String(CYCLE_INTERVAL_S),
    target,
  ];
  const mtr = ["mtr", "-r", "-n", "-c", String(CYCLES), "-i", String(CYCLE_INTERVAL_S), target];
  const nominal = CYCLES * MANY_HOP;
  const limitS = String(Math.ceil(CYCLES * CYCLE_INTERVAL_S * 3 + 10));
  {
    const one = hopwise(report, "dist/cli.js");
    const before = await counted();
    const s = await measurer.run(lab, source, ["timeout", limitS, ...commandArgv(one, paths)]);
    const after = await counted();
    let sent: number | null = null;
    try {
      const value = JSON.parse(s.stdout)?.statistics?.sent;
      sent = typeof value === "number" ? value : null;
    } catch {
      problems.push(`--report printed no JSON (exit ${s.code}): ${s.stderr.trim().slice(-200)}`);
    }
    const probes = sent ?? nominal;
    rows.push({
      label: one.label,
      argv: commandArgv(one, paths),
      wallMs: s.wallMs,
      cpuMs: s.cpuMs,
      rssKb: s.rssKb,
      code: s.code,
      probes,
      probesSource: sent !== null ? "its JSON statistics (sent)" : `cycles x hops`,
      counted: before !== null && after !== null ? after - before : null,
      cpuPerProbeUs: s.cpuMs !== null ? (s.cpuMs * 1000) / probes : null,
    });
  }
  if (onPath("mtr")) {
    const before = await counted();
    const s = await measurer.run(lab, source, ["timeout", limitS, ...mtr]);
    const after = await counted();
    const packets = before !== null && after !== null ? after - before : null;
    const probes = packets ?? nominal;
    rows.push({
      label: mtr.join(" "),
      argv: mtr,
      wallMs: s.wallMs,
      cpuMs: s.cpuMs,
      rssKb: s.rssKb,
      code: s.code,
      probes,
      probesSource: packets !== null
        ? "echo requests counted by netfilter (source OUTPUT)"
        : `cycles x hops (${CYCLES} x ${MANY_HOP})`,
      counted: packets,
      cpuPerProbeUs: s.cpuMs !== null ? (s.cpuMs * 1000) / probes : null,
    });
  } else {
    ctx.say("S: mtr's CPU per probe is skipped: needs mtr (Debian package mtr-tiny)");
  }

  return rows;
}

/** Runs part S. */
export async function runServe(ctx: RunContext): Promise<ServeResult | null> {
  if (!onPath("timeout")) {
    ctx.say("S: skipped: needs timeout (Debian package coreutils)");
    return null;
  }
  const { measurer, paths, options } = ctx;
  const durationS = options.soak ? SERVE_SECONDS.soak : SERVE_SECONDS.normal;
  const title = `the service: ${SERVE_TARGETS.toLocaleString("en-US")} targets of ` +
    `${SERVE_PREFIX} at hop ${MANY_HOP} (${ROUTERS} routers), a cycle a second, ` +
    `${durationS / 60} minutes`;
  ctx.say(
    `S: building a ${ROUTERS}-router chain answering for ${SERVE_PREFIX}; the service for ` +
      `${durationS} s, then mtr and --report on one target, ${CYCLES} cycles each ` +
      `(about ${Math.ceil((durationS + 2 * CYCLES * CYCLE_INTERVAL_S + 20) / 60)} minutes) ...`,
  );
  const addresses = manyAddresses(SERVE_TARGETS).filter((a) => a.startsWith("198.19."));
  if (addresses.length !== SERVE_TARGETS) throw new Error("bench S: targets outside 198.19/16");
  const list = `${measurer.dir}/serve-targets`;
  await Deno.writeTextFile(list, addresses.join("\n") + "\n");
  const args = ["--serve", LISTEN, "-n", "-I", "--interval", "1", "--rate", "0", "--targets"];
  const spec = hopwise([...args, list], "dist/cli.js");
  const argv = commandArgv(spec, paths);
  const heapFlags = HEAP_CAP_MB > 0 ? `--max-old-space-size=${HEAP_CAP_MB}` : "";
  const label = `${heapFlags ? `DENO_V8_FLAGS=${heapFlags} ` : ""}${
    spec.label.replace(list, `LIST(${SERVE_TARGETS})`)
  }`;

  await using lab = await Lab.create({ prefix: LAB_PREFIX });
  const c: Chain = await chain(lab, { routers: ROUTERS, anyPrefixes: [SERVE_PREFIX] });
  /** Echo requests the source has sent since the counter was set, or null. */
  const { read: counted } = await echoRequestCounter(lab, c.source, false);

  const problems: string[] = [];
  const ticks = await clockTicks();
  const samples: ServeSample[] = [];
  const countedAt: Array<{ atS: number; packets: number | null }> = [];
  let final: Scrape[] = [];
  let scraping: { cpuS: number; wallS: number } | null = null;
  const started = performance.now();
  const child = lab.spawn(
    c.source,
    ["timeout", "-k", "5", String(durationS + 60), ...argv],
    {
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...(heapFlags ? { DENO_V8_FLAGS: heapFlags } : {}) },
    },
  );
  const output = child.output();
  let exitCode: number | null = null;
  let signalled = false;
  let stderr = "";
  try {
    const pid = await childOf(child.pid);
    await scrape(lab, c.source, METRICS_URL, 0, 30); // ready
    for (let k = 1; k * SAMPLE_S <= durationS; k++) {
      const wait = started + k * SAMPLE_S * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
      let u;
      try {
        u = usage(pid, ticks);
      } catch {
        problems.push(`the service was gone at ${k * SAMPLE_S} s`);
        break;
      }
      const atS = (performance.now() - started) / 1000;
      const isLast = (k + 1) * SAMPLE_S > durationS;
      if (k - 1 === STEADY_SAMPLE || isLast) countedAt.push({ atS, packets: await counted() });
      let one: Scrape | null = null;
      if (k === 1 || isLast) {
        try {
          one = (await scrape(lab, c.source, METRICS_URL, 1))[0] ?? null;
        } catch (error) {
          problems.push(`scrape at ${k * SAMPLE_S} s: ${(error as Error).message}`);
        }
      }
      samples.push({ atS, ...u, scrape: one });
      progress(
        `S: ${k * SAMPLE_S}/${durationS} s, CPU ${u.cpuS.toFixed(1)} s, ` +
          `RSS ${megabytes(u.rssKb)}`,
      );
    }
    progress("");
    try {
      const before = usage(pid, ticks);
      const from = performance.now();
      final = await scrape(lab, c.source, METRICS_URL, SCRAPES);
      const after = usage(pid, ticks);
      scraping = { cpuS: after.cpuS - before.cpuS, wallS: (performance.now() - from) / 1000 };
    } catch (error) {
      problems.push(`the final scrapes: ${(error as Error).message}`);
    }
    try {
      Deno.kill(pid, "SIGTERM");
      signalled = true;
    } catch {
      problems.push("the service was gone before SIGTERM");
    }
  } finally {
    if (!signalled) {
      try {
        child.kill("SIGTERM");
      } catch {
        // It had exited already: its status and stderr say why.
      }
    }
    const o = await output;
    exitCode = o.code;
    stderr = new TextDecoder().decode(o.stderr).trim().split("\n").slice(-5).join("\n");
  }
  if (exitCode !== 0) problems.push(`the service exited ${exitCode}`);

  const rows = await oneTargetRows(ctx, lab, c.source, addresses[0]!, counted, problems);

  // The steady run: from the second sample to the last.
  const first = samples[STEADY_SAMPLE];
  const rateFrom = samples[0];
  const last = samples.at(-1);
  const steady = first && last && last !== first ? { first, last } : null;
  const cpuCores = steady
    ? (steady.last.cpuS - steady.first.cpuS) / (steady.last.atS - steady.first.atS)
    : null;
  const sentA = rateFrom?.scrape;
  const sentB = steady?.last.scrape;
  const metricsRate = sentA?.sent != null && sentB?.sent != null && sentB.at > sentA.at
    ? (sentB.sent - sentA.sent) / ((sentB.at - sentA.at) / 1000)
    : null;
  const [ca, cb] = countedAt;
  const countedRate = ca?.packets != null && cb?.packets != null && cb.atS > ca.atS
    ? (cb.packets - ca.packets) / (cb.atS - ca.atS)
    : null;
  const serviceRate = metricsRate ?? countedRate;
  rows.unshift({
    label: `the service (above), from ${(STEADY_SAMPLE + 1) * SAMPLE_S} s to the end`,
    argv: [],
    wallMs: steady ? (steady.last.atS - steady.first.atS) * 1000 : null,
    cpuMs: steady ? (steady.last.cpuS - steady.first.cpuS) * 1000 : null,
    rssKb: last?.hwmKb ?? null,
    code: exitCode,
    probes: steady && serviceRate !== null
      ? Math.round(serviceRate * (steady.last.atS - steady.first.atS))
      : null,
    probesSource: metricsRate !== null
      ? "the rate of hopwise_probes_sent_total (10 s to the end)"
      : "echo requests counted by netfilter (source OUTPUT)",
    counted: ca?.packets != null && cb?.packets != null ? cb.packets - ca.packets : null,
    cpuPerProbeUs: cpuCores !== null && serviceRate ? (cpuCores * 1e6) / serviceRate : null,
  });
  const second = first?.rssKb ?? null;
  const lastKb = last?.rssKb ?? null;
  return {
    key: "S",
    title,
    label,
    argv,
    targets: SERVE_TARGETS,
    hop: MANY_HOP,
    durationS,
    samples,
    cpuCores,
    peakRssKb: last ? Math.max(last.hwmKb, ...samples.map((s) => s.rssKb)) : null,
    memory: {
      secondKb: second,
      lastKb,
      growth: second && lastKb && last !== first ? lastKb / second - 1 : null,
    },
    probesPerSecond: {
      metrics: metricsRate,
      counted: countedRate,
      expected: SERVE_TARGETS * MANY_HOP,
    },
    scrapes: {
      final,
      medianMs: final.length ? median(final.map((s) => s.ms)) : null,
      allUp: final.length === SCRAPES &&
        final.every((s) => s.status === 200 && s.up === SERVE_TARGETS),
      cpuMs: scraping && cpuCores !== null && final.length
        ? ((scraping.cpuS - cpuCores * scraping.wallS) * 1000) / final.length
        : null,
    },
    exit: { code: exitCode, signalled, stderr },
    cpuPerProbe: rows,
    problems,
  };
}
