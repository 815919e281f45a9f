/**
 * One round of a multipath run, as a plan: every (TTL, flow) probe asked
 * for, in TTL then flow order, as many in flight as the window allows, each
 * timed out with the wait rule; nothing past the destination's hop is sent,
 * and what is in flight past it is given up.
 *
 * @module
 */
import type { Channel } from "../engine/channel.ts";
import type { Probe } from "../core/probe.ts";
import type { Plan } from "../engine/prober.ts";
import type { ProbeTable } from "../engine/probe_table.ts";
import { probeWait, type WaitRule } from "../engine/wait.ts";
import { SystemError } from "../core/errors.ts";

/** What every round of a multipath run shares: its table, channel and settings. */
export interface FlowStream {
  /** One slot per (TTL, flow). */
  table: ProbeTable;
  /** Where probes go. */
  channel: Channel;
  /** The wait rule. */
  wait: WaitRule;
  /** Probes in flight at once. */
  simultaneous: number;
  /** The destination's hop, once a final reply arrived. */
  finalHop: number;
  /** Probes sent, over every round. */
  sent: number;
}

/** Probes a set of (TTL, flow) pairs. */
export class FlowPlan implements Plan {
  readonly #stream: FlowStream;
  readonly #queue: Probe[];
  readonly #inFlight = new Set<Probe>();
  #next = 0;

  /** Plans the pairs not probed yet. */
  constructor(stream: FlowStream, pairs: ReadonlyArray<readonly [ttl: number, flow: number]>) {
    this.#stream = stream;
    this.#queue = pairs
      .map(([ttl, flow]) => stream.table.slot(ttl, flow))
      .filter((probe) => probe.status === "unsent")
      .sort((a, b) => a.ttl - b.ttl || a.flow - b.flow);
  }

  step(now: number): number | "done" {
    const stream = this.#stream;
    const { channel } = stream;
    let nextTime = Infinity;
    for (const probe of this.#inFlight) {
      if (probe.status !== "in-flight") {
        // Answered meanwhile.
        this.#inFlight.delete(probe);
        continue;
      }
      // Past the destination nothing more is learnt.
      if (probe.ttl > stream.finalHop) {
        channel.drop(probe);
        this.#inFlight.delete(probe);
        continue;
      }
      const expireAt = probe.sentAt! + probeWait(stream.wait, stream.table.evidence(probe));
      if (expireAt <= now) {
        channel.expire(probe);
        this.#inFlight.delete(probe);
      } else nextTime = Math.min(nextTime, expireAt);
    }
    while (this.#next < this.#queue.length && this.#inFlight.size < stream.simultaneous) {
      const probe = this.#queue[this.#next]!;
      if (probe.ttl > stream.finalHop || probe.status !== "unsent") {
        this.#next++;
        continue;
      }
      const sendable = channel.sendableAt(now);
      if (sendable > now) {
        nextTime = Math.min(nextTime, sendable);
        break;
      }
      if (!channel.send(probe)) {
        if (this.#inFlight.size > 0) break;
        throw new SystemError("send probe", "ENOBUFS", "No buffer space available");
      }
      stream.sent++;
      this.#inFlight.add(probe);
      nextTime = Math.min(
        nextTime,
        probe.sentAt! + probeWait(stream.wait, stream.table.evidence(probe)),
      );
      this.#next++;
    }
    if (this.#next >= this.#queue.length && this.#inFlight.size === 0) return "done";
    return nextTime === Infinity ? now : nextTime;
  }
}
