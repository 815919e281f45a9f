/**
 * Bad input in Linux traceroute's words: the library checks every option
 * (once, in options.ts and the session step); the command line words what
 * it rejects as Linux traceroute's main() would, from the values as typed.
 *
 * @module
 */
import { ClifError } from "../core/command_line_parser.ts";
import type { OptionError, OptionTypeError } from "../core/errors.ts";
import { formatG } from "../core/c_numbers.ts";
import type { State } from "./flag_state.ts";

/** What the message needs beyond the flags: `packet_len` as given (-1 when not). */
export interface TypedValues {
  /** The flags as typed. */
  state: State;
  /** `packet_len` as given, -1 when not given. */
  packetLength: number;
}

/** The line for a rejected option. */
export function badInputMessage(
  e: ClifError | OptionError | OptionTypeError,
  typed: TypedValues,
): string {
  if (e instanceof ClifError) return e.message;
  const { state } = typed;
  switch (e.option) {
    case "method":
      return `Unknown traceroute module ${state.module}`;
    case "firstHop":
    case "maxHops":
      // Linux checks the first hop first.
      return state.firstHop === 0 || state.firstHop > state.maxHops
        ? "first hop out of range"
        : "max hops cannot be more than 255";
    case "queries":
      return "no more than 10 probes per hop";
    case "wait.max":
    case "wait.here":
    case "wait.near":
      return `bad wait specifications \`${formatG(state.waitMax)},${formatG(state.here)},${
        formatG(state.near)
      }' used`;
    case "packetLength":
      return `too big packetlen ${typed.packetLength} specified`;
    case "source":
      return "IP version mismatch in addresses specified";
    case "sendWait":
      return `bad sendtime \`${formatG(state.sendWait)}' specified`;
    case "gateways":
      return e.message;
    default:
      return `hopwise: ${e.message}`;
  }
}
