/**
 * Running the lab's commands: finding tools (sbin directories included),
 * running a command and collecting its output, the error a failed one
 * throws, and the setpriv prefix that drops to a user.
 *
 * @module
 */

import type { ExecResult } from "./types.ts";

const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Error thrown when a command the lab runs fails. */
export class LabCommandError extends Error {
  /** The command line that failed. */
  readonly argv: readonly string[];
  /** Its exit code. */
  readonly code: number;
  /** What it wrote to standard error. */
  readonly stderr: string;

  /** Builds the error from the failed command line and its result. */
  constructor(argv: readonly string[], code: number, stderr: string, context = "command") {
    const shown = argv.map((a) => a.length > 80 ? `${a.slice(0, 77)}...` : a).join(" ");
    super(`lab ${context} failed (exit ${code}): ${shown}\n${stderr.trim()}`);
    this.name = "LabCommandError";
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

/** PATH for the lab's commands: this process's PATH, then the sbin directories. */
export function toolPath(): string {
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  const dirs = path.split(":");
  return [...dirs, ...SBIN_DIRS.filter((d) => !dirs.includes(d))].join(":");
}

/** Whether `path` names a file or directory that exists. */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a file named `tool` is in one of the directories of {@linkcode toolPath}. */
export function findTool(tool: string): boolean {
  for (const dir of toolPath().split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** Text fed to standard input (otherwise stdin is empty). */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Aborting kills the command. */
  signal?: AbortSignal;
}

/** Runs `cmd` with `args` and collects its exit code and output; never throws for a failing exit. */
export async function run(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ExecResult> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PATH: toolPath(), ...options.env },
    ...(options.signal ? { signal: options.signal } : {}),
  }).spawn();
  let writing = Promise.resolve();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    writing = writer.write(encoder.encode(options.stdin))
      .then(() => writer.close())
      .catch(() => {
        // The command exited without reading all of its input; its exit code tells.
      });
  }
  const output = await child.output();
  await writing;
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Like {@linkcode run}, but throws a {@linkcode LabCommandError} when the exit code is not 0. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
  context?: string,
): Promise<ExecResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new LabCommandError([cmd, ...args], result.code, result.stderr, context);
  }
  return result;
}

/** The setpriv prefix that runs a command as `user` (uid and gid), or nothing. */
export function userArgs(user: number | undefined): string[] {
  if (user === undefined) return [];
  if (!Number.isInteger(user) || user < 0 || user > 0xffff_fffe) {
    throw new Error(`invalid uid ${user}`);
  }
  return ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", "--"];
}

/** A timer as a promise, with a way to cancel it. */
export function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    id = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(id) };
}
