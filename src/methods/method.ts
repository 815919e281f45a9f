/**
 * The Method interface: the TypeScript form of Linux traceroute's
 * `tr_module`. A method opens a session that sends probes and matches replies
 * to them; what a reply means is decided once, in engine/.
 *
 * @module
 */
import type { Family } from "../address.ts";
import { PrivilegeError, SystemError } from "../errors.ts";
import { decodeIPv4 } from "../packet/ipv4.ts";
import type { Statistics } from "../engine/statistics.ts";
import type { Probe } from "../engine/probe.ts";
import type { ResolvedOptions } from "../options.ts";
import type {
  Datagram,
  Endpoint,
  ExtendedError,
  Readiness,
  Socket,
  Transport,
} from "../transport.ts";
import type { MethodName } from "../types.ts";

/** A `-O` keyword a method accepts. */
export interface MethodKeyword {
  /** The keyword, as typed. */
  name: string;
  /** The name of its value (`NUM`), when it takes one (`keyword=value`). */
  value?: string;
  /** Help text for `-O help`. */
  help: string;
  /** Keywords of one exclusive group: at most one may be given. */
  exclusive?: boolean;
  /** On the command line the keyword may be abbreviated (Linux's CLIF_ABBREV). */
  abbrev?: boolean;
  /** Checks a value; keywords without it accept any value they take. */
  accepts?(value: string): boolean;
}

/** Everything a session needs to open. */
export interface MethodContext {
  /** Where sockets come from. */
  transport: Transport;
  /** IP version. */
  family: Family;
  /** The address traced. */
  target: string;
  /** `-p`: the method's port or first sequence, 0 for its default. */
  port: number;
  /**
   * IPv6 flow information for the target (traffic class << 20 | flow label),
   * 0 for none; methods connect to `targetEndpoint(context, port)`.
   */
  flowInfo: number;
  /** Bytes after the method's header that each probe carries. */
  dataLength: number;
  /** The trace's options. */
  options: ResolvedOptions;
  /** Parsed `-O` keywords: name to value ("" for flags). */
  keywords: ReadonlyMap<string, string>;
  /** The trace's counters: sessions count what they read and why they ignore it. */
  statistics: Statistics;
  /** Bytes of IP header (with options or extension headers) each probe carries. */
  ipHeaderLength: number;
  /**
   * Applies the common socket settings (Linux traceroute's tune_socket):
   * interface, source address, fragmentation, TOS, timestamps, reply TTL.
   */
  tune(socket: Socket): void;
}

/** A reply a session matched to one of its probes. */
export interface RawReply {
  /** The probe it answers. */
  probe: Probe;
  /** Kernel receive time, when known. */
  receivedAt: number | null;
  /** The sender of a direct reply (not an error), e.g. an echo reply. */
  from: string | null;
  /** TTL of the reply packet. */
  replyTtl: number | null;
  /** The ICMP or local error, for error-queue replies. */
  error: ExtendedError | null;
  /** A direct reply that ends the trace (echo reply, data from the port). */
  final: boolean;
  /** Flags of a TCP reply from the destination, in Linux traceroute's order. */
  tcpFlags?: string[];
  /**
   * For an error: what the error queue returned (the quoted datagram from
   * the transport header on, and anything after it, such as ICMP extensions).
   */
  payload?: Uint8Array;
}

/** An open method: sends probes, matches replies, forgets done probes. */
export interface MethodSession {
  /** Bytes after the method header each probe carries (the method may raise it). */
  readonly dataLength: number;
  /** Opens a socket for each probe (so per-socket privileges stay needed). */
  readonly socketPerProbe: boolean;
  /** The sockets to wait on now. */
  sockets(): readonly Socket[];
  /**
   * Sends `probe` (sets `probe.sentAt`). Returns false when the kernel asks
   * to try later (ENOBUFS, EAGAIN).
   *
   * @throws {SystemError} for failures that end the run
   */
  send(probe: Probe): boolean;
  /**
   * Changes the bytes each later probe carries after the method header
   * (`--mtu` shrinks probes); methods with a fixed size ignore it.
   */
  resize?(dataLength: number): void;
  /** Reads what is waiting on a ready socket and matches it to probes. */
  receive(ready: Readiness): RawReply[];
  /** The probe is done (answered or expired): forget it, free its socket. */
  release(probe: Probe): void;
  /** Closes every socket. */
  close(): void;
}

/** A probe method. */
export interface Method {
  /** Its name for `-M`. */
  readonly name: MethodName;
  /** Bytes of its own header counted in the packet size (UDP 8, ICMP 0). */
  readonly headerLength: number;
  /** Sends one probe at a time (forces `-N 1` and a fixed wait). */
  readonly onePerTime: boolean;
  /** Its `-O` keywords. */
  readonly keywords: readonly MethodKeyword[];
  /**
   * Opens a session.
   *
   * @throws {PrivilegeError} when the method needs a privilege the process lacks
   * @throws {SystemError} for other socket failures
   */
  open(context: MethodContext): MethodSession;
}

/**
 * The reply a datagram-socket read stands for: an error-queue message (an
 * ICMP error about the probe, with the quoted payload) or data from the
 * destination (`from`, final).
 */
export function datagramReply(
  probe: Probe,
  datagram: Datagram,
  errorQueue: boolean,
  from: string | null,
): RawReply {
  return {
    probe,
    receivedAt: datagram.receivedAt,
    from: errorQueue ? null : from,
    replyTtl: datagram.ttl,
    error: datagram.error,
    final: !errorQueue,
    ...(errorQueue ? { payload: datagram.data } : {}),
  };
}

/** Read errors that are hopwise's own fault, never a pending socket error. */
const FATAL_READ_ERRORS = new Set(["EBADF", "EINVAL"]);

/**
 * Reads what `ready` reports waiting on its socket: the error queue first,
 * then normal data, at most `limit` messages from each, counting each one.
 * A normal read that returns a pending socket error is counted in
 * `statistics.socketErrors` and retried.
 */
export function* readReady(
  ready: Readiness,
  limit: number,
  statistics: Statistics,
): Generator<{ datagram: Datagram; errorQueue: boolean }> {
  for (const errorQueue of [true, false]) {
    if (errorQueue ? !ready.error : !ready.readable) continue;
    for (let i = 0; i < limit; i++) {
      let datagram;
      try {
        datagram = ready.socket.receive(errorQueue);
      } catch (e) {
        // With IP_RECVERR each ICMP error also sets the socket's pending
        // error, and a normal read returns (and clears) it instead of data
        // when the error arrived after the error queue was read. The error
        // itself waits in the queue for the next wakeup: read on.
        if (errorQueue || !(e instanceof SystemError) || FATAL_READ_ERRORS.has(e.code)) throw e;
        statistics.socketErrors++;
        continue;
      }
      if (!datagram) break;
      statistics.received++;
      yield { datagram, errorQueue };
    }
  }
}

/**
 * Where RFC 4884 ICMP extensions may begin within the original datagram
 * field: routers that append them quote only the first 128 bytes for sure.
 */
export const QUOTE_SURE_BYTES = 128;

/**
 * Whether a quoted packet agrees with what was sent on every byte both have,
 * from `from` on: routers may quote less than the whole probe, and from byte
 * 128 of the original datagram on an extension structure (or its padding) may
 * stand in the probe's place. `quoteOffset` is where `quoted[0]` sits in the
 * original datagram (the probe's IP header length, plus 8 for what follows a
 * UDP header).
 */
export function quotesExactly(
  quoted: Uint8Array,
  sent: Uint8Array,
  quoteOffset: number,
  from = 0,
): boolean {
  const n = Math.min(quoted.length, sent.length, Math.max(0, QUOTE_SURE_BYTES - quoteOffset));
  for (let i = from; i < n; i++) if (quoted[i] !== sent[i]) return false;
  return true;
}

/**
 * Opens a raw socket for `method`. EPERM (no CAP_NET_RAW) becomes a
 * PrivilegeError, which the CLI reports as Linux traceroute does.
 */
export function openRawSocket(
  transport: Transport,
  family: Family,
  protocol: number,
  method: MethodName,
): Socket {
  try {
    return transport.socket(family, "raw", protocol);
  } catch (e) {
    if (e instanceof SystemError && e.code === "EPERM") throw new PrivilegeError(method, e);
    throw e;
  }
}

/**
 * The transport-layer bytes of a message read from a raw socket's normal
 * queue: raw IPv4 sockets hand over the IP header too. Null when the IPv4
 * header is malformed.
 */
export function rawPayload(datagram: Datagram, family: Family): Uint8Array | null {
  if (family === 6) return datagram.data;
  const ip = decodeIPv4(datagram.data);
  return ip ? datagram.data.subarray(ip.headerLength) : null;
}

/** A random 32-bit number (sequence numbers, timestamps). */
export function random32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** The target with `port`, and the IPv6 flow information `-t` / `-l` ask for. */
export function targetEndpoint(
  context: Pick<MethodContext, "target" | "flowInfo">,
  port: number,
): Endpoint {
  return context.flowInfo
    ? { address: context.target, port, flowInfo: context.flowInfo }
    : { address: context.target, port };
}

/** The payload Linux traceroute sends: byte i is 0x40 + (i & 0x3f). */
export function probePayload(length: number, from = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = from; i < length; i++) out[i] = 0x40 + (i & 0x3f);
  return out;
}
