/**
 * A table of probe slots, hop by hop (`slotsPerHop` places per TTL: the
 * queries of a trace, or the flows of a multipath run), made on first use.
 * It owns its probes: it is told of every answer, keeps the longest round
 * trip seen, and answers the wait rule's questions (an answered probe of the
 * same hop, of a later one).
 *
 * @module
 */
import { Probe, type ProbeOwner } from "../core/probe.ts";
import type { WaitEvidence } from "./wait.ts";

/** The probe slots of one stream. */
export class ProbeTable implements ProbeOwner {
  /** Places per TTL. */
  readonly slotsPerHop: number;
  /** Slots in all: TTLs 1 to `maxTtl`. */
  readonly size: number;
  #slots: Array<Probe | undefined>;
  #largest = 0;
  #listener: (probe: Probe) => void;
  #onResend: (probe: Probe) => void;
  #flows: number;
  #target: string | null;

  /**
   * Makes the table. With `flowPerPlace`, each place of a hop is a flow of
   * its own (multipath); with `flows`, place p is flow p mod `flows` (a
   * continuous run's queries of each flow); else every probe is flow 0.
   * `onAnswer` hears of every answer, after the table, and `onResend` of
   * every probe made unsent again (`--mtu`); `target` is the address its
   * probes carry for a session shared by many targets.
   */
  constructor(
    maxTtl: number,
    slotsPerHop: number,
    options: {
      flowPerPlace?: boolean;
      flows?: number;
      onAnswer?: (probe: Probe) => void;
      onResend?: (probe: Probe) => void;
      target?: string | null;
    } = {},
  ) {
    this.slotsPerHop = slotsPerHop;
    this.size = maxTtl * slotsPerHop;
    this.#slots = new Array(this.size);
    this.#flows = options.flows ?? (options.flowPerPlace ? slotsPerHop : 1);
    this.#listener = options.onAnswer ?? (() => {});
    this.#onResend = options.onResend ?? (() => {});
    this.#target = options.target ?? null;
  }

  /** Slot `index`: (ttl - 1) × slotsPerHop + place. */
  at(index: number): Probe {
    let probe = this.#slots[index];
    if (!probe) {
      if (index < 0 || index >= this.size) throw new RangeError(`No probe slot ${index}`);
      const q = this.slotsPerHop;
      const ttl = Math.floor(index / q) + 1;
      const place = index % q;
      probe = new Probe(
        { slot: index, ttl, place, flow: place % this.#flows, target: this.#target },
        this,
      );
      this.#slots[index] = probe;
    }
    return probe;
  }

  /** The slot of `place` at `ttl`. */
  slot(ttl: number, place: number): Probe {
    return this.at((ttl - 1) * this.slotsPerHop + place);
  }

  /** Slot `index` if it has been made (a slot never made is unsent). */
  peek(index: number): Probe | undefined {
    return this.#slots[index];
  }

  /** The longest round trip answered so far (0: none). */
  get largestRtt(): number {
    return this.#largest;
  }

  answered(probe: Probe): void {
    const rtt = probe.rtt;
    if (rtt !== null) this.#largest = Math.max(this.#largest, rtt);
    this.#listener(probe);
  }

  resent(probe: Probe): void {
    this.#onResend(probe);
  }

  /**
   * What `probe`'s wait goes by, as Linux traceroute finds it: the first
   * probe of its hop with a round trip, in slot order; else the first later
   * one with a round trip, looking no further than the first unsent slot.
   */
  evidence(probe: Probe): WaitEvidence {
    const q = this.slotsPerHop;
    const hopStart = probe.slot - probe.place;
    let here: number | null = null;
    for (let i = hopStart; i < hopStart + q; i++) {
      const rtt = this.#slots[i]?.rtt ?? null;
      if (rtt !== null && rtt > 0) {
        here = rtt;
        break;
      }
    }
    let near: number | null = null;
    for (let i = probe.slot + 1; i < this.size; i++) {
      const p = this.#slots[i];
      if (!p || p.status === "unsent") break;
      const rtt = p.rtt;
      if (rtt !== null && rtt > 0) {
        near = rtt;
        break;
      }
    }
    return { here, near, largest: this.#largest, reprobed: probe.reprobed };
  }
}
