/**
 * Defaults from the name hopwise is called by, as Linux traceroute sets them:
 * a name ending in 6 means `-6`, in 4 `-4`; `tcp...` (tcptraceroute) means
 * the tcp method, `tracert...` the icmp method.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";

/** What a program name implies. */
export interface ProgramDefaults {
  /** The family it forces, or 0. */
  family: Family | 0;
  /** The method it selects. */
  method: string;
}

/**
 * The defaults for a program name (a path or a bare name).
 *
 * @example
 * ```ts
 * import { programDefaults } from "./progname.ts";
 * programDefaults("/usr/bin/traceroute6"); // { family: 6, method: "default" }
 * ```
 */
export function programDefaults(programName: string): ProgramDefaults {
  const base = programName.slice(programName.lastIndexOf("/") + 1);
  const last = base.at(-1);
  const family: Family | 0 = last === "6" ? 6 : last === "4" ? 4 : 0;
  let method = "default";
  if (base.startsWith("tcp")) method = "tcp";
  if (base.startsWith("tracert")) method = "icmp";
  return { family, method };
}

/**
 * The name this process was started by (argv[0]), read from /proc where the
 * permission allows; "hopwise" otherwise, and under `deno run` (where argv[0]
 * is the runtime, `deno`).
 */
export function processName(): string {
  try {
    const state = Deno.permissions.querySync({ name: "read", path: "/proc/self/cmdline" }).state;
    if (state !== "granted") return "hopwise";
    const cmdline = Deno.readTextFileSync("/proc/self/cmdline");
    const name = cmdline.split("\0")[0] ?? "";
    const base = name.slice(name.lastIndexOf("/") + 1);
    return name === "" || base === "deno" || base === "deno.exe" ? "hopwise" : name;
  } catch {
    return "hopwise";
  }
}
