/**
 * The scheduler: Linux traceroute 2.1.2's timing rules, exactly.
 *
 * - Probes go out in TTL order; at most `simultaneous` (-N) unanswered probes
 *   are outstanding; two sends are at least `sendWait` (-z) apart.
 * - Only the oldest unprinted probe is timed out. Its wait: HERE × (rtt + 1 ms)
 *   when a probe of its hop has answered, else NEAR × (rtt + 1 ms) when a later
 *   probe has, else MAX (each capped at MAX, and at least the wait's `min`,
 *   which is 0 in Linux's timing).
 * - The trace ends after the hop in which any probe got a final reply.
 * - The "smart algorithm": an expired probe followed by a final unreachable
 *   that seems to belong to its hop takes that reply.
 * - Probes are released to the caller strictly in order.
 *
 * @module
 */
import type { Family } from "../address.ts";
import { SystemError } from "../errors.ts";
import type { MethodSession, RawReply } from "../methods/method.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Transport } from "../transport.ts";
import type { StopReason } from "../types.ts";
import { findExtensions } from "../packet/icmp_extension.ts";
import type { ExtendedError } from "../transport.ts";
import { classifyIcmp, classifyLocal, ignoredIcmp, ttlToHops } from "./classify.ts";
import { Probe } from "./probe.ts";
import type { Statistics } from "./statistics.ts";

/** +1 ms added to a round trip before multiplying (Linux: DEF_WAIT_PREC). */
const WAIT_PRECISION = 1;

/** The settings the scheduler runs with: the options' timing fields and the family. */
export type SchedulerSettings =
  & Pick<
    ResolvedOptions,
    | "firstHop"
    | "maxHops"
    | "queries"
    | "simultaneous"
    | "wait"
    | "sendWait"
    | "mtuDiscovery"
    | "extensions"
  >
  & {
    /** IP version (for classifying ICMP). */
    family: Family;
    /** IP header (with options) plus the method's header, in bytes. */
    headerLength: number;
    /** The trace's counters. */
    statistics: Statistics;
  };

/** Callbacks from the scheduler. */
export interface SchedulerHooks {
  /** A probe is released, in print order. */
  release(probe: Probe): void;
  /** A reply was recorded (before it is released): a chance to start lookups. */
  answered?(probe: Probe): void;
}

/** ICMP errors that may carry RFC 4884 extensions (as Linux traceroute looks for them). */
function hasExtensions(family: Family, error: ExtendedError): boolean {
  if (error.origin === "icmp") return family === 4 && [3, 11, 12].includes(error.type);
  if (error.origin === "icmp6") return family === 6 && [1, 3].includes(error.type);
  return false;
}

/** Runs one trace's probes over a method session. */
export class Scheduler {
  #settings: SchedulerSettings;
  #session: MethodSession;
  #transport: Transport;
  #hooks: SchedulerHooks;
  #probes: Probe[];

  /** Prepares the probe table; nothing is sent until `run`. */
  constructor(
    settings: SchedulerSettings,
    session: MethodSession,
    transport: Transport,
    hooks: SchedulerHooks,
  ) {
    this.#settings = settings;
    this.#session = session;
    this.#transport = transport;
    this.#hooks = hooks;
    const total = settings.maxHops * settings.queries;
    this.#probes = Array.from({ length: total }, (_, i) => new Probe(i, settings.queries));
  }

  #probe(index: number): Probe {
    return this.#probes[index]!;
  }

  /** get_timeout: how long the probe may wait, in ms. */
  #timeout(probe: Probe): number {
    const { max, here, near, min } = this.#settings.wait;
    const q = this.#settings.queries;
    const wait = (rtt: number, factor: number) =>
      Math.min(max, Math.max(min, (rtt + WAIT_PRECISION) * factor));
    if (here) {
      const hopStart = probe.index - probe.place;
      for (let i = hopStart; i < hopStart + q; i++) {
        const p = this.#probe(i);
        const rtt = p.rtt;
        if (p.done && rtt !== null && rtt > 0) return wait(rtt, here);
      }
    }
    if (near) {
      for (let i = probe.index + 1; i < this.#probes.length; i++) {
        const p = this.#probe(i);
        if (p.sentAt === null && !p.vacated) break;
        const rtt = p.rtt;
        if (p.done && rtt !== null && rtt > 0) return wait(rtt, near);
      }
    }
    return max;
  }

  /** check_expired: the smart algorithm, for a probe that just expired. */
  #checkExpired(probe: Probe): void {
    const q = this.#settings.queries;
    const hopStart = probe.index - probe.place;
    let earlierFinal = false;
    for (let i = hopStart; i < probe.index; i++) {
      const p = this.#probe(i);
      if (!p.done || !p.final) return;
      earlierFinal = true;
    }
    let final: Probe | null = null;
    for (let i = probe.index + 1; i < this.#probes.length; i++) {
      const p = this.#probe(i);
      if (p.sentAt === null && !p.vacated) break;
      if (p.done) {
        if (!p.final) return;
        final = p;
        break;
      }
    }
    // Only unreachable reports seem to arrive for the latest probes alone.
    if (!final || !final.annotation) return;
    if (earlierFinal || probe.place + (final.index - probe.index) < q) {
      return this.#move(final, probe);
    }
    // A final report from an address already seen earlier belongs here.
    for (let i = probe.index - 1; i >= 0; i--) {
      if (this.#probe(i).address !== null && this.#probe(i).address === final.address) {
        return this.#move(final, probe);
      }
    }
    if (final.replyTtl !== null) {
      let backHops = ttlToHops(final.replyTtl);
      for (let i = probe.index - 1; i >= 0; i--) {
        const p = this.#probe(i);
        if (p.done && !p.final && p.replyTtl !== null) {
          const hops = ttlToHops(p.replyTtl);
          if (hops < backHops) {
            backHops = backHops - hops + p.ttl;
            break;
          }
        }
      }
      if (backHops <= probe.ttl) return this.#move(final, probe);
    }
  }

  #move(from: Probe, to: Probe): void {
    to.takeReplyOf(from);
    from.vacate();
  }

  /** Records a matched reply (Linux traceroute's recv_reply after check_reply). */
  #record(reply: RawReply): void {
    const probe = reply.probe;
    const { statistics } = this.#settings;
    if (probe.done) return statistics.ignore("duplicate");
    const { error } = reply;
    if (error) {
      if (
        (error.origin !== "icmp" && error.origin !== "icmp6" && error.origin !== "local") ||
        (error.origin === "icmp" && ignoredIcmp(this.#settings.family, error.type))
      ) return statistics.ignore("ignored-icmp");
    }
    statistics.matched++;
    probe.receivedAt = reply.receivedAt ?? this.#transport.now();
    probe.replyTtl = reply.replyTtl;
    if (!error) {
      probe.address = reply.from;
      probe.final = reply.final;
      probe.tcpFlags = reply.tcpFlags ?? null;
    } else if (error.origin === "local") {
      const meaning = classifyLocal(error.errno, error.info);
      if (!meaning) throw new SystemError("local recverr", error.errno, error.description);
      probe.annotation = meaning.annotation;
      probe.final = true;
    } else {
      probe.address = error.offender;
      probe.icmp = { type: error.type, code: error.code };
      const meaning = classifyIcmp(this.#settings.family, error.type, error.code, error.info);
      if (meaning) {
        // An empty annotation keeps what is there (F=<mtu> from --mtu).
        if (meaning.annotation) probe.annotation = meaning.annotation;
        probe.final = true;
      }
    }
    const { headerLength } = this.#settings;
    if (
      error && this.#settings.mtuDiscovery && error.info >= headerLength &&
      error.info < headerLength + this.#session.dataLength
    ) {
      // A smaller MTU on the path: shrink the probes and send this one again.
      this.#session.resize?.(error.info - headerLength);
      this.#session.release(probe);
      probe.resend(`F=${error.info}`);
      return;
    }
    if (
      error && this.#settings.extensions && reply.payload &&
      hasExtensions(this.#settings.family, error)
    ) {
      probe.extensions = findExtensions(
        reply.payload,
        headerLength,
        this.#session.dataLength,
        this.#settings.family === 4 ? 4 : 8,
      );
    }
    this.#done(probe);
    this.#hooks.answered?.(probe);
  }

  #done(probe: Probe): void {
    this.#session.release(probe);
    probe.done = true;
  }

  /**
   * Sends, waits, matches and releases until the trace ends or `signal`
   * aborts.
   *
   * @throws {SystemError} when a send or a socket fails in a way that ends the run
   */
  async run(signal?: AbortSignal): Promise<StopReason> {
    const { firstHop, queries, simultaneous, sendWait } = this.#settings;
    let start = (firstHop - 1) * queries;
    let end = this.#probes.length;
    let lastSend = -Infinity;
    while (start < end) {
      if (signal?.aborted) return "aborted";
      let nextTime: number | null = null;
      let inFlight = 0;
      const now = this.#transport.now();
      for (let n = start; n < end; n++) {
        const probe = this.#probe(n);
        if (n === start && !probe.done && (probe.sentAt !== null || probe.vacated)) {
          const expireAt = probe.vacated ? -Infinity : probe.sentAt! + this.#timeout(probe);
          if (expireAt > now) nextTime = expireAt;
          else {
            this.#done(probe);
            this.#checkExpired(probe);
          }
        }
        if (probe.done) {
          if (n === start) {
            this.#hooks.release(probe);
            start++;
          }
          if (probe.final) end = (probe.ttl) * queries;
          continue;
        }
        if (probe.sentAt === null && !probe.vacated) {
          if (sendWait > 0 && lastSend + sendWait > now) {
            nextTime = lastSend + sendWait;
            break;
          }
          if (!this.#session.send(probe)) {
            if (nextTime !== null) break;
            throw new SystemError("send probe", "ENOBUFS", "No buffer space available");
          }
          lastSend = probe.sentAt!;
          this.#settings.statistics.sent++;
        }
        if (nextTime === null && !probe.vacated) nextTime = probe.sentAt! + this.#timeout(probe);
        if (++inFlight >= simultaneous) break;
      }
      if (nextTime !== null) {
        const timeout = Math.max(0, nextTime - this.#transport.now());
        const ready = await this.#transport.wait(this.#session.sockets(), timeout, signal);
        for (const r of ready) {
          for (const reply of this.#session.receive(r)) this.#record(reply);
        }
      }
    }
    const last = this.#probes.slice(Math.max(0, end - queries), end);
    if (end < this.#probes.length || last.some((p) => p.final)) {
      return last.some((p) => p.final && p.annotation === "") ? "reached" : "unreachable";
    }
    return "max-hops";
  }
}
