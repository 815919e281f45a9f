/**
 * The prober: one engine under every mode. It holds the method sessions of a
 * run as channels, waits on all their sockets at once (one poll), hands what
 * they read back to the channels, paces sends under an optional global rate
 * cap, and steps the plans (a trace, a multipath run, one trace per method
 * of a comparison...) when they are due or when an answer of theirs came.
 *
 * A mode is a plan over the prober: it decides what to send and when a
 * probe's wait is over; the prober decides nothing about probes.
 *
 * @module
 */
import type { MethodSession } from "../core/method.ts";
import type { Socket, Transport } from "../core/transport.ts";
import { Channel, type ChannelSettings } from "./channel.ts";
import type { Statistics } from "../core/statistics.ts";
import { WakeQueue } from "./wake_queue.ts";

/** Probes sent, at most, before the prober reads what came back (a reply per probe can come). */
const READ_EVERY = 256;

/**
 * Probes a plan sends in one step, at most, before it looks at what has come
 * back (it asks to be stepped again at once): a near destination answers
 * while the first burst is still going out, and the probes past it are then
 * never sent.
 */
export const SEND_BURST = 16;

/** What a mode runs on the prober. */
export interface Plan {
  /**
   * Does what is due at `now` (expires, sends, releases) and returns when it
   * wants to be stepped again (a time on the transport's clock; it is also
   * stepped as soon as one of its probes is answered), or `"done"`.
   *
   * @throws {SystemError} when a send fails in a way that ends the plan
   */
  step(now: number): number | "done";
}

/** Settings of a prober. */
export interface ProberOptions {
  /** The most probes sent per second by all plans together (none by default). */
  rate?: number;
  /** Probes that may go at once under the rate cap (1 by default). */
  burst?: number;
}

/** How a plan ended, told to whoever added it. */
export type PlanSettled = (error: unknown) => void;

/** Runs plans over channels. */
export class Prober {
  readonly #transport: Transport;
  readonly #channels = new Set<Channel>();
  readonly #plans = new Map<Plan, PlanSettled>();
  readonly #queue = new WakeQueue<Plan>();
  readonly #poked = new Set<Plan>();
  readonly #interval: number;
  readonly #tolerance: number;
  /** The rate cap's theoretical time of the next send (GCRA). */
  #nextSend = -Infinity;
  /** Sends since the sockets were last read. */
  #sentSinceRead = 0;
  /** The plan being stepped (its sends are noted against it). */
  #stepping: Plan | null = null;
  /** When each plan last sent, in sends counted (for turns under the rate cap). */
  readonly #lastSent = new Map<Plan, number>();
  #sends = 0;

  /** Makes a prober over `transport`. */
  constructor(transport: Transport, options: ProberOptions = {}) {
    this.#transport = transport;
    const rate = options.rate ?? 0;
    this.#interval = rate > 0 ? 1000 / rate : 0;
    this.#tolerance = Math.max(0, (options.burst ?? 1) - 1) * this.#interval;
  }

  /** The transport's clock. */
  now(): number {
    return this.#transport.now();
  }

  /** Puts a method session on the prober. */
  open(session: MethodSession, settings: ChannelSettings, statistics?: Statistics): Channel {
    const channel = new Channel(session, settings, {
      now: () => this.now(),
      rateSendableAt: (now) => this.#rateSendableAt(now),
      noteSend: (at) => this.#noteSend(at),
    }, statistics);
    this.#channels.add(channel);
    return channel;
  }

  /** Takes a channel off the prober (its sockets are no longer waited on). */
  remove(channel: Channel): void {
    this.#channels.delete(channel);
  }

  #rateSendableAt(now: number): number {
    if (this.#interval === 0) return -Infinity;
    return Math.max(now, this.#nextSend - this.#tolerance);
  }

  #noteSend(at: number): void {
    this.#sentSinceRead++;
    if (this.#interval === 0) return;
    if (this.#stepping) this.#lastSent.set(this.#stepping, ++this.#sends);
    this.#nextSend = Math.max(this.#nextSend, at) + this.#interval;
  }

  /**
   * Adds a plan; `settled` is called once it is done (with null) or has
   * failed (with the error). Returns the function that pokes it: the plan is
   * stepped at the next turn (its owner calls it when a probe is answered).
   */
  add(plan: Plan, settled: PlanSettled): () => void {
    this.#plans.set(plan, settled);
    this.#poked.add(plan);
    return () => {
      if (this.#plans.has(plan)) this.#poked.add(plan);
    };
  }

  /** Plans not yet done. */
  get active(): number {
    return this.#plans.size;
  }

  #settle(plan: Plan, error: unknown): void {
    const settled = this.#plans.get(plan);
    this.#plans.delete(plan);
    this.#queue.remove(plan);
    this.#poked.delete(plan);
    this.#lastSent.delete(plan);
    settled?.(error);
  }

  /**
   * Steps the plans and waits for their replies until every plan is done
   * (plans may be added meanwhile, also from a `settled` callback), or
   * `signal` aborts.
   *
   * @throws {SystemError} when waiting or reading fails
   */
  async run(signal?: AbortSignal): Promise<"done" | "aborted"> {
    while (this.#plans.size > 0) {
      if (signal?.aborted) return "aborted";
      const now = this.now();
      const due = new Set(this.#poked);
      this.#poked.clear();
      for (const plan of this.#queue.takeDue(now)) due.add(plan);
      for (const plan of this.#inTurn(due)) {
        if (!this.#plans.has(plan)) continue;
        // Many plans sending at once: read between them, before the replies overflow a socket.
        if (this.#sentSinceRead >= READ_EVERY) await this.#wait(-Infinity, signal);
        let next: number | "done";
        this.#stepping = plan;
        try {
          next = plan.step(now);
        } catch (e) {
          this.#settle(plan, e);
          continue;
        } finally {
          this.#stepping = null;
        }
        if (next === "done") this.#settle(plan, null);
        else this.#queue.schedule(plan, next);
      }
      if (this.#plans.size === 0) break;
      if (this.#poked.size > 0) continue;
      await this.#wait(this.#queue.next(), signal);
    }
    return "done";
  }

  /**
   * The order to step due plans in. Under a rate cap the plan stepped first
   * takes the sends allowed: the one that sent longest ago (or never) goes
   * first, so plans take turns instead of the first starving the others.
   */
  #inTurn(due: Set<Plan>): Iterable<Plan> {
    if (this.#interval === 0 || due.size < 2) return due;
    const last = (plan: Plan) => this.#lastSent.get(plan) ?? 0;
    return [...due].sort((a, b) => last(a) - last(b));
  }

  /** One poll over every channel's sockets, until `until` at most; reads what is ready. */
  async #wait(until: number, signal?: AbortSignal): Promise<void> {
    const sockets: Socket[] = [];
    const owners = new Map<Socket, Channel>();
    for (const channel of this.#channels) {
      for (const socket of channel.session.sockets()) {
        sockets.push(socket);
        owners.set(socket, channel);
      }
    }
    const timeout = Math.max(0, until - this.now());
    this.#sentSinceRead = 0;
    const ready = await this.#transport.wait(sockets, timeout, signal);
    for (const r of ready) owners.get(r.socket)?.receive(r);
  }
}
