/**
 * Stopping the processes a lab spawned: SIGTERM, SIGKILL after half a
 * second, then cancelling their unread piped output.
 *
 * @module
 */

import { delay } from "./command.ts";

/** A process started by `Lab.spawn`, and which of its output streams are piped. */
export interface Spawned {
  /** The process. */
  child: Deno.ChildProcess;
  /** Whether its standard output is piped. */
  stdout: boolean;
  /** Whether its standard error is piped. */
  stderr: boolean;
}

/** Stops `spawned` and waits for it to exit. */
export async function stopChild({ child, stdout, stderr }: Spawned): Promise<void> {
  const kill = (signal: Deno.Signal): void => {
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  kill("SIGTERM");
  const grace = delay(500);
  const exited = await Promise.race([
    child.status.then(() => true),
    grace.promise.then(() => false),
  ]);
  grace.cancel();
  if (!exited) kill("SIGKILL");
  await child.status;
  for (
    const [piped, stream] of [[stdout, () => child.stdout], [stderr, () => child.stderr]] as const
  ) {
    if (!piped) continue;
    const readable = stream();
    if (!readable.locked) await readable.cancel().catch(() => {});
  }
}
