/**
 * The commands the benchmark times: hopwise run three ways (from source via
 * mod.ts, from source via cli.ts, and from the bundle dist/cli.js), Linux
 * traceroute, and a bare `deno run` of a one-line script that gives Deno's
 * own start-up. Every Deno command runs with the same flags.
 *
 * @module
 */
import { hopwiseArgv } from "../../lab/harness.ts";
import { BUNDLE_ENTRY } from "../bundle.ts";

const root = new URL("../../", import.meta.url);

/** How hopwise is started: the module `deno run` is given. */
export type Entry = "mod.ts" | "cli.ts" | "dist/cli.js";

/** Every entry, in the order the tables show them. */
export const ENTRIES: readonly Entry[] = ["dist/cli.js", "cli.ts", "mod.ts"];

/** The path of an entry's module. */
export function entryPath(entry: Entry): string {
  return entry === "dist/cli.js" ? BUNDLE_ENTRY : decodeURIComponent(new URL(entry, root).pathname);
}

/** What runs. */
export type Tool = "hopwise" | "traceroute" | "deno";

/** One command of a topology. */
export interface CommandSpec {
  /**
   * Shown in the tables and names the command in the JSON: `hopwise ARGS`
   * from mod.ts (the label the benchmark always used), `hopwise(cli.ts) ARGS`,
   * `hopwise(dist/cli.js) ARGS`, `traceroute ARGS`, `deno run console.log(1)`.
   */
  label: string;
  /** What runs. */
  tool: Tool;
  /** hopwise's entry; null for the other tools. */
  entry: Entry | null;
  /** The arguments after the program (hopwise's or traceroute's). */
  args: string[];
}

/** hopwise with `args`, started from `entry` (mod.ts by default). */
export function hopwise(args: string[], entry: Entry = "mod.ts"): CommandSpec {
  const name = entry === "mod.ts" ? "hopwise" : `hopwise(${entry})`;
  return { label: `${name} ${args.join(" ")}`, tool: "hopwise", entry, args };
}

/** hopwise with `args` from each entry, the bundle first. */
export function hopwiseEveryEntry(args: string[]): CommandSpec[] {
  return ENTRIES.map((entry) => hopwise(args, entry));
}

/** Linux traceroute with `args`. */
export function traceroute(args: string[]): CommandSpec {
  return { label: `traceroute ${args.join(" ")}`, tool: "traceroute", entry: null, args };
}

/** The label of the bare Deno command. */
export const BARE_DENO_LABEL = "deno run console.log(1)";

/** The bare Deno run: a one-line script, started as hopwise is. */
export const BARE_DENO: CommandSpec = {
  label: BARE_DENO_LABEL,
  tool: "deno",
  entry: null,
  args: [],
};

/** Where the commands' files are: the bare script lives in the benchmark's scratch directory. */
export interface CommandPaths {
  /** The one-line script of {@linkcode BARE_DENO}. */
  bareScript: string;
}

/** Writes the bare Deno script into `dir`. */
export async function writeBareScript(dir: string): Promise<CommandPaths> {
  const bareScript = `${dir}/one_line.js`;
  await Deno.writeTextFile(bareScript, "console.log(1);\n");
  return { bareScript };
}

/** The full argv of a command. */
export function commandArgv(spec: CommandSpec, paths: CommandPaths): string[] {
  switch (spec.tool) {
    case "hopwise":
      return hopwiseArgv(spec.args, entryPath(spec.entry ?? "mod.ts"));
    case "deno":
      return hopwiseArgv(spec.args, paths.bareScript);
    case "traceroute":
      return ["traceroute", ...spec.args];
  }
}
