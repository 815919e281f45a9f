/**
 * The option and result types of the lab's public API (the `Lab` class of
 * ./lab.ts).
 *
 * @module
 */

/** Result of a command run inside a lab node. */
export interface ExecResult {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** Everything the command wrote to standard output. */
  stdout: string;
  /** Everything the command wrote to standard error. */
  stderr: string;
}

/** Options for {@linkcode Lab.exec}. */
export interface ExecOptions {
  /** Run as this uid and gid (e.g. 65534) with no supplementary groups. */
  user?: number;
  /** Text fed to the command's standard input (otherwise stdin is empty). */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Aborting kills the command. */
  signal?: AbortSignal;
}

/** Options for {@linkcode Lab.spawn}. Standard streams default to `"null"`. */
export interface SpawnOptions {
  /** Run as this uid and gid (e.g. 65534) with no supplementary groups. */
  user?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How to connect standard input. */
  stdin?: "piped" | "inherit" | "null";
  /** How to connect standard output. */
  stdout?: "piped" | "inherit" | "null";
  /** How to connect standard error. */
  stderr?: "piped" | "inherit" | "null";
}

/** Options for {@linkcode Lab.create}. */
export interface LabOptions {
  /**
   * Namespace name prefix: a lowercase letter then up to 11 lowercase letters
   * or digits. Defaults to `"hwl"`.
   */
  prefix?: string;
}

/** Options for {@linkcode Lab.addNode}. */
export interface NodeOptions {
  /** Turn IPv4 and IPv6 forwarding on. */
  router?: boolean;
  /** Keep the kernel's default ICMP rate limits on this node. */
  keepIcmpRateLimit?: boolean;
}

/** Addresses for the two ends of a {@linkcode Lab.link}, as CIDR strings. */
export interface LinkOptions {
  /** IPv4 addresses for end a and end b, e.g. `["198.18.1.1/30", "198.18.1.2/30"]`. */
  v4?: [string, string];
  /** IPv6 addresses for end a and end b, e.g. `["2001:db8:0:1::1/64", "2001:db8:0:1::2/64"]`. */
  v6?: [string, string];
}

/** The interface names a {@linkcode Lab.link} created, one in each node. */
export interface LinkResult {
  /** Interface name in node a (eth0, eth1, ... in order of creation). */
  ifA: string;
  /** Interface name in node b. */
  ifB: string;
}
