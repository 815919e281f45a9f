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

/**
 * Adaptive timing's second pass: unanswered hops are probed again this long
 * after the latest answer (and the first send), when a router that
 * rate-limits its ICMP errors (by default Linux allows one per second per
 * destination, in bursts of six) has had time for another answer.
 */
export const REPROBE_AFTER = 1000;

/**
 * Adaptive timing's wait for a probe with no answer of its hop or a later one
 * to go by, once some round trip is known: this, or three times the longest
 * round trip seen (Linux traceroute waits MAX, 5 s).
 */
const REPROBE_WAIT = 1000;

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
    | "timing"
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
    if (this.#settings.timing === "adaptive") {
      // No answer of its hop or a later one to go by. With none at all, MAX;
      // else three times the longest round trip seen, at least a second: a
      // reply from further on would come about that soon.
      const largest = this.#largestRtt();
      if (largest > 0 || probe.reprobed) return Math.min(max, Math.max(REPROBE_WAIT, 3 * largest));
    }
    return max;
  }

  /** The largest round trip seen so far (0 when none). */
  #largestRtt(): number {
    let largest = 0;
    for (const p of this.#probes) if (p.done && p.rtt !== null) largest = Math.max(largest, p.rtt);
    return largest;
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
    if (ignoredReply(reply, this.#settings.family)) return statistics.ignore("ignored-icmp");
    statistics.matched++;
    applyReply(probe, reply, this.#settings.family, this.#transport.now());
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
  run(signal?: AbortSignal): Promise<StopReason> {
    return this.#settings.timing === "adaptive"
      ? this.#runAdaptive(signal)
      : this.#runClassic(signal);
  }

  /** Linux traceroute's do_it loop. */
  async #runClassic(signal?: AbortSignal): Promise<StopReason> {
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
    return this.#reason(end);
  }

  #reason(end: number): StopReason {
    const queries = this.#settings.queries;
    const last = this.#probes.slice(Math.max(0, end - queries), end);
    if (end < this.#probes.length || last.some((p) => p.final)) {
      return last.some((p) => p.final && p.annotation === "") ? "reached" : "unreachable";
    }
    return "max-hops";
  }

  /** The end of the probe table: after the first hop with a final reply. */
  #end(from: number): number {
    const q = this.#settings.queries;
    for (let n = from; n < this.#probes.length; n++) {
      const p = this.#probe(n);
      if (p.done && p.final) return p.ttl * q;
    }
    return this.#probes.length;
  }

  /** Whether no probe of the hop of `probe` has an answer (so far). */
  #hopSilent(probe: Probe): boolean {
    const hopStart = probe.index - probe.place;
    for (let i = hopStart; i < hopStart + this.#settings.queries; i++) {
      if (answered(this.#probe(i))) return false;
    }
    return true;
  }

  /**
   * Adaptive timing (see ADAPTIVE in options.ts): Linux traceroute's wait
   * rules, but every probe in flight at once, each probe timed out on its
   * own, and a second pass for what rate limiting may have swallowed:
   * unanswered hops are held back from printing until the first pass is
   * over, then probed once more when the evidence suggests rate limiting
   * (see #reprobeChoice), a second after the first send. A re-probe that
   * finds the destination nearer ends the trace there: nothing past it is
   * printed.
   */
  async #runAdaptive(signal?: AbortSignal): Promise<StopReason> {
    const { firstHop, queries, simultaneous, sendWait, statistics } = this.#settings;
    const first = (firstHop - 1) * queries;
    let start = first;
    let next = first;
    let lastSend = -Infinity;
    let firstSend: number | null = null;
    let pass: "first" | "waiting" | "second" | "over" = "first";
    let reprobes: Probe[] = [];
    let reprobeAt = 0;
    const send = (probe: Probe): boolean => {
      if (!this.#session.send(probe)) return false;
      lastSend = probe.sentAt!;
      firstSend ??= lastSend;
      statistics.sent++;
      return true;
    };
    while (true) {
      if (signal?.aborted) return "aborted";
      const now = this.#transport.now();
      let nextTime = Infinity;
      let end = this.#end(first);
      // Expire every probe whose wait is over, in order (the smart
      // algorithm looks at the probes after each).
      for (let n = start; n < end; n++) {
        const probe = this.#probe(n);
        if (probe.done || (probe.sentAt === null && !probe.vacated)) continue;
        const expireAt = probe.vacated ? -Infinity : probe.sentAt! + this.#timeout(probe);
        if (expireAt > now) nextTime = Math.min(nextTime, expireAt);
        else {
          this.#done(probe);
          this.#checkExpired(probe);
          end = this.#end(first);
        }
      }
      // Send what the window allows, in TTL order.
      let inFlight = 0;
      for (let n = start; n < end; n++) {
        const p = this.#probe(n);
        if (p.sentAt !== null && !p.done) inFlight++;
      }
      while (pass === "first" && next < end && inFlight < simultaneous) {
        if (sendWait > 0 && lastSend + sendWait > now) {
          nextTime = Math.min(nextTime, lastSend + sendWait);
          break;
        }
        const probe = this.#probe(next);
        if (!send(probe)) {
          if (inFlight > 0) break;
          throw new SystemError("send probe", "ENOBUFS", "No buffer space available");
        }
        nextTime = Math.min(nextTime, probe.sentAt! + this.#timeout(probe));
        next++;
        inFlight++;
      }
      // Release in order; an unanswered hop waits for the second pass.
      while (start < end) {
        const probe = this.#probe(start);
        if (!probe.done) break;
        if ((pass === "first" || pass === "waiting") && this.#hopSilent(probe)) break;
        this.#hooks.release(probe);
        start++;
      }
      if (start >= end && (pass === "over" || next >= end)) return this.#reason(end);
      // The first pass is over when every probe up to the end is sent and done.
      const busy = next < end || inFlight > 0;
      if (!busy && pass === "first") {
        const choice = this.#reprobeChoice(first, end);
        reprobes = choice.probes;
        if (reprobes.length === 0) pass = "over";
        else {
          pass = "waiting";
          reprobeAt = Math.max((firstSend ?? now) + REPROBE_AFTER, choice.notBefore);
        }
        continue;
      }
      if (pass === "waiting") {
        if (now >= reprobeAt) {
          pass = "second";
          for (const probe of reprobes) {
            probe.reprobe();
            if (!send(probe)) probe.done = true; // no buffer: it stays unanswered
          }
          continue;
        }
        nextTime = Math.min(nextTime, reprobeAt);
      }
      if (!busy && pass === "second") {
        pass = "over";
        continue;
      }
      if (nextTime === Infinity) {
        if (pass === "over") continue;
        nextTime = now;
      }
      const timeout = Math.max(0, nextTime - this.#transport.now());
      const ready = await this.#transport.wait(this.#session.sockets(), timeout, signal);
      for (const r of ready) {
        for (const reply of this.#session.receive(r)) this.#record(reply);
      }
    }
  }

  /**
   * Which unanswered hops (up to `end`) the second pass probes again, one
   * probe each (the hop's last slot). Rate limiting leaves evidence:
   * - some hop answered only in part: re-probe every unanswered hop;
   * - the destination answered, after unanswered hops, with a reply whose
   *   TTL says it came from fewer hops away than its place in the trace: it
   *   may have been silent (rate-limited) where it really is: re-probe those
   *   hops;
   * - the trace ended at the last TTL with nothing answering after some hop:
   *   a destination that has spent its ICMP allowance looks like that:
   *   re-probe the silent tail.
   * A hop silent for other reasons (a router that never sends ICMP) with no
   * such evidence is not probed again: it costs no more time.
   */
  #reprobeChoice(first: number, end: number): { probes: Probe[]; notBefore: number } {
    const q = this.#settings.queries;
    let notBefore = 0;
    const silent: number[] = [];
    let partial = false;
    for (let hop = first; hop < end; hop += q) {
      let count = 0;
      for (let i = hop; i < hop + q; i++) if (answered(this.#probe(i))) count++;
      if (count === 0) silent.push(hop);
      else if (count < q) partial = true;
    }
    if (silent.length === 0) return { probes: [], notBefore };
    let chosen: number[] = [];
    const reached = end < this.#probes.length || this.#probe(end - 1).final ||
      this.#probe(end - q).final;
    if (partial) chosen = silent;
    else if (reached) {
      // The unanswered hops right before the destination's.
      const finalHop = end - q;
      let gapStart = finalHop;
      while (silent.includes(gapStart - q)) gapStart -= q;
      const final = this.#probes.slice(finalHop, end).find((p) => p.final && p.replyTtl !== null);
      if (gapStart < finalHop && final) {
        const hopsBack = ttlToHops(final.replyTtl!);
        // A reply from the destination at TTL t crossed t - 1 routers back
        // on a symmetric path; fewer means it is nearer than it answered.
        if (hopsBack < final.ttl - 1) chosen = silent.filter((h) => h >= gapStart);
      }
    } else {
      let tailStart = end;
      while (silent.includes(tailStart - q)) tailStart -= q;
      if (tailStart < end) chosen = silent.filter((h) => h >= tailStart);
    }
    // A responder that answered may have spent its last allowance doing so:
    // give it the time for one more answer after the latest answer seen.
    for (const p of this.#probes) {
      if (answered(p) && p.receivedAt !== null) {
        notBefore = Math.max(notBefore, p.receivedAt + REPROBE_AFTER);
      }
    }
    return { probes: chosen.map((hop) => this.#probe(hop + q - 1)), notBefore };
  }
}

/** Whether a probe got an answer of any kind. */
function answered(probe: Probe): boolean {
  return probe.done && (probe.address !== null || probe.annotation !== "" || probe.final);
}

/** Whether a matched reply is one Linux traceroute ignores (an ICMP message that means nothing here). */
export function ignoredReply(reply: RawReply, family: Family): boolean {
  const { error } = reply;
  if (!error) return false;
  return (error.origin !== "icmp" && error.origin !== "icmp6" && error.origin !== "local") ||
    (error.origin === "icmp" && ignoredIcmp(family, error.type));
}

/**
 * Writes a matched reply into its probe: responder, reply TTL, receive time
 * (or `now`), final or not, ICMP type and annotation, TCP flags.
 *
 * @throws {SystemError} for a local error no probe result can stand for
 */
export function applyReply(probe: Probe, reply: RawReply, family: Family, now: number): void {
  const { error } = reply;
  probe.receivedAt = reply.receivedAt ?? now;
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
    const meaning = classifyIcmp(family, error.type, error.code, error.info);
    if (meaning) {
      // An empty annotation keeps what is there (F=<mtu> from --mtu).
      if (meaning.annotation) probe.annotation = meaning.annotation;
      probe.final = true;
    }
  }
}
