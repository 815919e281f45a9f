/**
 * The errors hopwise throws, besides RangeError and TypeError for bad options.
 *
 * @module
 */

/**
 * A system call failed. `message` is `syscall: description`, as perror(3)
 * prints it; `code` is the errno name (`"EPERM"`).
 */
export class SystemError extends Error {
  /** The errno name, such as `"EPERM"`, or `"E<number>"` when unknown. */
  readonly code: string;
  /** The failing call as Linux traceroute names it, such as `"socket"` or `"bind"`. */
  readonly syscall: string;
  /** The platform's description of the errno, as strerror(3) gives it. */
  readonly description: string;

  /** Makes an error for `syscall` failing with errno `code`. */
  constructor(syscall: string, code: string, description: string) {
    super(`${syscall}: ${description}`);
    this.name = "SystemError";
    this.code = code;
    this.syscall = syscall;
    this.description = description;
  }
}

/**
 * The probe method needs a privilege the process lacks (a raw socket needs
 * CAP_NET_RAW; an ICMP datagram socket needs net.ipv4.ping_group_range).
 */
export class PrivilegeError extends Error {
  /** The method that could not open its socket. */
  readonly method: string;
  /** The system error underneath. */
  override readonly cause: SystemError;

  /** Makes an error for `method`, caused by `cause`. */
  constructor(method: string, cause: SystemError) {
    super(`Method "${method}" needs more privileges: ${cause.message}`);
    this.name = "PrivilegeError";
    this.method = method;
    this.cause = cause;
  }
}

/** A host name could not be resolved to an address of the wanted family. */
export class ResolveError extends Error {
  /** The name as given. */
  readonly host: string;
  /** The resolver's reason, as gai_strerror(3) words it. */
  readonly reason: string;

  /** Makes an error for `host` with the resolver's `reason`. */
  constructor(host: string, reason: string) {
    super(`Cannot resolve "${host}": ${reason}`);
    this.name = "ResolveError";
    this.host = host;
    this.reason = reason;
  }
}

/**
 * An option (or an argument) that cannot be taken: a value out of range, of
 * the wrong family, or a combination that does not work. Thrown before
 * anything is sent; the command line reports it as bad input.
 */
export class OptionError extends RangeError {
  /** The option, as TraceOptions spells it (`firstHop`, `wait.max`, `gateways`...). */
  readonly option: string;

  /** Makes an error about `option`. */
  constructor(option: string, message: string) {
    super(message);
    this.name = "OptionError";
    this.option = option;
  }
}

/**
 * An option whose value has the wrong form (not an address literal, not an
 * interface name). Thrown before anything is sent; the command line reports
 * it as bad input.
 */
export class OptionTypeError extends TypeError {
  /** The option, as TraceOptions spells it. */
  readonly option: string;

  /** Makes an error about `option`. */
  constructor(option: string, message: string) {
    super(message);
    this.name = "OptionTypeError";
    this.option = option;
  }
}

/**
 * Why a system call (a file read, say) failed, in words: the error's message
 * without Deno's `(os error N)` tail.
 */
export function failureReason(e: unknown): string {
  return e instanceof Error ? e.message.split(" (os error")[0]! : String(e);
}
