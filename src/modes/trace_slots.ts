/**
 * The probe slots of one trace (`queries` per hop, TTL 1 to `maxHops`) and
 * what both timing plans do with them: time a probe out with the wait rule,
 * expire it with Linux traceroute's "smart algorithm" (check_expired: an
 * expired probe followed by a final unreachable that seems to belong to its
 * hop takes that reply), find where the trace ends, and say why it ended.
 *
 * @module
 */
import type { Channel } from "../engine/channel.ts";
import type { Probe } from "../core/probe.ts";
import { ProbeTable } from "../engine/probe_table.ts";
import { probeWait, type WaitRule } from "../engine/wait.ts";
import { ttlToHops } from "../core/reply_ttl.ts";
import type { StopReason } from "../core/model.ts";

/** What a trace plan runs with. */
export interface TraceSlotsSettings {
  /** First TTL probed. */
  firstHop: number;
  /** Largest TTL. */
  maxHops: number;
  /** Probes per hop. */
  queries: number;
  /** Probes in flight at once. */
  simultaneous: number;
  /** The wait rule. */
  wait: WaitRule;
  /** The address each probe carries, when the channel's session serves many targets. */
  target?: string | null;
  /**
   * Adaptive timing sends a TTL only this many past the deepest hop whose
   * fate is known (an answer, or every probe expired): a run of many
   * targets, where throughput counts more than one trace's time, sends
   * little past the destination. Unset: every TTL at once.
   */
  lookahead?: number;
}

/** Hears of a trace's probes. */
export interface TraceListener {
  /** A probe is released, strictly in print order. */
  release(probe: Probe): void;
  /** A reply was recorded (before it is released): a chance to start lookups. */
  answered?(probe: Probe): void;
}

/** One trace's slots over a channel. */
export class TraceSlots {
  /** The settings. */
  readonly settings: TraceSlotsSettings;
  /** The channel its probes go through. */
  readonly channel: Channel;
  /** Hears of released and answered probes. */
  readonly listener: TraceListener;
  /** The probes. */
  readonly table: ProbeTable;
  /** Pokes the plan (set once it is on the prober). */
  poke: () => void = () => {};

  /** Makes the slots. */
  constructor(settings: TraceSlotsSettings, channel: Channel, listener: TraceListener) {
    this.settings = settings;
    this.channel = channel;
    this.listener = listener;
    this.table = new ProbeTable(settings.maxHops, settings.queries, {
      target: settings.target ?? null,
      onAnswer: (probe) => {
        listener.answered?.(probe);
        this.poke();
      },
      // A probe to send again smaller (--mtu) goes at once, as Linux traceroute's do_it loop
      // sends it on its next turn, not when the plan's next wait ends.
      onResend: () => this.poke(),
    });
  }

  /** Slot `index`. */
  at(index: number): Probe {
    return this.table.at(index);
  }

  /** Slots in all. */
  get size(): number {
    return this.table.size;
  }

  /** The first slot of the first hop probed. */
  get first(): number {
    return (this.settings.firstHop - 1) * this.settings.queries;
  }

  /** When an in-flight probe's wait is over (at once for a dropped slot). */
  expireAt(probe: Probe): number {
    if (probe.status === "dropped") return -Infinity;
    return probe.sentAt! + probeWait(this.settings.wait, this.table.evidence(probe));
  }

  /** The probe's wait is over: it expires, and the smart algorithm looks at it. */
  expire(probe: Probe): void {
    this.channel.expire(probe);
    this.#checkExpired(probe);
  }

  /** check_expired: the smart algorithm, for a probe that just expired. */
  #checkExpired(probe: Probe): void {
    const q = this.settings.queries;
    const hopStart = probe.slot - probe.place;
    let earlierFinal = false;
    for (let i = hopStart; i < probe.slot; i++) {
      const p = this.at(i);
      if (!p.settled || !p.final) return;
      earlierFinal = true;
    }
    let final: Probe | null = null;
    for (let i = probe.slot + 1; i < this.size; i++) {
      const p = this.table.peek(i);
      if (!p || p.status === "unsent") break;
      if (p.settled) {
        if (!p.final) return;
        final = p;
        break;
      }
    }
    // Only unreachable reports seem to arrive for the latest probes alone.
    if (!final || !final.annotation) return;
    if (earlierFinal || probe.place + (final.slot - probe.slot) < q) {
      return probe.takeReplyOf(final);
    }
    // A final report from an address already seen earlier belongs here.
    for (let i = probe.slot - 1; i >= 0; i--) {
      const address = this.table.peek(i)?.address ?? null;
      if (address !== null && address === final.address) return probe.takeReplyOf(final);
    }
    if (final.replyTtl !== null) {
      let backHops = ttlToHops(final.replyTtl);
      for (let i = probe.slot - 1; i >= 0; i--) {
        const p = this.table.peek(i);
        if (p && p.settled && !p.final && p.replyTtl !== null) {
          const hops = ttlToHops(p.replyTtl);
          if (hops < backHops) {
            backHops = backHops - hops + p.ttl;
            break;
          }
        }
      }
      if (backHops <= probe.ttl) probe.takeReplyOf(final);
    }
  }

  /** The end of the table: after the first hop (from slot `from`) with a final reply. */
  end(from: number): number {
    const q = this.settings.queries;
    for (let n = from; n < this.size; n++) {
      const p = this.table.peek(n);
      if (p && p.settled && p.final) return p.ttl * q;
    }
    return this.size;
  }

  /** Whether no probe of the hop of `probe` has an answer (so far). */
  hopSilent(probe: Probe): boolean {
    const hopStart = probe.slot - probe.place;
    for (let i = hopStart; i < hopStart + this.settings.queries; i++) {
      if (this.at(i).answered) return false;
    }
    return true;
  }

  /**
   * The trace ended at slot `end`: probes sent past it are given up now (the
   * session frees their sockets), not left in flight until it closes.
   */
  dropPast(end: number): void {
    for (let i = end; i < this.size; i++) {
      const p = this.table.peek(i);
      if (p && p.status === "in-flight") this.channel.drop(p);
    }
  }

  /** Why a trace that ended at slot `end` ended. */
  reason(end: number): StopReason {
    const q = this.settings.queries;
    const last: Probe[] = [];
    for (let i = Math.max(0, end - q); i < end; i++) last.push(this.at(i));
    if (end < this.size || last.some((p) => p.final)) {
      return last.some((p) => p.final && p.annotation === "") ? "reached" : "unreachable";
    }
    return "max-hops";
  }
}
