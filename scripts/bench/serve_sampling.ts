/**
 * How part S watches the service from outside: its CPU time and memory from
 * /proc, and timed scrapes of /metrics by a `deno eval` run in the lab's
 * namespace.
 *
 * @module
 */
import type { Lab } from "../../lab/lab.ts";
import { sleep } from "./measure.ts";

/** One scrape of /metrics. */
export interface Scrape {
  /** HTTP status. */
  status: number;
  /** From the request to the end of the body, ms. */
  ms: number;
  /** Body length, characters. */
  bytes: number;
  /** `hopwise_target_up{...} 1` lines. */
  up: number;
  /** `hopwise_probes_sent_total`, or null when absent. */
  sent: number | null;
  /** When the request went out, ms since the epoch. */
  at: number;
  /** The first scrape of a batch: samples (lines that are not comments). */
  series?: number;
  /** The first scrape of a batch: the 5 names with the most bytes, and their bytes. */
  families?: Array<[string, number]>;
}

/** The scraper run with `deno eval` in the namespace: prints one JSON array of {@linkcode Scrape}. */
function scraperScript(url: string, count: number, waitS = 0): string {
  return `const url = ${JSON.stringify(url)};
const out = [];
const deadline = Date.now() + ${waitS * 1000};
for (;;) {
  try { const r = await fetch(url); await r.body?.cancel(); if (r.ok) break; } catch { /* not yet */ }
  if (Date.now() >= deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
for (let i = 0; i < ${count}; i++) {
  const at = Date.now();
  const started = performance.now();
  const r = await fetch(url);
  const body = await r.text();
  const ms = performance.now() - started;
  const up = body.match(/^hopwise_target_up(\\{[^\\n]*\\})? 1$/gm)?.length ?? 0;
  const sent = /^hopwise_probes_sent_total (\\S+)$/m.exec(body)?.[1];
  const one = { status: r.status, ms, bytes: body.length, up, sent: sent === undefined ? null : Number(sent), at };
  if (i === 0) {
    const bytes = new Map();
    let series = 0;
    for (const line of body.split("\\n")) {
      if (line === "" || line.startsWith("#")) continue;
      series++;
      const name = /^[^{ ]+/.exec(line)[0];
      bytes.set(name, (bytes.get(name) ?? 0) + line.length + 1);
    }
    one.series = series;
    one.families = [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 5);
  }
  out.push(one);
}
console.log(JSON.stringify(out));`;
}

/** Scrapes `url` `count` times from inside `node` (after waiting up to `waitS` for it). */
export async function scrape(
  lab: Lab,
  node: string,
  url: string,
  count: number,
  waitS = 0,
): Promise<Scrape[]> {
  const script = scraperScript(url, count, waitS);
  const r = await lab.exec(node, [Deno.execPath(), "eval", "--quiet", script]);
  if (r.code !== 0) {
    throw new Error(`scrape failed: ${r.stderr.trim().split("\n").slice(0, 3).join(" | ")}`);
  }
  return JSON.parse(r.stdout) as Scrape[];
}

/** The kernel's clock ticks a second (utime and stime are in them). */
export async function clockTicks(): Promise<number> {
  try {
    const r = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
    const n = Number(new TextDecoder().decode(r.stdout).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** The fields of /proc/PID/stat after the command's name: [0] is field 3 (state). */
function statFields(pid: number): string[] {
  const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** The process whose parent is `parent` (the service, under `timeout`), waiting up to 10 s. */
export async function childOf(parent: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        if (Number(statFields(Number(entry.name))[1]) === parent) return Number(entry.name);
      } catch {
        // gone meanwhile
      }
    }
    await sleep(100);
  }
  throw new Error(`no child of process ${parent} (timeout) after 10 s`);
}

/** CPU time (s), VmRSS and VmHWM (KiB) of `pid`. */
export function usage(pid: number, ticks: number): { cpuS: number; rssKb: number; hwmKb: number } {
  const f = statFields(pid);
  const cpuS = (Number(f[11]) + Number(f[12])) / ticks;
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+) kB`, "m").exec(status)?.[1]);
  return { cpuS, rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}
