/**
 * For tests: starting the responder as a subprocess in a lab node, waiting
 * until it is ready, reading its log and stopping it.
 *
 * @module
 */

import { responderArgs, type ResponderOptions } from "./args.ts";

/**
 * A running responder started by {@linkcode startResponder}; `await using`
 * stops it at the end of the scope.
 */
export interface Responder extends AsyncDisposable {
  /** The process (`ip netns exec` turned into deno). */
  child: Deno.ChildProcess;
  /** What it has written to standard error so far (its `--verbose` lines, errors). */
  log(): string;
  /** Stops it (SIGTERM: it removes its netfilter rules) and waits for it to exit. */
  stop(): Promise<void>;
}

/** What {@linkcode startResponder} needs of a lab: its `spawn` (a `Lab` has it). */
export interface LabHost {
  /** Starts `argv` in `node`, as `Lab.spawn` does. */
  spawn(
    node: string,
    argv: readonly string[],
    options?: { stdout?: "piped" | "null"; stderr?: "piped" | "null" },
  ): Deno.ChildProcess;
}

/** The path of the responder program (lab/icmp_responder.ts), for `deno run`. */
export const RESPONDER_PATH: string = decodeURIComponent(
  new URL("../icmp_responder.ts", import.meta.url).pathname,
);

/**
 * Starts the responder in `node` of `lab` with `options` and waits for its
 * `ready`; throws with what it wrote to standard error when it fails first.
 * The lab kills it when destroyed, if {@linkcode Responder.stop} was not called.
 */
export async function startResponder(
  lab: LabHost,
  node: string,
  options: ResponderOptions = {},
): Promise<Responder> {
  const child = lab.spawn(node, [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-lock",
    "--allow-ffi",
    "--allow-sys",
    "--allow-run",
    RESPONDER_PATH,
    ...responderArgs(options),
  ], { stdout: "piped", stderr: "piped" });
  let stderr = "";
  const decoder = new TextDecoder();
  const draining = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })().catch(() => {});
  const reader = child.stdout.getReader();
  let stdout = "";
  while (!stdout.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      await draining;
      throw new Error(`icmp responder on ${node} did not start:\n${stdout}${stderr}`);
    }
    stdout += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
      await draining;
      await child.stdout.cancel().catch(() => {});
    })();
    return stopping;
  };
  return { child, log: () => stderr, stop, [Symbol.asyncDispose]: stop };
}
