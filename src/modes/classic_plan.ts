/**
 * Linux traceroute 2.1.2's timing, exactly (its do_it loop), as a plan:
 *
 * - probes go out in TTL order; at most `simultaneous` (-N) unanswered
 *   probes are outstanding; two sends are at least `sendWait` (-z) apart;
 * - only the oldest unprinted probe is timed out, with the wait rule;
 * - the trace ends after the hop in which any probe got a final reply;
 * - probes are released strictly in order.
 *
 * @module
 */
import { SystemError } from "../core/errors.ts";
import type { Plan } from "../engine/prober.ts";
import type { StopReason } from "../core/model.ts";
import type { TraceSlots } from "./trace_slots.ts";

/** A trace in Linux traceroute's timing. */
export class ClassicPlan implements Plan {
  readonly #slots: TraceSlots;
  #start: number;
  #end: number;
  /** Why the trace ended, once it has. */
  reason: StopReason | null = null;

  /** Plans a trace over `slots`. */
  constructor(slots: TraceSlots) {
    this.#slots = slots;
    this.#start = slots.first;
    this.#end = slots.size;
  }

  step(now: number): number | "done" {
    const slots = this.#slots;
    const { queries, simultaneous } = slots.settings;
    const channel = slots.channel;
    while (this.#start < this.#end) {
      let nextTime: number | null = null;
      let inFlight = 0;
      for (let n = this.#start; n < this.#end; n++) {
        const probe = slots.at(n);
        if (n === this.#start && (probe.status === "in-flight" || probe.status === "dropped")) {
          const expireAt = slots.expireAt(probe);
          if (expireAt > now) nextTime = expireAt;
          else slots.expire(probe);
        }
        if (probe.settled) {
          if (n === this.#start) {
            slots.listener.release(probe);
            this.#start++;
          }
          if (probe.final) this.#end = probe.ttl * queries;
          continue;
        }
        if (probe.status === "unsent") {
          const sendable = channel.sendableAt(now);
          if (sendable > now) {
            nextTime = sendable;
            break;
          }
          if (!channel.send(probe)) {
            if (nextTime !== null) break;
            throw new SystemError("send probe", "ENOBUFS", "No buffer space available");
          }
        }
        if (nextTime === null && probe.status === "in-flight") {
          nextTime = slots.expireAt(probe);
        }
        if (++inFlight >= simultaneous) break;
      }
      if (nextTime !== null) return nextTime;
      now = channel.now();
    }
    slots.dropPast(this.#end);
    this.reason = slots.reason(this.#end);
    return "done";
  }
}
