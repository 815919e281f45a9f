/**
 * Exit statuses, and how each way a run can end becomes one, with the one
 * line it prints (Linux traceroute's words where it has them):
 *
 * - 0 after a run (reached or not);
 * - 1 when a system call fails or a method lacks privileges;
 * - 2 for bad input (and nothing is sent);
 * - 70 for an unexpected exception: a bug, said so in one line (the stack
 *   only with HOPWISE_DEBUG set);
 * - 130 / 143 when interrupted by SIGINT / SIGTERM, after printing what was found;
 * - 141 when standard output is closed.
 *
 * @module
 */
import { ClifError } from "../core/command_line_parser.ts";
import {
  OptionError,
  OptionTypeError,
  PrivilegeError,
  ResolveError,
  SystemError,
} from "../core/errors.ts";
import { ShimLoadError } from "../session/kernel.ts";
import { type CliOutput, env } from "./io.ts";

/** The exit statuses. */
export const STATUS = {
  ok: 0,
  failed: 1,
  badInput: 2,
  bug: 70,
  interrupted: 130,
  brokenPipe: 141,
  terminated: 143,
} as const;

/** Leaves the command line with a status, after printing what must be printed. */
export class Exit extends Error {
  /** The exit status. */
  readonly status: number;
  /** Makes the exit. */
  constructor(status: number) {
    super(`exit ${status}`);
    this.name = "Exit";
    this.status = status;
  }
}

/** The status of a run stopped by `signal` (SIGTERM: 143, else 130). */
export function interruptedStatus(signal: AbortSignal | undefined): number {
  return signal?.reason === "SIGTERM" ? STATUS.terminated : STATUS.interrupted;
}

/** Whether an error is bad input: reported with its message, status 2. */
export function isBadInput(e: unknown): e is ClifError | OptionError | OptionTypeError {
  return e instanceof ClifError || e instanceof OptionError || e instanceof OptionTypeError;
}

/** Whether an error is one a run can end with that has its own message and status. */
export function isRunFailure(e: unknown): boolean {
  return e instanceof PrivilegeError || e instanceof SystemError || e instanceof ResolveError ||
    e instanceof ShimLoadError || e instanceof Deno.errors.BrokenPipe || e instanceof Exit ||
    isBadInput(e);
}

/** The message for a method that lacks its privilege, as Linux traceroute words it (and how to grant it). */
export function privilegeMessage(e: PrivilegeError): string {
  return "You do not have enough privileges to use this traceroute method.\n" +
    `${e.cause.message}\n` +
    `hopwise: this method needs CAP_NET_RAW: run it as root, or grant the capability ` +
    `with setcap cap_net_raw+ep <hopwise binary>\n`;
}

/**
 * Prints what `e` calls for on stderr and returns the exit status;
 * `badInput` words bad input (Linux traceroute's messages).
 */
export function failureStatus(
  e: unknown,
  out: CliOutput,
  badInput: (e: ClifError | OptionError | OptionTypeError) => string = (e) => e.message,
): number {
  if (e instanceof Exit) return e.status;
  if (e instanceof Deno.errors.BrokenPipe) return STATUS.brokenPipe;
  if (e instanceof ShimLoadError) {
    out.stderr(`hopwise: ${e.message}\n`);
    return STATUS.failed;
  }
  if (e instanceof PrivilegeError) {
    out.stderr(privilegeMessage(e));
    return STATUS.failed;
  }
  if (e instanceof SystemError) {
    out.stderr(`\n${e.message}\n`);
    return STATUS.failed;
  }
  if (e instanceof ResolveError) {
    // The whois server of -A: "server/service: reason", as Linux traceroute.
    out.stderr(`${e.host}: ${e.reason}\n`);
    return STATUS.badInput;
  }
  if (isBadInput(e)) {
    out.stderr(badInput(e) + "\n");
    return STATUS.badInput;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  out.stderr(
    `hopwise: internal error (a bug in hopwise, please report it): ${what}` +
      (env("HOPWISE_DEBUG") ? `\n${e instanceof Error ? e.stack : ""}\n` : "\n"),
  );
  return STATUS.bug;
}
