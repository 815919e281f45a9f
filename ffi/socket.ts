/**
 * A socket over a file descriptor, calling the shim. Every failure throws a
 * SystemError named after the call, as Linux traceroute's perror() names it.
 *
 * @module
 */
import type { Family } from "../src/packet/address.ts";
import type {
  BytesOption,
  Datagram,
  Endpoint,
  IntOption,
  QueuedSend,
  Socket,
  SocketKind,
} from "../src/core/transport.ts";
import { errnoDescription, errnoName, isErrno, systemError } from "./errno.ts";
import { decodeAddr, decodeMeta, encodeAddr } from "./layout.ts";
import { shim } from "./library.ts";
import type { Outbox } from "./outbox.ts";
import { BYTES_OPTION, INT_OPTION, RECV, SIZE, SOCK } from "./symbols.ts";

/** The C names Linux traceroute's messages use for each option. */
const INT_OPTION_NAMES: Record<IntOption, [v4: string, v6: string]> = {
  ttl: ["IP_TTL", "IPV6_UNICAST_HOPS"],
  tos: ["IP_TOS", "IPV6_TCLASS"],
  recvErr: ["IP_RECVERR", "IPV6_RECVERR"],
  recvTtl: ["IP_RECVTTL", "IPV6_RECVHOPLIMIT"],
  timestamp: ["SO_TIMESTAMPNS", "SO_TIMESTAMPNS"],
  mtuDiscover: ["IP_MTU_DISCOVER", "IPV6_MTU_DISCOVER"],
  dontRoute: ["SO_DONTROUTE", "SO_DONTROUTE"],
  debug: ["SO_DEBUG", "SO_DEBUG"],
  mark: ["SO_MARK", "SO_MARK"],
  flowInfoSend: ["IPV6_FLOWINFO_SEND", "IPV6_FLOWINFO_SEND"],
  reuseAddr: ["SO_REUSEADDR", "SO_REUSEADDR"],
  rcvBuf: ["SO_RCVBUF", "SO_RCVBUF"],
  hdrIncl: ["IP_HDRINCL", "IP_HDRINCL"],
  recvTos: ["IP_RECVTOS", "IPV6_RECVTCLASS"],
  udpliteSendCoverage: ["UDPLITE_SEND_CSCOV", "UDPLITE_SEND_CSCOV"],
  udpliteRecvCoverage: ["UDPLITE_RECV_CSCOV", "UDPLITE_RECV_CSCOV"],
  mtu: ["IP_MTU", "IPV6_MTU"],
  icmpFilter: ["ICMP_FILTER", "ICMP_FILTER"],
  rcvBufForce: ["SO_RCVBUFFORCE", "SO_RCVBUFFORCE"],
};

const BYTES_OPTION_NAMES: Record<BytesOption, [v4: string, v6: string]> = {
  bindToDevice: ["SO_BINDTODEVICE", "SO_BINDTODEVICE"],
  ipOptions: ["IP_OPTIONS", "IPV6_RTHDR"],
  flowLabelManager: ["IPV6_FLOWLABEL_MGR", "IPV6_FLOWLABEL_MGR"],
  icmp6Filter: ["ICMP6_FILTER", "ICMP6_FILTER"],
};

// One receive buffer for all sockets: receive() copies what it returns.
const RECEIVE_CAPACITY = 65536;
let receiveBuffer: Uint8Array | null = null;
const metaBuffer = new Uint8Array(SIZE.meta);
const sentAtBuffer = new Float64Array(1);
const sentAtBytes = new Uint8Array(sentAtBuffer.buffer);

const ERRNO_TEXT = { name: errnoName, description: errnoDescription };

/**
 * Destinations already encoded, by address, port and flow label: a socket
 * shared by thousands of traces sends to each of them again and again.
 * Bounded: emptied when full.
 */
const encodedDestinations = new Map<string, Uint8Array>();
const ENCODED_DESTINATIONS_MAX = 65536;

function encodedAddr(to: Endpoint): Uint8Array {
  // The address alone for port 0 without a flow label (ICMP), as most sends to many targets are.
  const key = to.port === 0 && !to.flowInfo
    ? to.address
    : `${to.address}/${to.port}/${to.flowInfo}`;
  let bytes = encodedDestinations.get(key);
  if (!bytes) {
    if (encodedDestinations.size >= ENCODED_DESTINATIONS_MAX) encodedDestinations.clear();
    bytes = encodeAddr(to);
    encodedDestinations.set(key, bytes);
  }
  return bytes;
}

/** A socket backed by a kernel file descriptor. */
export class FfiSocket implements Socket {
  readonly family: Family;
  readonly kind: SocketKind;
  readonly protocol: number;
  watchWritable = false;
  #fd: number;
  /** Where sendLater queues (the transport's). */
  readonly #outbox: Outbox;
  /** The last ticket it queued in the outbox, or -1. */
  #lastTicket = -1;
  /** The TTL / hop limit its datagrams go with, or -1 for the socket's own (setInt "ttl"). */
  #ttl = -1;

  /**
   * Opens a socket (non-blocking, close-on-exec).
   *
   * @throws {SystemError} `socket: ...` when the kernel refuses
   */
  constructor(family: Family, kind: SocketKind, protocol: number, outbox: Outbox) {
    const fd = shim().hw_socket(family, SOCK[kind], protocol);
    if (fd < 0) throw systemError("socket", fd);
    this.family = family;
    this.kind = kind;
    this.protocol = protocol;
    this.#fd = fd;
    this.#outbox = outbox;
  }

  /** The file descriptor, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  setInt(option: IntOption, value: number): void {
    const datagrams = this.kind === "dgram" || this.kind === "raw";
    if (option === "ttl" && datagrams && value >= 1 && value <= 255) {
      // A datagram's TTL goes with it (ancillary data of its send): no system call per probe.
      // Out of range, setsockopt says what is wrong, as it always has.
      this.#ttl = value;
      return;
    }
    // setsockopt takes a C int: 0xffffffff (a mark) is passed as -1, as C would.
    const rc = shim().hw_setopt_int(this.#fd, this.family, INT_OPTION[option], value | 0);
    if (rc < 0) {
      const name = INT_OPTION_NAMES[option][this.family === 4 ? 0 : 1];
      throw systemError(`setsockopt ${name}`, rc);
    }
  }

  getInt(option: IntOption): number {
    if (option === "ttl" && this.#ttl >= 0) return this.#ttl;
    const rc = shim().hw_getopt_int(this.#fd, this.family, INT_OPTION[option]);
    if (rc < 0) {
      const name = INT_OPTION_NAMES[option][this.family === 4 ? 0 : 1];
      throw systemError(`getsockopt ${name}`, rc);
    }
    return rc;
  }

  tcpRtt(): number {
    const rc = shim().hw_tcp_rtt(this.#fd);
    if (rc < 0) throw systemError("getsockopt TCP_INFO", rc);
    return rc / 1000;
  }

  setBytes(option: BytesOption, value: Uint8Array): void {
    const rc = shim().hw_setopt_bytes(
      this.#fd,
      this.family,
      BYTES_OPTION[option],
      value,
      value.length,
    );
    if (rc < 0) {
      const name = BYTES_OPTION_NAMES[option][this.family === 4 ? 0 : 1];
      throw systemError(`setsockopt ${name}`, rc);
    }
  }

  bind(local: Endpoint): void {
    const rc = shim().hw_bind(this.#fd, encodeAddr(local));
    if (rc < 0) throw systemError("bind", rc);
  }

  connect(remote: Endpoint): void {
    const rc = shim().hw_connect(this.#fd, encodeAddr(remote));
    if (rc < 0) throw systemError("connect", rc);
  }

  localEndpoint(): Endpoint {
    const out = new Uint8Array(SIZE.addr);
    const rc = shim().hw_getsockname(this.#fd, out);
    if (rc < 0) throw systemError("getsockname", rc);
    const endpoint = decodeAddr(out);
    if (!endpoint) throw systemError("getsockname", -97);
    return endpoint;
  }

  takeError(): string | null {
    const rc = shim().hw_take_error(this.#fd);
    if (rc < 0) throw systemError("getsockopt SO_ERROR", rc);
    return rc === 0 ? null : errnoName(rc);
  }

  send(data: Uint8Array, to?: Endpoint): number {
    const rc = shim().hw_send(
      this.#fd,
      data,
      data.length,
      to ? encodedAddr(to) : null,
      this.family,
      this.#ttl,
      sentAtBytes,
    );
    if (rc < 0) throw systemError("send", rc);
    return sentAtBuffer[0]!;
  }

  sendLater(data: Uint8Array, to: Endpoint, ttl: number): QueuedSend {
    const outbox = this.#outbox;
    if (this.#fd < 0) throw systemError("send", -9); // EBADF, as a send on it would say
    const queuedAt = shim().hw_now();
    this.#lastTicket = outbox.add(this.#fd, this.family, data, encodedAddr(to), ttl);
    return outbox.queued(this.#lastTicket, queuedAt);
  }

  receive(errorQueue: boolean): Datagram | null {
    receiveBuffer ??= new Uint8Array(RECEIVE_CAPACITY);
    const n = shim().hw_recv(
      this.#fd,
      receiveBuffer,
      receiveBuffer.length,
      metaBuffer,
      errorQueue ? RECV.errqueue : 0,
    );
    if (n < 0) {
      // The common case of every drained socket: nothing more to read, no error object made.
      if (isErrno(n, "EAGAIN", "EINTR")) return null;
      throw systemError("recvmsg", n);
    }
    return decodeMeta(metaBuffer, receiveBuffer.slice(0, n), ERRNO_TEXT);
  }

  close(): void {
    if (this.#fd >= 0) {
      // Never while the sending thread may still use it (the number could be reused).
      if (this.#lastTicket >= 0 && this.#outbox.pending(this.#lastTicket)) this.#outbox.drain();
      shim().hw_close(this.#fd);
      this.#fd = -1;
    }
  }
}
