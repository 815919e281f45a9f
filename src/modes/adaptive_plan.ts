/**
 * hopwise's adaptive timing (see ADAPTIVE in options.ts), as a plan: Linux
 * traceroute's wait rules, but every probe in flight at once, each probe
 * timed out on its own, and a second pass for what rate limiting may have
 * swallowed: unanswered hops are held back from printing until the first
 * pass is over, then probed once more when the evidence suggests rate
 * limiting (see `reprobeChoice`), a second after the first send. A re-probe
 * that finds the destination nearer ends the trace there: nothing past it is
 * printed.
 *
 * @module
 */
import { SystemError } from "../core/errors.ts";
import type { Probe } from "../core/probe.ts";
import { type Plan, SEND_BURST } from "../engine/prober.ts";
import { ttlToHops } from "../core/reply_ttl.ts";
import type { StopReason } from "../core/model.ts";
import type { TraceSlots } from "./trace_slots.ts";

/**
 * Adaptive timing's second pass: unanswered hops are probed again this long
 * after the latest answer (and the first send), when a router that
 * rate-limits its ICMP errors (by default Linux allows one per second per
 * destination, in bursts of six) has had time for another answer.
 */
export const REPROBE_AFTER = 1000;

/** A trace in adaptive timing. */
export class AdaptivePlan implements Plan {
  readonly #slots: TraceSlots;
  #start: number;
  #next: number;
  #firstSend: number | null = null;
  #pass: "first" | "waiting" | "second" | "over" = "first";
  #reprobes: Probe[] = [];
  #reprobeAt = 0;
  /** Hops from the first whose fate is known: an answer other than a final one, or all expired. */
  #known = 0;
  /** Why the trace ended, once it has. */
  reason: StopReason | null = null;

  /** Plans a trace over `slots`. */
  constructor(slots: TraceSlots) {
    this.#slots = slots;
    this.#start = slots.first;
    this.#next = slots.first;
  }

  #send(probe: Probe): boolean {
    if (!this.#slots.channel.send(probe)) return false;
    this.#firstSend ??= probe.sentAt;
    return true;
  }

  step(now: number): number | "done" {
    const slots = this.#slots;
    const { simultaneous } = slots.settings;
    const first = slots.first;
    for (;; now = slots.channel.now()) {
      let nextTime = Infinity;
      let end = slots.end(first);
      // Expire every probe whose wait is over, in order (the smart
      // algorithm looks at the probes after each). Only slots before
      // #next have been sent (a second pass sends earlier slots again): the
      // slots past it are not looked at, so not made.
      for (let n = this.#start; n < end && n < this.#next; n++) {
        const probe = slots.at(n);
        if (probe.status !== "in-flight" && probe.status !== "dropped") continue;
        const expireAt = slots.expireAt(probe);
        if (expireAt > now) nextTime = Math.min(nextTime, expireAt);
        else {
          slots.expire(probe);
          end = slots.end(first);
        }
      }
      // Send what the window allows, in TTL order.
      let inFlight = 0;
      for (let n = this.#start; n < end && n < this.#next; n++) {
        const status = slots.at(n).status;
        if (status === "in-flight" || status === "dropped") inFlight++;
      }
      const lookahead = slots.settings.lookahead;
      if (lookahead !== undefined) this.#advanceKnown(end);
      let burst = 0;
      while (this.#pass === "first" && this.#next < end && inFlight < simultaneous) {
        if (
          lookahead !== undefined &&
          slots.at(this.#next).ttl > slots.settings.firstHop - 1 + this.#known + lookahead
        ) {
          break; // An answer (or an expiry) moves the window on.
        }
        if (burst++ === SEND_BURST) {
          nextTime = now;
          break;
        }
        const sendable = slots.channel.sendableAt(now);
        if (sendable > now) {
          nextTime = Math.min(nextTime, sendable);
          break;
        }
        const probe = slots.at(this.#next);
        if (!this.#send(probe)) {
          if (inFlight > 0) break;
          throw new SystemError("send probe", "ENOBUFS", "No buffer space available");
        }
        nextTime = Math.min(nextTime, slots.expireAt(probe));
        this.#next++;
        inFlight++;
      }
      // Release in order; an unanswered hop waits for the second pass.
      while (this.#start < end) {
        const probe = slots.at(this.#start);
        if (!probe.settled) break;
        if ((this.#pass === "first" || this.#pass === "waiting") && slots.hopSilent(probe)) break;
        slots.listener.release(probe);
        this.#start++;
      }
      if (this.#start >= end && (this.#pass === "over" || this.#next >= end)) {
        slots.dropPast(end);
        this.reason = slots.reason(end);
        return "done";
      }
      // The first pass is over when every probe up to the end is sent and done.
      const busy = this.#next < end || inFlight > 0;
      if (!busy && this.#pass === "first") {
        const choice = this.#reprobeChoice(first, end);
        this.#reprobes = choice.probes;
        if (this.#reprobes.length === 0) this.#pass = "over";
        else {
          this.#pass = "waiting";
          this.#reprobeAt = Math.max((this.#firstSend ?? now) + REPROBE_AFTER, choice.notBefore);
        }
        continue;
      }
      if (this.#pass === "waiting") {
        if (now >= this.#reprobeAt) {
          this.#pass = "second";
          for (const probe of this.#reprobes) {
            probe.reprobe();
            if (!this.#send(probe)) {
              // No buffer: it stays unanswered.
              probe.drop();
              probe.expire();
            }
          }
          continue;
        }
        nextTime = Math.min(nextTime, this.#reprobeAt);
      }
      if (!busy && this.#pass === "second") {
        this.#pass = "over";
        continue;
      }
      if (nextTime === Infinity) {
        if (this.#pass === "over") continue;
        nextTime = now;
      }
      return nextTime;
    }
  }

  /** Counts on the hops whose fate is known, from the first probed up to `end`. */
  #advanceKnown(end: number): void {
    const slots = this.#slots;
    const q = slots.settings.queries;
    for (;;) {
      const hop = slots.first + this.#known * q;
      if (hop >= end) return;
      let settled = 0;
      let answered = false;
      for (let i = hop; i < hop + q; i++) {
        const p = slots.at(i);
        if (p.settled) settled++;
        if (p.status === "answered") answered = true;
      }
      if (!answered && settled < q) return;
      this.#known++;
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
    const slots = this.#slots;
    const q = slots.settings.queries;
    let notBefore = 0;
    const silent: number[] = [];
    let partial = false;
    for (let hop = first; hop < end; hop += q) {
      let count = 0;
      for (let i = hop; i < hop + q; i++) if (slots.at(i).answered) count++;
      if (count === 0) silent.push(hop);
      else if (count < q) partial = true;
    }
    if (silent.length === 0) return { probes: [], notBefore };
    let chosen: number[] = [];
    const reached = end < slots.size || slots.at(end - 1).final || slots.at(end - q).final;
    if (partial) chosen = silent;
    else if (reached) {
      // The unanswered hops right before the destination's.
      const finalHop = end - q;
      let gapStart = finalHop;
      while (silent.includes(gapStart - q)) gapStart -= q;
      let final: Probe | undefined;
      for (let i = finalHop; i < end && !final; i++) {
        const p = slots.at(i);
        if (p.final && p.replyTtl !== null) final = p;
      }
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
    for (let i = 0; i < slots.size; i++) {
      const p = slots.table.peek(i);
      if (p?.answered && p.receivedAt !== null) {
        notBefore = Math.max(notBefore, p.receivedAt + REPROBE_AFTER);
      }
    }
    return { probes: chosen.map((hop) => slots.at(hop + q - 1)), notBefore };
  }
}
