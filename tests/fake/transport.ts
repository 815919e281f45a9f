/**
 * The fake kernel, for the engine, the methods, the modes and the command
 * line: sockets (./socket.ts) on a virtual clock, answered from a scenario
 * (./scenario.ts: who answers at each TTL, after how long, with what), or
 * fed by the test itself ({@linkcode FakeTransport.inject}, as the scripted
 * sessions of tests/helpers/scripted_session.ts do). A wait moves the clock
 * to its timeout or to the first message due, whichever comes first.
 *
 * Several traces may share one network (`routes` gives other targets their
 * paths). With `concurrent`, the virtual clock moves only once every trace
 * waiting on the network is waiting, to the earliest moment one of them
 * wakes, so one trace's wait never skips another's timers.
 *
 * @module
 */
import type { Family } from "../../src/packet/address.ts";
import type {
  Datagram,
  Endpoint,
  Readiness,
  Socket,
  SocketKind,
  Transport,
} from "../../src/core/transport.ts";
import { fail, FakeSocket, type SocketHost } from "./socket.ts";
import { type Scenario, ScenarioReplies } from "./scenario.ts";

export type { HopBehaviour, Scenario } from "./scenario.ts";
export { FakeSocket } from "./socket.ts";

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
  /** Waits allowed before the kernel says the prober spins, and throws (no limit by default). */
  maxWaits?: number;
}

/** A prober's pending wait, in concurrent mode. */
interface Waiter {
  sockets: FakeSocket[];
  until: number;
  resolve: (ready: Readiness[]) => void;
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

/** The fake kernel and network. */
export class FakeTransport implements Transport, SocketHost {
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
  readonly #maxWaits: number;
  #waits = 0;
  #waiters: Waiter[] = [];
  #tick: ReturnType<typeof setTimeout> | null = null;
  readonly #replies: ScenarioReplies;

  /** Makes a fake network for a scenario. */
  constructor(scenario: Scenario, options: FakeTransportOptions = {}) {
    this.scenario = scenario;
    this.interfaces = scenario.interfaces ?? ["lo", "eth0"];
    this.#concurrent = options.concurrent ?? false;
    this.sendLaterDelay = options.sendLaterDelay ?? null;
    this.#maxWaits = options.maxWaits ?? Infinity;
    this.#replies = new ScenarioReplies(scenario);
  }

  /** The source's own address. */
  get source(): string {
    return this.scenario.source;
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
   * Puts a message on a socket's queue as if it arrived at `at` (now by
   * default): fuzzing and hostile-input tests, and scripted sessions.
   */
  inject(socket: Socket, datagram: Datagram, errorQueue: boolean, at = this.#clock): void {
    if (!(socket instanceof FakeSocket)) throw new TypeError("not a fake socket");
    socket.queue.push({ at, errorQueue, datagram });
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
    if (++this.#waits > this.#maxWaits) throw new Error("the prober spins");
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
    const wakes = this.#wakeAt(fakes, until);
    if (!Number.isFinite(wakes)) throw new Error("the prober waits forever");
    this.#clock = wakes;
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

  /** Records a probe sent on `socket`, and queues the scenario's answers to it. */
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
    this.#replies.answer({ socket, destination, data, at, ttl, place }, this.opened);
  }
}
