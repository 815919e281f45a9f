/**
 * Running one command in a lab namespace under GNU time (`/usr/bin/time`)
 * for its CPU time and peak RSS, with the wall time taken around the whole
 * `ip netns exec ...`; and the small statistics the benchmark needs.
 *
 * @module
 */
import type { Lab } from "../../lab/lab.ts";

/** GNU time, from Debian's package `time`. */
export const TIME = "/usr/bin/time";
/** What GNU time writes: elapsed, user and system seconds, peak RSS in KiB. */
export const TIME_FORMAT = "%e %U %S %M";

/** Whether `path` is a regular file. */
export function hasFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Whether `tool` is on PATH (or in /usr/sbin, /sbin). */
export function onPath(tool: string): boolean {
  const dirs = [...(Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":"), "/usr/sbin", "/sbin"];
  return dirs.some((dir) => dir !== "" && hasFile(`${dir}/${tool}`));
}

/** One run of one command. */
export interface Sample {
  /** Wall time around `ip netns exec ... command`, in ms. */
  wallMs: number;
  /** User + system CPU time of the command (GNU time), in ms; null without GNU time. */
  cpuMs: number | null;
  /** Peak resident set size of the command (GNU time), in KiB; null without GNU time. */
  rssKb: number | null;
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs commands under GNU time, which writes into a temporary directory of
 * its own; the directory is removed on dispose and on exit (also on Ctrl-C,
 * where the lab calls Deno.exit).
 */
export class Measurer {
  /** Whether GNU time is there: without it CPU and RSS are null. */
  readonly haveTime: boolean;
  /** The temporary directory (GNU time's output, the benchmark's scratch files). */
  readonly dir: string;
  readonly #haveBash = onPath("bash");
  readonly #onUnload = () => this.#remove();
  #removed = false;

  private constructor(dir: string, haveTime: boolean) {
    this.dir = dir;
    this.haveTime = haveTime;
    globalThis.addEventListener("unload", this.#onUnload);
  }

  /** Makes the temporary directory. */
  static async create(): Promise<Measurer> {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-bench-" });
    return new Measurer(dir, hasFile(TIME));
  }

  /** Runs `argv` in `node` of `lab` once, under GNU time when there. */
  async run(lab: Lab, node: string, argv: readonly string[]): Promise<Sample> {
    const timeFile = `${this.dir}/time`;
    const wrapped = this.haveTime ? [TIME, "-o", timeFile, "-f", TIME_FORMAT, ...argv] : argv;
    const started = performance.now();
    const r = await lab.exec(node, wrapped, { env: { NO_COLOR: "1" } });
    const wallMs = performance.now() - started;
    let cpuMs: number | null = null;
    let rssKb: number | null = null;
    if (this.haveTime) {
      // The last line; a command killed by a signal gets a line before it.
      const line = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1) ?? "";
      const [, user, sys, rss] = line.split(" ").map(Number);
      if (user !== undefined && sys !== undefined && rss !== undefined) {
        cpuMs = (user + sys) * 1000;
        rssKb = rss;
      }
    }
    return { wallMs, cpuMs, rssKb, code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /**
   * Runs `argv` once for its CPU time to the millisecond (GNU time prints
   * hundredths): bash runs it and writes its `times` (getrusage of its
   * children) afterwards. No peak RSS. Without bash, the same as
   * {@linkcode Measurer.run}.
   */
  async runPrecise(lab: Lab, node: string, argv: readonly string[]): Promise<Sample> {
    if (!this.#haveBash) return await this.run(lab, node, argv);
    const timesFile = `${this.dir}/times`;
    const script = 'out=$1; shift; "$@"; code=$?; times > "$out"; exit $code';
    const started = performance.now();
    const r = await lab.exec(node, ["bash", "-c", script, "bash", timesFile, ...argv], {
      env: { NO_COLOR: "1" },
    });
    const wallMs = performance.now() - started;
    // The second line: the children's user and system time, as "0m0.029s 0m0.004s".
    const children = (await Deno.readTextFile(timesFile)).trim().split("\n")[1] ?? "";
    const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)]
      .map((m) => (Number(m[1]) * 60 + Number(m[2])) * 1000);
    const cpuMs = parts.length === 2 ? parts[0]! + parts[1]! : null;
    return { wallMs, cpuMs, rssKb: null, code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** The median wall time of five runs of `true`: what the harness itself costs. */
  async overhead(lab: Lab, node: string): Promise<number> {
    const walls: number[] = [];
    for (let i = 0; i < 5; i++) walls.push((await this.run(lab, node, ["true"])).wallMs);
    return median(walls);
  }

  /** Removes the temporary directory. */
  [Symbol.dispose](): void {
    this.#remove();
    globalThis.removeEventListener("unload", this.#onUnload);
  }

  #remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch {
      // already gone
    }
  }
}

/** The median of `values`; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The values that are not null. */
export function present(values: ReadonlyArray<number | null>): number[] {
  return values.filter((v): v is number => v !== null);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A progress line on a terminal's stderr, overwritten by the next one (""
 * clears it); nothing when stderr is not a terminal.
 */
export function progress(text: string): void {
  if (!Deno.stderr.isTerminal()) return;
  Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${text ? `  ${text}` : ""}`));
}

/**
 * Counts the ICMP echo requests `node` sends, with a netfilter rule in its
 * OUTPUT chain (where iptables is on PATH): the counter reads them since it
 * was set, or, with `reset`, since the last read; `counting` is false (and
 * every read null) without iptables.
 */
export async function echoRequestCounter(
  lab: Lab,
  node: string,
  reset: boolean,
): Promise<{ counting: boolean; read: () => Promise<number | null> }> {
  const counting = onPath("iptables")
    ? await lab.sh(node, "iptables -w -I OUTPUT 1 -p icmp --icmp-type echo-request").then(
      () => true,
      () => false,
    )
    : false;
  const read = `iptables -w -nvxL OUTPUT 1${reset ? " && iptables -w -Z OUTPUT" : ""}`;
  return {
    counting,
    read: async () => {
      if (!counting) return null;
      const packets = Number((await lab.sh(node, read)).trim().split(/\s+/)[0]);
      return Number.isFinite(packets) ? packets : null;
    },
  };
}
