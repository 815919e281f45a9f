/**
 * One cycle of a continuous run, as a plan: a probe for every (TTL, place)
 * up to the last TTL the run probes, all at once (within the window and the
 * pacing), each waiting until its wait is over. Unlike a trace, a cycle
 * never fails on a send: a network that is down, a route that is gone, a
 * full socket buffer or a source address that vanished make that probe lost
 * (with the reason), and the run goes on.
 *
 * @module
 */
import type { Channel } from "../engine/channel.ts";
import type { Probe } from "../core/probe.ts";
import { type Plan, SEND_BURST } from "../engine/prober.ts";
import { ProbeTable } from "../engine/probe_table.ts";
import { SystemError } from "../core/errors.ts";

/** What every cycle of a run shares. */
export interface CycleStream {
  /** Where probes go. */
  channel: Channel;
  /** First TTL probed. */
  firstHop: number;
  /** Probes per TTL in a cycle (queries × flows). */
  places: number;
  /** Flows (place p is flow p mod flows). */
  flows: number;
  /** Largest TTL the run may probe. */
  maxHops: number;
  /** The address probes carry when the channel serves many targets, else null. */
  target: string | null;
  /** Probes in flight at once, over all cycles. */
  simultaneous: number;
  /** How long a probe waits for its answer, ms, given the run so far. */
  probeWait(): number;
  /** A probe of `plan` was sent. */
  sent(plan: CyclePlan, probe: Probe): void;
  /** A probe of `plan` is settled: answered, or lost (with why, when not plain silence). */
  settled(plan: CyclePlan, probe: Probe, reason: string | null): void;
  /** A probe of `plan` in flight is taken back: it went past the destination. */
  withdrawn(plan: CyclePlan, probe: Probe): void;
  /** Every probe of `plan` is settled (or taken back). */
  completed(plan: CyclePlan): void;
  /** Probes in flight now, over every cycle. */
  inFlight: number;
}

/** One cycle. */
export class CyclePlan implements Plan {
  /** The cycle's number, from 0. */
  readonly cycle: number;
  /** Its last TTL. */
  readonly lastHop: number;
  /** When it began, on the transport's clock. */
  readonly startedAt: number;
  /** Its probes. */
  readonly table: ProbeTable;
  /** Pokes the plan (set once it is on the prober). */
  poke: () => void = () => {};
  readonly #stream: CycleStream;
  readonly #queue: Probe[] = [];
  readonly #inFlight = new Set<Probe>();
  readonly #reasons = new Map<Probe, string>();
  #next = 0;
  #unsettled: number;
  /** The TTL of the cycle's first final answer: nothing past it counts. */
  #end = Infinity;

  /** Plans cycle `cycle` from the stream's first TTL to `lastHop`, starting `now`. */
  constructor(stream: CycleStream, cycle: number, lastHop: number, now: number) {
    this.#stream = stream;
    this.cycle = cycle;
    this.lastHop = lastHop;
    this.startedAt = now;
    this.table = new ProbeTable(lastHop, stream.places, {
      flows: stream.flows,
      target: stream.target,
      onAnswer: (probe) => this.#answered(probe),
    });
    for (let ttl = stream.firstHop; ttl <= lastHop; ttl++) {
      for (let place = 0; place < stream.places; place++) {
        this.#queue.push(this.table.slot(ttl, place));
      }
    }
    this.#unsettled = this.#queue.length;
  }

  /** Probes not yet answered or lost. */
  get unsettled(): number {
    return this.#unsettled;
  }

  /** The cycle's probes up to its end (the destination's TTL), by TTL then place. */
  probes(): readonly Probe[] {
    return this.#queue.filter((p) => p.ttl <= this.#end);
  }

  /** Why a lost probe was lost, when not plain silence. */
  reason(probe: Probe): string | null {
    return this.#reasons.get(probe) ?? null;
  }

  #answered(probe: Probe): void {
    this.#inFlight.delete(probe);
    this.#stream.inFlight--;
    this.#unsettled--;
    this.#stream.settled(this, probe, null);
    if (probe.final && probe.ttl < this.#end) this.#endAt(probe.ttl);
    this.#checkComplete();
    this.poke();
  }

  #completed = false;

  /** Tells the stream once, when nothing of the cycle is left to settle. */
  #checkComplete(): void {
    if (this.#unsettled > 0 || this.#completed) return;
    this.#completed = true;
    this.#stream.completed(this);
  }

  /** The path ends at `ttl`: probes past it are taken back, or never sent. */
  #endAt(ttl: number): void {
    this.#end = ttl;
    for (const probe of this.#inFlight) {
      if (probe.ttl <= ttl) continue;
      this.#inFlight.delete(probe);
      this.#stream.inFlight--;
      this.#stream.channel.drop(probe);
      this.#stream.withdrawn(this, probe);
      this.#unsettled--;
    }
    for (let i = this.#next; i < this.#queue.length; i++) {
      if (this.#queue[i]!.ttl > ttl) this.#unsettled--;
    }
    this.#queue.splice(
      this.#next,
      Infinity,
      ...this.#queue.slice(this.#next).filter((p) => p.ttl <= ttl),
    );
  }

  #lose(probe: Probe, reason: string | null): void {
    if (reason !== null) this.#reasons.set(probe, reason);
    this.#unsettled--;
    this.#stream.settled(this, probe, reason);
    this.#checkComplete();
  }

  step(now: number): number | "done" {
    const stream = this.#stream;
    const { channel } = stream;
    const wait = stream.probeWait();
    let nextTime = Infinity;
    for (const probe of this.#inFlight) {
      const expireAt = probe.sentAt! + wait;
      if (expireAt > now) {
        nextTime = Math.min(nextTime, expireAt);
        continue;
      }
      this.#inFlight.delete(probe);
      stream.inFlight--;
      channel.expire(probe);
      this.#lose(probe, null);
    }
    let burst = 0;
    while (this.#next < this.#queue.length && stream.inFlight < stream.simultaneous) {
      if (burst++ === SEND_BURST) {
        nextTime = now;
        break;
      }
      const probe = this.#queue[this.#next]!;
      const sendable = channel.sendableAt(now);
      if (sendable > now) {
        nextTime = Math.min(nextTime, sendable);
        break;
      }
      let sent: boolean;
      try {
        sent = channel.send(probe);
      } catch (e) {
        // The network is down, the route or the source address gone: this
        // probe is lost, and the run goes on.
        if (!(e instanceof SystemError)) throw e;
        this.#next++;
        probe.drop();
        this.#lose(probe, e.message);
        continue;
      }
      if (!sent) {
        // No buffer space: try again a little later, until the probe's wait is over.
        if (now - this.startedAt >= wait) {
          this.#next++;
          probe.drop();
          this.#lose(probe, "send: No buffer space available");
          continue;
        }
        nextTime = Math.min(nextTime, now + 10);
        break;
      }
      this.#next++;
      this.#inFlight.add(probe);
      stream.inFlight++;
      stream.sent(this, probe);
      nextTime = Math.min(nextTime, probe.sentAt! + wait);
    }
    if (this.#unsettled === 0) return "done";
    // Waiting for the window (probes of other cycles in flight): look again soon.
    if (nextTime === Infinity) return now + 10;
    return nextTime;
  }

  /** Gives up the probes still in flight (the run stopped). */
  abandon(): void {
    for (const probe of this.#inFlight) {
      this.#stream.inFlight--;
      this.#stream.channel.drop(probe);
    }
    this.#inFlight.clear();
  }
}
