/**
 * Runs hopwise and Linux traceroute side by side inside a lab namespace and
 * compares what they print.
 *
 * @module
 */
import { type Lab, labSupport } from "./lab.ts";

/**
 * Why a group of lab tests cannot run here (root, iproute2, ..., or what
 * `extra` finds missing), printed once; null when they can run.
 */
export function labSkipReason(
  group: string,
  extra: () => string | null = () => null,
): string | null {
  const reason = labSupport() ?? extra();
  if (reason) {
    // deno-lint-ignore no-console
    console.log(`${group} ignored: ${reason}`);
  }
  return reason;
}

/** One run of a command. */
export interface Run {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Wall time in ms. */
  ms: number;
}

const root = new URL("../../", import.meta.url);

/** The path of mod.ts, the command-line entry when run as the main module. */
export const MOD_PATH = decodeURIComponent(new URL("mod.ts", root).pathname);

/** How to run hopwise from source: deno, its flags, mod.ts. */
export function hopwiseArgv(
  args: readonly string[],
  mod = MOD_PATH,
  deno = Deno.execPath(),
): string[] {
  return [deno, "run", "--quiet", "--no-lock", "--allow-all", mod, ...args];
}

/** Runs hopwise in a lab node. */
export async function runHopwise(
  lab: Lab,
  node: string,
  args: readonly string[],
  options: { user?: number; env?: Record<string, string>; mod?: string; deno?: string } = {},
): Promise<Run> {
  const started = performance.now();
  const argv = hopwiseArgv(args, options.mod, options.deno);
  const r = await lab.exec(node, argv, {
    ...(options.user !== undefined ? { user: options.user } : {}),
    env: { NO_COLOR: "1", ...options.env },
  });
  return { ...r, ms: performance.now() - started };
}

/** Runs Linux traceroute in a lab node. */
export async function runTraceroute(
  lab: Lab,
  node: string,
  args: readonly string[],
  options: { user?: number; env?: Record<string, string> } = {},
): Promise<Run> {
  const started = performance.now();
  const r = await lab.exec(node, ["traceroute", ...args], options);
  return { ...r, ms: performance.now() - started };
}

/** Output with every RTT value replaced, so two runs can be compared. */
export function withoutRtts(text: string): string {
  return text.replace(/ \d+\.\d{3} ms/g, " <rtt> ms");
}

/** A line-by-line difference, for failure messages. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) out.push(`  ${a[i]}`);
    else {
      if (a[i] !== undefined) out.push(`- ${a[i]}`);
      if (b[i] !== undefined) out.push(`+ ${b[i]}`);
    }
  }
  return out.join("\n");
}
