/**
 * The Method interface: the TypeScript form of Linux traceroute's
 * `tr_module`. A method declares what it is (its default port, whether it
 * can probe flow by flow, what privilege it needs, what answers it) and opens
 * a session that builds and sends probes and tells which probe a message
 * answers. It never reads a socket: the engine reads every ready socket,
 * hands each message to the session's `match`, and decides once, in
 * engine/, what a reply means.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { IgnoreReason } from "./statistics.ts";
import type { Probe } from "./probe.ts";
import type { Datagram, Socket, Transport } from "./transport.ts";
import type { MethodName } from "./model.ts";

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
  /** The address traced ("" when `shared`). */
  target: string;
  /**
   * The session serves many targets over unconnected sockets: each probe is
   * sent to its own `target` (only methods that declare `shares`).
   */
  shared?: boolean;
  /** `-p`: the method's port or first sequence, 0 for its default. */
  port: number;
  /**
   * IPv6 flow information for the target (traffic class << 20 | flow label),
   * 0 for none; methods connect to `targetEndpoint(context, port)`.
   */
  flowInfo: number;
  /** Bytes after the method's header that each probe carries. */
  dataLength: number;
  /**
   * Flow-stable probing (`--paris`): the trace's flow (each probe's own flow
   * is added to it), or null when off.
   */
  paris: { flow: number } | null;
  /** Where probes leave from: `-s` (or null), `--sport` (or 0), `-i` (or null). */
  local: { source: string | null; port: number; interface: string | null };
  /** Parsed `-O` keywords: name to value ("" for flags). */
  keywords: ReadonlyMap<string, string>;
  /** Bytes of IP header (with options or extension headers) each probe carries. */
  ipHeaderLength: number;
  /**
   * Applies the common socket settings (Linux traceroute's tune_socket):
   * interface, source address, fragmentation, TOS, timestamps, reply TTL.
   */
  tune(socket: Socket): void;
}

/**
 * What the engine read from a session's socket: a message (from the error
 * queue: an ICMP or local error about a probe, with the quoted datagram; else
 * data from the destination), or the outcome of a non-blocking connect on a
 * stream socket.
 */
export type Arrival =
  | {
    /** A message read from the socket. */
    kind: "datagram";
    /** The socket it was read from. */
    socket: Socket;
    /** It came from the error queue. */
    errorQueue: boolean;
    /** What was read. */
    datagram: Datagram;
  }
  | {
    /** A connect() completed (`connected`) or was refused with a reset (`refused`). */
    kind: "connection";
    /** The socket. */
    socket: Socket;
    /** What became of it. */
    outcome: "connected" | "refused";
    /** When the engine saw it, on the transport's clock. */
    seenAt: number;
    /** The kernel's measurement of the handshake in ms (TCP_INFO), when connected and known. */
    handshakeRtt: number | null;
  };

/** The probe an arrival answers, and what only the method can tell about the answer. */
export interface Match {
  /** The probe it answers. */
  probe: Probe;
  /** Flags of a TCP reply from the destination, in Linux traceroute's order. */
  tcpFlags?: string[];
  /** When the answer arrived, where the message carries no kernel time (tcpconn). */
  receivedAt?: number;
  /** When the probe really left, where it was sent later than it was queued (`sendLater`). */
  sentAt?: number;
}

/** How the engine reads a session's sockets at each wake-up. */
export interface ReadPolicy {
  /** Messages read from each queue of a ready socket, at most (a flood cannot starve the timers). */
  limit: number;
  /**
   * Each socket belongs to one probe: stop reading it at its first match (the
   * probe is then done and its socket closed).
   */
  untilMatch: boolean;
}

/** An open method: sends probes, matches replies, forgets done probes. */
export interface MethodSession {
  /** Bytes after the method header each probe carries (the method may raise it). */
  readonly dataLength: number;
  /** Opens a socket for each probe (so per-socket privileges stay needed). */
  readonly socketPerProbe: boolean;
  /** How its sockets are read. */
  readonly reading: ReadPolicy;
  /** The sockets to wait on now. */
  sockets(): readonly Socket[];
  /**
   * Sends `probe` and returns its send time on the transport's clock, or
   * null when the kernel asks to try later (ENOBUFS, EAGAIN).
   *
   * @throws {SystemError} for failures that end the run
   */
  send(probe: Probe): number | null;
  /**
   * The probe a message answers, or why it answers none. Pure but for the
   * session's table of probes in flight: it reads no socket.
   */
  match(arrival: Arrival): Match | IgnoreReason;
  /**
   * Changes the bytes each later probe carries after the method header
   * (`--mtu` shrinks probes); methods with a fixed size ignore it.
   */
  resize?(dataLength: number): void;
  /** The probe is done (answered or expired): forget it, free its socket. */
  release(probe: Probe): void;
  /** Closes every socket. */
  close(): void;
}

/**
 * What answers a probe that reaches the destination: an ICMP port
 * unreachable (UDP), an echo reply, a TCP SYN-ACK or reset, a DCCP response
 * or reset, an ICMP protocol unreachable, or data from the application.
 */
export type DestinationReply =
  | "port-unreachable"
  | "echo-reply"
  | "syn-ack"
  | "rst"
  | "dccp-response"
  | "protocol-unreachable"
  | "data";

/**
 * The privilege a method needs: none (datagram sockets with IP_RECVERR), a
 * raw socket or an ICMP datagram socket (`raw-or-ping`), or a raw socket
 * (CAP_NET_RAW).
 */
export type MethodPrivilege = "none" | "raw-or-ping" | "raw";

/** A probe method. */
export interface Method {
  /** Its name for `-M`. */
  readonly name: MethodName;
  /** Bytes of its own header counted in the packet size (UDP 8, ICMP 0). */
  readonly headerLength: number;
  /**
   * What `-p` means and what it is when not given: the first destination
   * port (`default`), the port (`udp`, `tcp`, ...), the first sequence
   * number (`icmp`) or the protocol (`raw`).
   */
  readonly port: {
    readonly meaning: "first port" | "port" | "first sequence" | "protocol";
    readonly default: number;
  };
  /** It can keep every probe on one flow (`--paris`, `--flows`, `--mda`). */
  readonly paris: boolean;
  /** Sends one probe at a time (forces `-N 1` and a fixed wait). */
  readonly onePerTime: boolean;
  /** One session can serve many targets over one unconnected socket (`--targets`). */
  readonly shares: boolean;
  /** The privilege it needs. */
  readonly privilege: MethodPrivilege;
  /** What answers a probe that reaches the destination. */
  readonly replies: readonly DestinationReply[];
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
