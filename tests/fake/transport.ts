/**
 * A fake kernel for the engine and the methods: sockets whose probes are
 * answered from a scenario (who answers at each TTL, after how long, with
 * what), on a virtual clock. It keeps the kernel's contracts that hopwise
 * relies on: ICMP errors arrive on the error queue of the socket that sent
 * the probe with the original payload and destination; raw IPv4 sockets get
 * the IP header; ICMP datagram sockets use their port as the echo identifier.
 *
 * @module
 */
import { addressBytes, type Family } from "../../src/address.ts";
import { SystemError } from "../../src/errors.ts";
import { decodeICMPv4, ICMP4, writeICMPv4Echo } from "../../src/packet/icmpv4.ts";
import { decodeICMPv6, ICMP6, writeICMPv6Echo } from "../../src/packet/icmpv6.ts";
import { encodeIPv4 } from "../../src/packet/ipv4.ts";
import type {
  BytesOption,
  Datagram,
  Endpoint,
  ExtendedError,
  IntOption,
  Readiness,
  Socket,
  SocketKind,
  Transport,
} from "../../src/transport.ts";

/** How one TTL answers. */
export interface HopBehaviour {
  /** The responder, or null for a silent hop. */
  address: string | null;
  /** A responder per place within the hop (load balancing), overriding `address`. */
  addresses?: Array<string | null>;
  /** Round-trip time in ms (default 1). */
  rtt?: number;
  /** Places within the hop (0-based) whose probes get no answer. */
  drop?: number[];
  /** TTLs whose probes get no answer (for entries that answer several TTLs). */
  dropTtls?: number[];
  /** Answer with this ICMP message instead of the usual one. */
  icmp?: { type: number; code: number; info?: number };
  /** TTL of the replies as they arrive (default 65 - the responder's distance). */
  replyTtl?: number;
  /** Extra delay in ms for some places: { "1": 4000 }. */
  delay?: Record<string, number>;
  /** Send every answer twice. */
  duplicate?: boolean;
  /**
   * Rate-limit the answers as Linux does ICMP errors: a token bucket of
   * `burst` tokens (default 6) holding `initial` at the start (default
   * `burst`), one token back every `interval` ms (default 1000); an answer
   * takes a token, and without one the probe goes unanswered. The bucket is
   * this entry's (all the TTLs it answers share it).
   */
  rateLimit?: { burst?: number; initial?: number; interval?: number };
}

/** A virtual network as seen from the source. */
export interface Scenario {
  /** IP version. */
  family: Family;
  /** The source's own address. */
  source: string;
  /** The target address. */
  target: string;
  /**
   * Behaviour per TTL (index 0 = TTL 1). TTLs past the end behave like the
   * last entry, which is normally the target itself.
   */
  hops: HopBehaviour[];
  /** Raw sockets may be opened (default true). */
  rawAllowed?: boolean;
  /** ICMP datagram sockets may be opened (default false, Linux's default sysctl). */
  pingAllowed?: boolean;
  /** Interfaces that exist (default ["lo", "eth0"]). */
  interfaces?: string[];
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

function fail(syscall: string, code: string): SystemError {
  return new SystemError(syscall, code, ERRNO_TEXT[code] ?? code);
}

interface Queued {
  at: number;
  errorQueue: boolean;
  datagram: Datagram;
}

/** One probe as the fake network saw it. */
export interface SentProbe {
  /** Virtual send time. */
  at: number;
  /** TTL. */
  ttl: number;
  /** Destination. */
  destination: string;
  /** Destination port (UDP) or 0. */
  port: number;
  /** Bytes sent (the transport payload). */
  data: Uint8Array;
  /** Socket kind. */
  kind: SocketKind;
  /** Protocol. */
  protocol: number;
}

class FakeSocket implements Socket {
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
  #net: FakeTransport;

  constructor(net: FakeTransport, family: Family, kind: SocketKind, protocol: number) {
    this.#net = net;
    this.family = family;
    this.kind = kind;
    this.protocol = protocol;
  }

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
    if (!any && local.address !== this.#net.scenario.source) throw fail("bind", "EADDRNOTAVAIL");
    this.local = { address: any ? this.#net.scenario.source : local.address, port: local.port };
  }

  connect(remote: Endpoint): void {
    this.remote = remote;
    if (!this.local) this.local = { address: this.#net.scenario.source, port: 0 };
    if (this.local.port === 0) this.local.port = this.#net.ephemeralPort();
  }

  localEndpoint(): Endpoint {
    if (!this.local) this.local = { address: this.#net.scenario.source, port: 0 };
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

/** The fake kernel and network. */
export class FakeTransport implements Transport {
  readonly scenario: Scenario;
  readonly interfaces: string[];
  /** Every probe sent, in order. */
  readonly sent: SentProbe[] = [];
  /** Sockets opened and never closed are leaks: tests check this. */
  readonly opened: FakeSocket[] = [];
  #clock = 0;
  #port = 40000;
  /** Called at every wait with the virtual time, before it advances (tests abort from here). */
  onWait: ((now: number) => void) | null = null;

  /** Makes a fake network for a scenario. */
  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.interfaces = scenario.interfaces ?? ["lo", "eth0"];
  }

  now(): number {
    return this.#clock;
  }

  pid(): number {
    return 4242;
  }

  /** An unused local port. */
  ephemeralPort(): number {
    return this.#port++;
  }

  /**
   * Puts a message on a socket's queue as if it had just arrived (fuzzing
   * and hostile-input tests).
   */
  inject(socket: Socket, datagram: Datagram, errorQueue: boolean): void {
    if (!(socket instanceof FakeSocket)) throw new TypeError("not a fake socket");
    socket.queue.push({ at: this.#clock, errorQueue, datagram });
  }

  /** Sockets still open. */
  openSockets(): number {
    return this.opened.filter((s) => !s.closed).length;
  }

  socket(family: Family, kind: SocketKind, protocol: number): Socket {
    if (kind === "raw" && this.scenario.rawAllowed === false) throw fail("socket", "EPERM");
    if (kind === "dgram" && (protocol === 1 || protocol === 58) && !this.scenario.pingAllowed) {
      throw fail("socket", "EACCES");
    }
    const socket = new FakeSocket(this, family, kind, protocol);
    this.opened.push(socket);
    return socket;
  }

  wait(sockets: readonly Socket[], timeoutMs: number, signal?: AbortSignal): Promise<Readiness[]> {
    this.onWait?.(this.#clock);
    if (signal?.aborted) return Promise.resolve([]);
    const fakes = sockets.filter((s): s is FakeSocket => s instanceof FakeSocket && !s.closed);
    let next = this.#clock + Math.max(0, Math.ceil(timeoutMs));
    for (const s of fakes) {
      for (const q of s.queue) next = Math.min(next, Math.max(q.at, this.#clock));
    }
    this.#clock = next;
    const ready: Readiness[] = [];
    for (const socket of fakes) {
      const due = socket.queue.filter((q) => q.at <= this.#clock);
      if (due.length === 0) continue;
      ready.push({
        socket,
        readable: due.some((q) => !q.errorQueue),
        error: due.some((q) => q.errorQueue),
        writable: false,
      });
    }
    return Promise.resolve(ready);
  }

  #buckets = new Map<HopBehaviour, { tokens: number; at: number }>();

  /** A token from the hop's bucket at time `at`, if it has one. */
  #takeToken(hop: HopBehaviour, at: number): boolean {
    const { burst = 6, initial = burst, interval = 1000 } = hop.rateLimit!;
    const bucket = this.#buckets.get(hop) ?? { tokens: initial, at: 0 };
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, at - bucket.at) / interval);
    bucket.at = Math.max(bucket.at, at);
    this.#buckets.set(hop, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #behaviour(ttl: number): { hop: HopBehaviour; isTarget: boolean } {
    const hops = this.scenario.hops;
    const index = Math.min(ttl, hops.length) - 1;
    return { hop: hops[index]!, isTarget: ttl >= hops.length };
  }

  /** Works out the answer to a probe, and queues it on the socket. */
  deliver(socket: FakeSocket, destination: Endpoint, data: Uint8Array, at: number): void {
    const ttl = socket.ttl;
    const place = this.sent.filter((s) => s.ttl === ttl).length;
    this.sent.push({
      at,
      ttl,
      destination: destination.address,
      port: destination.port,
      data,
      kind: socket.kind,
      protocol: socket.protocol,
    });
    if (destination.address !== this.scenario.target) return;
    const { hop, isTarget } = this.#behaviour(ttl);
    const responder = hop.addresses ? hop.addresses[place % hop.addresses.length] : hop.address;
    if (!responder || hop.drop?.includes(place) || hop.dropTtls?.includes(ttl)) return;
    if (hop.rateLimit && !this.#takeToken(hop, at + (hop.rtt ?? 1) / 2)) return;
    const arrives = at + (hop.rtt ?? 1) + (hop.delay?.[String(place)] ?? 0);
    const replyTtl = hop.replyTtl ?? 65 - Math.min(ttl, this.scenario.hops.length);
    const family = this.scenario.family;
    const icmpProtocol = family === 4 ? 1 : 58;
    const copies = hop.duplicate ? 2 : 1;

    let queued: Queued;
    const isEcho = socket.protocol === icmpProtocol;
    if (isTarget && !hop.icmp && isEcho) {
      queued = {
        at: arrives,
        errorQueue: false,
        datagram: this.#echoReply(socket, data, replyTtl, responder, arrives),
      };
    } else {
      let icmp = hop.icmp;
      if (!icmp) {
        if (isTarget) icmp = family === 4 ? { type: 3, code: 3 } : { type: 1, code: 4 };
        else icmp = family === 4 ? { type: 11, code: 0 } : { type: 3, code: 0 };
      }
      if (!socket.recvErr) return;
      const error: ExtendedError = {
        errno: icmp.type === 11 || icmp.type === 3 && family === 6
          ? "EHOSTUNREACH"
          : "ECONNREFUSED",
        description: "",
        origin: family === 4 ? "icmp" : "icmp6",
        type: icmp.type,
        code: icmp.code,
        info: icmp.info ?? 0,
        offender: responder,
      };
      queued = {
        at: arrives,
        errorQueue: true,
        datagram: {
          data,
          from: { address: destination.address, port: destination.port },
          receivedAt: arrives,
          ttl: replyTtl,
          error,
          truncated: false,
        },
      };
    }
    for (let i = 0; i < copies; i++) socket.queue.push({ ...queued });
    if (queued.errorQueue && queued.datagram.error) {
      socket.pending = { code: queued.datagram.error.errno, at: queued.at };
    }
  }

  #echoReply(
    socket: FakeSocket,
    request: Uint8Array,
    replyTtl: number,
    from: string,
    arrives: number,
  ): Datagram {
    const family = this.scenario.family;
    const reply = request.slice();
    let data: Uint8Array;
    if (family === 4) {
      const echo = decodeICMPv4(request)!;
      const ident = socket.kind === "dgram" ? socket.localEndpoint().port : echo.ident;
      writeICMPv4Echo(reply, ICMP4.echoReply, ident, echo.sequence);
      data = reply;
      if (socket.kind === "raw") {
        const ip = encodeIPv4({
          payloadLength: reply.length,
          ttl: replyTtl,
          protocol: 1,
          source: addressBytes(from),
          destination: addressBytes(this.scenario.source),
        });
        data = new Uint8Array(ip.length + reply.length);
        data.set(ip);
        data.set(reply, ip.length);
      }
    } else {
      const echo = decodeICMPv6(request)!;
      const ident = socket.kind === "dgram" ? socket.localEndpoint().port : echo.ident;
      writeICMPv6Echo(reply, ICMP6.echoReply, ident, echo.sequence, {
        source: addressBytes(from),
        destination: addressBytes(this.scenario.source),
      });
      data = reply;
    }
    return {
      data,
      from: { address: from, port: 0 },
      receivedAt: arrives,
      ttl: replyTtl,
      error: null,
      truncated: false,
    };
  }
}
