/**
 * A fake kernel for the engine and the methods: sockets whose probes are
 * answered from a scenario (who answers at each TTL, after how long, with
 * what), on a virtual clock. It keeps the kernel's contracts that hopwise
 * relies on: ICMP errors arrive on the error queue of the socket that sent
 * the probe with the original payload and destination; raw IPv4 sockets get
 * the IP header; ICMP datagram sockets use their port as the echo identifier.
 * As in Linux, every raw ICMP socket of the family gets a copy of an echo
 * reply, and (with IP_RECVERR) of an ICMP error about an echo request, when
 * it is unconnected or connected to the packet's peer (raw_v4_match); a ping
 * socket gets only the replies to its own identifier.
 *
 * Several traces may share one network (`routes` gives other targets their
 * paths). With `concurrent`, the virtual clock moves only once every trace
 * waiting on the network is waiting, to the earliest moment one of them
 * wakes, so one trace's wait never skips another's timers.
 *
 * @module
 */
import { addressBytes, type Family } from "../../src/packet/address.ts";
import { SystemError } from "../../src/core/errors.ts";
import { decodeICMPv4, ICMP4, writeICMPv4Echo } from "../../src/packet/icmpv4.ts";
import { decodeICMPv6, ICMP6, writeICMPv6Echo } from "../../src/packet/icmpv6.ts";
import { encodeIPv4 } from "../../src/packet/ipv4.ts";
import type {
  BytesOption,
  Datagram,
  Endpoint,
  ExtendedError,
  IntOption,
  QueuedSend,
  Readiness,
  Socket,
  SocketKind,
  Transport,
} from "../../src/core/transport.ts";

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
  /** Other targets and their paths, as `hops` is the path to `target`. */
  routes?: Record<string, HopBehaviour[]>;
}

/** How the fake network runs. */
export interface FakeTransportOptions {
  /**
   * Several probers share the network: a wait resolves only once every
   * pending wait has been made (after the current macrotask), and the clock
   * moves to the earliest moment any of them wakes (default false: each wait
   * moves the clock at once, as one prober alone needs).
   */
  concurrent?: boolean;
  /**
   * Sockets can `sendLater`, and each datagram so queued leaves this many ms
   * of the clock after it was queued (as from a sending thread that is
   * behind); off (no sendLater) by default.
   */
  sendLaterDelay?: number;
}

/** A prober's pending wait, in concurrent mode. */
interface Waiter {
  sockets: FakeSocket[];
  until: number;
  resolve: (ready: Readiness[]) => void;
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
  readonly #concurrent: boolean;
  /** See {@linkcode FakeTransportOptions.sendLaterDelay}; null: sockets cannot send later. */
  readonly sendLaterDelay: number | null;
  #waiters: Waiter[] = [];
  #tick: ReturnType<typeof setTimeout> | null = null;

  /** Makes a fake network for a scenario. */
  constructor(scenario: Scenario, options: FakeTransportOptions = {}) {
    this.scenario = scenario;
    this.interfaces = scenario.interfaces ?? ["lo", "eth0"];
    this.#concurrent = options.concurrent ?? false;
    this.sendLaterDelay = options.sendLaterDelay ?? null;
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
    const until = this.#clock + Math.max(0, Math.ceil(timeoutMs));
    if (this.#concurrent) {
      return new Promise((resolve) => {
        const onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i === -1) return;
          this.#waiters.splice(i, 1);
          resolve([]);
        };
        const waiter: Waiter = {
          sockets: fakes,
          until,
          resolve: (ready) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(ready);
          },
        };
        this.#waiters.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#scheduleTick();
      });
    }
    this.#clock = this.#wakeAt(fakes, until);
    return Promise.resolve(this.#ready(fakes));
  }

  /** When a wait on `sockets` until `until` ends: then, or when a message is due. */
  #wakeAt(sockets: readonly FakeSocket[], until: number): number {
    let next = until;
    for (const s of sockets) {
      if (s.closed) continue;
      for (const q of s.queue) next = Math.min(next, Math.max(q.at, this.#clock));
    }
    return next;
  }

  #scheduleTick(): void {
    this.#tick ??= setTimeout(() => {
      this.#tick = null;
      this.#advance();
    }, 0);
  }

  /** Concurrent mode: every prober is waiting; move the clock to the first to wake, wake it. */
  #advance(): void {
    if (this.#waiters.length === 0) return;
    const wakes = this.#waiters.map((w) => this.#wakeAt(w.sockets, w.until));
    this.#clock = Math.max(this.#clock, Math.min(...wakes));
    const due = this.#waiters.filter((_, i) => wakes[i]! <= this.#clock);
    this.#waiters = this.#waiters.filter((_, i) => wakes[i]! > this.#clock);
    for (const w of due) w.resolve(this.#ready(w.sockets));
    // The woken probers wait again before the next macrotask; the others wait on.
    if (this.#waiters.length > 0) this.#scheduleTick();
  }

  /** What is ready on `sockets` now. */
  #ready(sockets: readonly FakeSocket[]): Readiness[] {
    const ready: Readiness[] = [];
    for (const socket of sockets) {
      if (socket.closed) continue;
      const due = socket.queue.filter((q) => q.at <= this.#clock);
      if (due.length === 0) continue;
      ready.push({
        socket,
        readable: due.some((q) => !q.errorQueue),
        error: due.some((q) => q.errorQueue),
        writable: false,
      });
    }
    return ready;
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

  /** The path to `destination`, or null for an address the network does not know. */
  #route(destination: string): HopBehaviour[] | null {
    if (destination === this.scenario.target) return this.scenario.hops;
    const routes = this.scenario.routes;
    return routes && Object.hasOwn(routes, destination) ? routes[destination]! : null;
  }

  #behaviour(hops: HopBehaviour[], ttl: number): { hop: HopBehaviour; isTarget: boolean } {
    const index = Math.min(ttl, hops.length) - 1;
    return { hop: hops[index]!, isTarget: ttl >= hops.length };
  }

  /**
   * The raw ICMP sockets of `family` that get a copy of an ICMP packet whose
   * peer is `peer` (Linux's raw_v4_match: any, unless connected elsewhere).
   */
  #rawIcmpSockets(family: Family, peer: string): FakeSocket[] {
    const protocol = family === 4 ? 1 : 58;
    return this.opened.filter((s) =>
      !s.closed && s.kind === "raw" && s.family === family && s.protocol === protocol &&
      (s.remote === null || s.remote.address === peer)
    );
  }

  /** Works out the answer to a probe, and queues it on the socket. */
  deliver(
    socket: FakeSocket,
    destination: Endpoint,
    data: Uint8Array,
    at: number,
    ttl = socket.ttl,
  ): void {
    const place =
      this.sent.filter((s) => s.ttl === ttl && s.destination === destination.address).length;
    this.sent.push({
      at,
      ttl,
      destination: destination.address,
      port: destination.port,
      data,
      kind: socket.kind,
      protocol: socket.protocol,
    });
    const hops = this.#route(destination.address);
    if (!hops) return;
    const { hop, isTarget } = this.#behaviour(hops, ttl);
    const responder = hop.addresses ? hop.addresses[place % hop.addresses.length] : hop.address;
    if (!responder || hop.drop?.includes(place) || hop.dropTtls?.includes(ttl)) return;
    if (hop.rateLimit && !this.#takeToken(hop, at + (hop.rtt ?? 1) / 2)) return;
    const arrives = at + (hop.rtt ?? 1) + (hop.delay?.[String(place)] ?? 0);
    const replyTtl = hop.replyTtl ?? 65 - Math.min(ttl, hops.length);
    const family = this.scenario.family;
    const icmpProtocol = family === 4 ? 1 : 58;
    const copies = hop.duplicate ? 2 : 1;

    const isEcho = socket.protocol === icmpProtocol;
    if (isTarget && !hop.icmp && isEcho) {
      // The sender gets its reply; so does every other raw ICMP socket that
      // would take a packet from the responder.
      const reply = this.#echoReply(socket, data, responder);
      for (const receiver of new Set([socket, ...this.#rawIcmpSockets(family, responder)])) {
        const datagram: Datagram = {
          data: this.#asReceived(receiver, reply, replyTtl, responder),
          from: { address: responder, port: 0 },
          receivedAt: arrives,
          ttl: replyTtl,
          error: null,
          truncated: false,
        };
        for (let i = 0; i < copies; i++) {
          receiver.queue.push({ at: arrives, errorQueue: false, datagram });
        }
      }
      return;
    }
    let icmp = hop.icmp;
    if (!icmp) {
      if (isTarget) icmp = family === 4 ? { type: 3, code: 3 } : { type: 1, code: 4 };
      else icmp = family === 4 ? { type: 11, code: 0 } : { type: 3, code: 0 };
    }
    const error: ExtendedError = {
      errno: icmp.type === 11 || icmp.type === 3 && family === 6 ? "EHOSTUNREACH" : "ECONNREFUSED",
      description: "",
      origin: family === 4 ? "icmp" : "icmp6",
      type: icmp.type,
      code: icmp.code,
      info: icmp.info ?? 0,
      offender: responder,
    };
    const queued: Queued = {
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
    // The error goes to the sender's error queue (with IP_RECVERR); one about
    // an echo request also to every raw ICMP socket that would take packets
    // of the request's destination.
    const receivers = [
      socket,
      ...(isEcho ? this.#rawIcmpSockets(family, destination.address) : []),
    ];
    for (const receiver of new Set(receivers)) {
      if (!receiver.recvErr) continue;
      for (let i = 0; i < copies; i++) receiver.queue.push({ ...queued });
      receiver.pending = { code: error.errno, at: queued.at };
    }
  }

  /** The echo reply to `request` (sent on `socket`), without an IP header. */
  #echoReply(socket: FakeSocket, request: Uint8Array, from: string): Uint8Array {
    const reply = request.slice();
    if (this.scenario.family === 4) {
      const echo = decodeICMPv4(request)!;
      const ident = socket.kind === "dgram" ? socket.localEndpoint().port : echo.ident;
      writeICMPv4Echo(reply, ICMP4.echoReply, ident, echo.sequence);
    } else {
      const echo = decodeICMPv6(request)!;
      const ident = socket.kind === "dgram" ? socket.localEndpoint().port : echo.ident;
      writeICMPv6Echo(reply, ICMP6.echoReply, ident, echo.sequence, {
        source: addressBytes(from),
        destination: addressBytes(this.scenario.source),
      });
    }
    return reply;
  }

  /** An ICMP message as `receiver` reads it: raw IPv4 sockets get the IP header too. */
  #asReceived(receiver: FakeSocket, icmp: Uint8Array, ttl: number, from: string): Uint8Array {
    if (this.scenario.family !== 4 || receiver.kind !== "raw") return icmp;
    const ip = encodeIPv4({
      payloadLength: icmp.length,
      ttl,
      protocol: 1,
      source: addressBytes(from),
      destination: addressBytes(this.scenario.source),
    });
    const data = new Uint8Array(ip.length + icmp.length);
    data.set(ip);
    data.set(icmp, ip.length);
    return data;
  }
}
