/**
 * The command line: `hopwise [options] host [packet_len]`. Options, checks,
 * messages and exit statuses follow Linux traceroute 2.1.2 (see exit.ts for
 * the statuses); each mode's command runs in a file of its own, loaded when
 * it is asked for.
 *
 * @module
 */
import { type CliContext, parseCommand } from "./command.ts";
import { failureStatus } from "./exit.ts";
import { lineSafe, processOutput } from "./io.ts";
import { badInputMessage, type TypedValues } from "./messages.ts";
import { runTraceCommand } from "./trace_command.ts";

export type { CliContext };

/**
 * Runs the command line and returns the exit status. Never throws and never
 * exits the process: the caller does that.
 */
export async function main(args: readonly string[], context: CliContext): Promise<number> {
  const out = lineSafe(context.output ?? processOutput);
  let typed: TypedValues | null = null;
  try {
    const command = await parseCommand(args, context, out);
    typed = command.typed;
    switch (command.mode) {
      case "trace":
        return await runTraceCommand(command);
      case "multipath": {
        const { runMultipathCommand } = await import("./multipath_command.ts");
        return await runMultipathCommand(command);
      }
      case "compare": {
        const { runCompareCommand } = await import("./compare_command.ts");
        return await runCompareCommand(command);
      }
      case "many": {
        const { runManyCommand } = await import("./many_command.ts");
        return await runManyCommand(command);
      }
      case "serve": {
        const { runServeCommand } = await import("./serve_command.ts");
        return await runServeCommand(command);
      }
      case "continuous": {
        const { runContinuousCommand } = await import("./continuous_command.ts");
        return await runContinuousCommand(command);
      }
    }
  } catch (e) {
    return failureStatus(
      e,
      out,
      (error) => typed ? badInputMessage(error, typed) : `hopwise: ${error.message}`,
    );
  } finally {
    out.flush();
  }
}
