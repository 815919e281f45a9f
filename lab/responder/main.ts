/**
 * The responder program: arguments, the named-namespace check, sockets and
 * netfilter rules set up, served, and cleaned up on exit or signal.
 *
 * @module
 */

import { parseArgs } from "./args.ts";
import type { ResponderConfig } from "./config.ts";
import { addRules, removeRules } from "./netfilter.ts";
import { serve, warmUp } from "./serve.ts";
import { loadLibc, Sockets } from "./sockets.ts";

/** The name of the network namespace this process is in (`ip netns identify`), or "". */
function namedNamespace(): string {
  const result = new Deno.Command("ip", {
    args: ["netns", "identify", String(Deno.pid)],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return result.success ? new TextDecoder().decode(result.stdout).trim() : "";
}

/**
 * Runs the responder with command-line `args` until SIGINT / SIGTERM; the
 * exit status: 2 for bad arguments or outside a named namespace, 1 on failure.
 */
export async function main(args: readonly string[]): Promise<number> {
  let config: ResponderConfig;
  try {
    config = parseArgs(args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (namedNamespace() === "") {
    console.error("icmp_responder: refusing to run outside a named network namespace");
    return 2;
  }
  const libc = loadLibc();
  let sockets: Sockets | undefined;
  let rules = false;
  const cleanUp = (): void => {
    if (rules) removeRules(config.mark);
    rules = false;
    sockets?.close();
    sockets = undefined;
  };
  const stop = (): void => {
    cleanUp();
    Deno.exit(0);
  };
  try {
    sockets = new Sockets(libc, config.mark);
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
    if (config.netfilter) {
      // A rule left by a responder that was killed goes first, so they never pile up.
      removeRules(config.mark);
      rules = true;
      addRules(config.mark);
    }
    warmUp(config);
    console.log("ready");
    await serve(sockets, config);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    cleanUp();
  }
}
