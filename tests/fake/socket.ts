/**
 * A socket of the fake kernel: options, binding, the pending error (sk_err)
 * and the two queues (normal and error) the kernel keeps, read on the fake
 * kernel's virtual clock. What a send does is the kernel's
 * ({@linkcode SocketHost.deliver}).
 *
 * @module
 */
import type { Family } from "../../src/packet/address.ts";
import { SystemError } from "../../src/core/errors.ts";
import type {
  BytesOption,
  Datagram,
  Endpoint,
  IntOption,
  QueuedSend,
  Socket,
  SocketKind,
} from "../../src/core/transport.ts";

/** What a fake socket needs of its kernel. */
export interface SocketHost {
  /** The virtual time. */
  now(): number;
  /** The source's own address (what binding to the wildcard gives). */
  readonly source: string;
  /** Interfaces that exist. */
  readonly interfaces: readonly string[];
  /** Sockets can `sendLater` when not null: a queued datagram leaves this many ms later. */
  readonly sendLaterDelay: number | null;
  /** An unused local port. */
  ephemeralPort(): number;
  /** Works out the answers to a probe sent on `socket`, and queues them. */
  deliver(
    socket: FakeSocket,
    destination: Endpoint,
    data: Uint8Array,
    at: number,
    ttl?: number,
  ): void;
}

/** A message on a socket's queue, with the time it is due. */
export interface Queued {
  /** When it arrives (virtual ms). */
  at: number;
  /** On the error queue (MSG_ERRQUEUE). */
  errorQueue: boolean;
  /** What a read returns. */
  datagram: Datagram;
}

const ERRNO_TEXT: Record<string, string> = {
  EPERM: "Operation not permitted",
  EACCES: "Permission denied",
  ENODEV: "No such device",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ECONNREFUSED: "Connection refused",
  EHOSTUNREACH: "No route to host",
  EAGAIN: "Resource temporarily unavailable",
};

/** The error a system call fails with, as the shim reports it. */
export function fail(syscall: string, code: string): SystemError {
  return new SystemError(syscall, code, ERRNO_TEXT[code] ?? code);
}

/** A socket of the fake kernel. */
export class FakeSocket implements Socket {
  readonly family: Family;
  readonly kind: SocketKind;
  readonly protocol: number;
  closed = false;
  watchWritable = false;
  ttl = 64;
  local: Endpoint | null = null;
  remote: Endpoint | null = null;
  recvErr = false;
  queue: Queued[] = [];
  /** The pending error (sk_err), as the kernel keeps it: set by each ICMP error, reset by reading the error queue. */
  pending: { code: string; at: number } | null = null;
  #net: SocketHost;

  constructor(net: SocketHost, family: Family, kind: SocketKind, protocol: number) {
    this.#net = net;
    this.family = family;
    this.kind = kind;
    this.protocol = protocol;
    const delay = net.sendLaterDelay;
    if (delay !== null) {
      this.sendLater = (data, to, ttl) => {
        const queuedAt = net.now();
        const sentAt = queuedAt + delay;
        this.#net.deliver(this, to, data.slice(), sentAt, ttl);
        return { queuedAt, sentAt: () => (net.now() >= sentAt ? sentAt : null), error: () => null };
      };
    }
  }

  sendLater?: (data: Uint8Array, to: Endpoint, ttl: number) => QueuedSend;

  setInt(option: IntOption, value: number): void {
    if (option === "ttl") this.ttl = value;
    if (option === "recvErr") this.recvErr = value !== 0;
  }

  getInt(option: IntOption): number {
    return option === "mtu" ? 1500 : 0;
  }

  tcpRtt(): number {
    return 0;
  }

  setBytes(option: BytesOption, value: Uint8Array): void {
    if (option === "bindToDevice") {
      const name = new TextDecoder().decode(value).replace(/\0.*$/, "");
      if (!this.#net.interfaces.includes(name)) throw fail("setsockopt SO_BINDTODEVICE", "ENODEV");
    }
  }

  bind(local: Endpoint): void {
    const any = local.address === "0.0.0.0" || local.address === "::";
    if (!any && local.address !== this.#net.source) throw fail("bind", "EADDRNOTAVAIL");
    this.local = { address: any ? this.#net.source : local.address, port: local.port };
  }

  connect(remote: Endpoint): void {
    this.remote = remote;
    if (!this.local) this.local = { address: this.#net.source, port: 0 };
    if (this.local.port === 0) this.local.port = this.#net.ephemeralPort();
  }

  localEndpoint(): Endpoint {
    if (!this.local) this.local = { address: this.#net.source, port: 0 };
    if (this.local.port === 0) this.local.port = this.#net.ephemeralPort();
    return this.local;
  }

  takeError(): string | null {
    const now = this.#net.now();
    if (!this.pending || this.pending.at > now) return null;
    const code = this.pending.code;
    this.pending = null;
    return code;
  }

  send(data: Uint8Array, to?: Endpoint): number {
    const destination = to ?? this.remote;
    if (!destination) throw fail("send", "EDESTADDRREQ");
    const at = this.#net.now();
    // Like Linux's ping sockets: an ICMP error that arrived sets sk_err, and
    // the next send returns it instead of sending.
    const pending = this.takeError();
    if (pending && this.kind === "dgram" && (this.protocol === 1 || this.protocol === 58)) {
      throw fail("send", pending);
    }
    this.#net.deliver(this, destination, data.slice(), at);
    return at;
  }

  receive(errorQueue: boolean): Datagram | null {
    const now = this.#net.now();
    if (!errorQueue && (this.kind === "raw" || this.protocol === 1 || this.protocol === 58)) {
      // skb_recv_datagram (raw and ping sockets) returns a pending error,
      // clearing it, before it looks at the queue.
      const pending = this.takeError();
      if (pending) throw fail("recvmsg", pending);
    }
    const i = this.queue.findIndex((q) => q.errorQueue === errorQueue && q.at <= now);
    if (i === -1) return null;
    const taken = this.queue.splice(i, 1)[0]!.datagram;
    if (errorQueue) {
      // Reading the error queue sets sk_err to the next queued error, or clears it.
      const next = this.queue.find((q) => q.errorQueue && q.at <= now);
      this.pending = next?.datagram.error ? { code: next.datagram.error.errno, at: next.at } : null;
    }
    return taken;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }
}
