/**
 * The process entry of the CLI: reads argv, turns SIGINT / SIGTERM into a
 * clean stop (what was printed stays, sockets close, status 130 / 143), and
 * exits with main's status.
 *
 * @module
 */
import { main } from "./main.ts";
import { processName } from "./progname.ts";

/** Runs hopwise on this process's arguments and exits. */
export async function runCli(): Promise<never> {
  const stop = new AbortController();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => stop.abort(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  const status = await main(Deno.args, { programName: processName(), signal: stop.signal });
  for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  Deno.exit(status);
}
