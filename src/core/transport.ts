/**
 * The seam between the engine and the kernel. `FfiTransport` (ffi/) is the
 * real one; tests use a fake that answers from scenarios.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { SystemError } from "./errors.ts";

/** An address and port; for IPv6, optionally the flow information. */
export interface Endpoint {
  /** The address literal, canonical form. */
  address: string;
  /** The port (0 when it does not apply). */
  port: number;
  /** IPv6 traffic class and flow label, as in sin6_flowinfo (host order). */
  flowInfo?: number;
}

/** The socket types hopwise uses (`dccp`: SOCK_DCCP, to reserve DCCP ports). */
export type SocketKind = "dgram" | "raw" | "stream" | "dccp";

/** Integer socket options; the socket's family picks the IPv4 or IPv6 one. */
export type IntOption =
  | "ttl"
  | "tos"
  | "recvErr"
  | "recvTtl"
  | "timestamp"
  | "mtuDiscover"
  | "dontRoute"
  | "debug"
  | "mark"
  | "flowInfoSend"
  | "reuseAddr"
  | "rcvBuf"
  | "hdrIncl"
  | "recvTos"
  | "udpliteSendCoverage"
  | "udpliteRecvCoverage"
  | "mtu"
  | "icmpFilter"
  | "rcvBufForce";

/** Byte-string socket options. */
export type BytesOption = "bindToDevice" | "ipOptions" | "flowLabelManager" | "icmp6Filter";

/** Path-MTU discovery modes for the `mtuDiscover` option. */
export const MtuDiscover = { dont: 0, probe: 1, do: 2 } as const;

/** Where an extended socket error came from (sock_extended_err.ee_origin). */
export type ErrorOrigin = "none" | "local" | "icmp" | "icmp6" | "other";

/** An error queued by the kernel (IP_RECVERR / IPV6_RECVERR). */
export interface ExtendedError {
  /** The errno name the error stands for, such as `"EHOSTUNREACH"`. */
  errno: string;
  /** strerror(3) of that errno. */
  description: string;
  /** Who raised it. */
  origin: ErrorOrigin;
  /** ICMP type, for ICMP origins. */
  type: number;
  /** ICMP code, for ICMP origins. */
  code: number;
  /** ee_info: the MTU for "fragmentation needed" and "packet too big". */
  info: number;
  /** The address that sent the ICMP error, when the kernel gave it. */
  offender: string | null;
}

/** One message read from a socket. */
export interface Datagram {
  /** The bytes read (for the error queue: the original packet's payload). */
  data: Uint8Array;
  /** msg_name: the sender, or for the error queue the original destination. */
  from: Endpoint | null;
  /** Kernel receive time on the transport's clock (ms), when known. */
  receivedAt: number | null;
  /** TTL / hop limit of the received packet, when known. */
  ttl: number | null;
  /** The extended error, for messages read from the error queue. */
  error: ExtendedError | null;
  /** The message was longer than the buffer. */
  truncated: boolean;
}

/** A socket, as the methods use it. Every failing call throws a SystemError. */
export interface Socket {
  /** IP version. */
  readonly family: Family;
  /** Socket type. */
  readonly kind: SocketKind;
  /** IP protocol number. */
  readonly protocol: number;
  /** True once closed. */
  readonly closed: boolean;
  /** Sets an integer option. */
  setInt(option: IntOption, value: number): void;
  /** Reads an integer option (`mtu`: the path MTU of a connected socket). */
  getInt(option: IntOption): number;
  /**
   * For a TCP socket: the kernel's smoothed round-trip time in ms (TCP_INFO);
   * right after a handshake, its measurement of the handshake.
   */
  tcpRtt(): number;
  /** Also wait for the socket to become writable (a non-blocking connect completing). */
  watchWritable: boolean;
  /** Sets a byte-string option. */
  setBytes(option: BytesOption, value: Uint8Array): void;
  /** bind(2). */
  bind(local: Endpoint): void;
  /** connect(2). */
  connect(remote: Endpoint): void;
  /** getsockname(2). */
  localEndpoint(): Endpoint;
  /**
   * Takes the socket's pending error (getsockopt SO_ERROR), clearing it;
   * null when there is none.
   */
  takeError(): string | null;
  /**
   * Sends one datagram (to `to`, or the connected peer) and returns the send
   * time on the transport's clock, taken just before the system call.
   */
  send(data: Uint8Array, to?: Endpoint): number;
  /**
   * Sends later, off the JavaScript thread, where the transport can (sockets
   * without it send at once): queues `data` for `to` with hop limit `ttl`
   * and returns at once. The send happens before the transport's next wait
   * returns, or soon after; its real time and outcome are asked of the result.
   */
  sendLater?(data: Uint8Array, to: Endpoint, ttl: number): QueuedSend;
  /** Reads one message, or returns null when none is waiting. */
  receive(errorQueue: boolean): Datagram | null;
  /** close(2); closing twice does nothing. */
  close(): void;
}

/** A datagram queued by `Socket.sendLater`. */
export interface QueuedSend {
  /** When it was queued, on the transport's clock. */
  readonly queuedAt: number;
  /**
   * The time it left, taken just before its system call, once its send has
   * begun (always so once an answer to it has arrived); null before.
   */
  sentAt(): number | null;
  /** Its send's error (a `send` SystemError), once done; null when it was sent or is not done. */
  error(): SystemError | null;
}

/** What `wait` found on one socket. */
export interface Readiness {
  /** The socket. */
  socket: Socket;
  /** Normal data waiting. */
  readable: boolean;
  /** An error waiting in the error queue, or a pending socket error. */
  error: boolean;
  /** Writable (for sockets that watch it), or the peer hung up. */
  writable: boolean;
}

/** Opens sockets and waits on many at once. */
export interface Transport {
  /** The current time on the clock of `send` and `receivedAt` (ms). */
  now(): number;
  /** Opens a socket. */
  socket(family: Family, kind: SocketKind, protocol: number): Socket;
  /**
   * Waits until one of `sockets` is ready, `timeoutMs` passes, or `signal`
   * aborts; returns the ready ones (none on timeout or abort).
   */
  wait(sockets: readonly Socket[], timeoutMs: number, signal?: AbortSignal): Promise<Readiness[]>;
  /** The process id, used for ICMP identifiers. */
  pid(): number;
  /** Frees what the transport holds (not the sockets it handed out). */
  close?(): void;
  /**
   * Raises the process's limit of open descriptors towards `want` (no higher
   * than the system allows) and returns the limit now.
   */
  descriptorLimit?(want: number): number;
  /** Descriptors the process has open now, or null when it cannot tell. */
  openDescriptors?(): number | null;
  /** True when the process holds a privilege (uid 0 or any capability). */
  privileged?(): boolean;
  /**
   * Drops every privilege of the process, in every thread; may return the
   * user it runs as now.
   *
   * @throws {SystemError} when a thread keeps a privilege
   */
  dropPrivileges?(): number | null | void;
}
