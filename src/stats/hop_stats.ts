/**
 * The statistics of one TTL in a continuous run: the hop as a whole, each
 * address that answered, each flow, and a strip of the latest outcomes.
 *
 * @module
 */
import { type AddressStatsJson, AddressTable, DEFAULT_MAX_ADDRESSES } from "./addresses.ts";
import { type HistoryEntry, OutcomeHistory, type ReadonlyHistory } from "./history.ts";

export type { HistoryEntry, Outcome } from "./history.ts";
import { SeriesStats, type SeriesStatsJson } from "./series.ts";

/** History entries a hop keeps by default. */
export const DEFAULT_HISTORY = 64;
/** Flows a hop breaks its statistics down by, at most, by default. */
export const DEFAULT_MAX_FLOWS = 64;

/** How much a hop keeps. */
export interface HopStatsOptions {
  /** History entries (probes) kept: 64 by default. One a cycle with one probe per TTL. */
  history?: number;
  /** Addresses kept apart, at the hop and at each flow, before "other": 16 by default. */
  maxAddresses?: number;
  /** Flows broken down, at most (flows past it count in the hop's total only): 64 by default. */
  maxFlows?: number;
}

/** One flow at a hop as plain data. */
export interface FlowStatsJson extends SeriesStatsJson {
  /** The flow. */
  flow: number;
  /** The address of its latest answer, or null. */
  lastAddress: string | null;
  /** Its replies by address, in order of first appearance. */
  addresses: AddressStatsJson[];
  /** The replies of addresses past the limit, or null. */
  other: AddressStatsJson | null;
}

/** A hop as plain data. */
export interface HopStatsJson extends SeriesStatsJson {
  /** The TTL. */
  ttl: number;
  /** The address of its latest answer (mtr's host of the hop), or null. */
  lastAddress: string | null;
  /** Its replies by address, in order of first appearance. */
  addresses: AddressStatsJson[];
  /** The replies of addresses past the limit, or null. */
  other: AddressStatsJson | null;
  /** Each flow seen, by flow number. */
  flows: FlowStatsJson[];
  /** The latest outcomes, oldest first. */
  history: HistoryEntry[];
}

/** One flow at a hop: its series, and its replies by address. */
export class FlowStats {
  /** The flow. */
  readonly flow: number;
  /** Every probe of the flow at this hop. */
  readonly series: SeriesStats;
  /** The flow's replies by address. */
  readonly addresses: AddressTable;
  /**
   * The flow is every probe of its hop (a run of one flow): its series and
   * addresses are the hop's own, recorded once, by the hop.
   */
  readonly whole: boolean;
  #lastAddress: string | null = null;

  /**
   * An empty flow, keeping at most `maxAddresses` addresses apart; or, given
   * `hop` (the series and addresses of a hop whose every probe is this
   * flow's), a flow that shares them.
   */
  constructor(
    flow: number,
    maxAddresses: number = DEFAULT_MAX_ADDRESSES,
    hop?: { series: SeriesStats; addresses: AddressTable },
  ) {
    this.flow = flow;
    this.whole = hop !== undefined;
    this.series = hop?.series ?? new SeriesStats();
    this.addresses = hop?.addresses ?? new AddressTable(maxAddresses);
  }

  /** The address of the flow's latest answer, or null. */
  get lastAddress(): string | null {
    return this.#lastAddress;
  }

  /** Records an answer (the series and the address) of `cycle`. */
  answered(address: string, rtt: number, cycle = -1): void {
    if (!this.whole) {
      this.series.probeAnswered(rtt);
      this.addresses.record(address, rtt, cycle);
    }
    this.#lastAddress = address;
  }

  /** Forgets all but the probes in flight. */
  reset(): void {
    if (!this.whole) {
      this.series.reset();
      this.addresses.clear();
    }
    this.#lastAddress = null;
  }

  /** The flow as plain data. */
  toJSON(): FlowStatsJson {
    const replies = this.series.received;
    return {
      flow: this.flow,
      ...this.series.toJSON(),
      lastAddress: this.#lastAddress,
      addresses: this.addresses.toJSON(replies),
      other: this.addresses.otherJson(replies),
    };
  }
}

/**
 * The statistics of one TTL in a continuous run, fed by the outcomes of its
 * probes: `sent` when a probe leaves, then `answered` or `lost`, for any
 * cycle and in any order (a late answer counts for its own cycle).
 *
 * @example
 * ```ts
 * import { HopStats } from "./hop_stats.ts";
 *
 * const hop = new HopStats(3);
 * hop.sent(0, 0);
 * hop.sent(1, 0);
 * hop.answered(1, 0, "198.18.0.1", 12.5);
 * hop.series.inFlight; // 1
 * hop.history.toArray(); // [{ cycle: 0, flow: 0, outcome: "pending" }, { cycle: 1, flow: 0, outcome: 12.5 }]
 * ```
 */
export class HopStats {
  /** The TTL. */
  readonly ttl: number;
  /** Every probe of this TTL. */
  readonly series: SeriesStats = new SeriesStats();
  /** The hop's replies by address. */
  readonly addresses: AddressTable;
  readonly #maxAddresses: number;
  readonly #maxFlows: number;
  readonly #flows = new Map<number, FlowStats>();
  readonly #history: OutcomeHistory;
  #lastAddress: string | null = null;

  /** An empty hop at `ttl`. */
  constructor(ttl: number, options: HopStatsOptions = {}) {
    this.ttl = ttl;
    this.#maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    this.#maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!Number.isInteger(this.#maxFlows) || this.#maxFlows < 0) {
      throw new RangeError(`Flow limit must be an integer, at least 0, got "${this.#maxFlows}"`);
    }
    this.addresses = new AddressTable(this.#maxAddresses);
    this.#history = new OutcomeHistory(options.history ?? DEFAULT_HISTORY);
  }

  /** The address of the latest answer (mtr shows it as the hop's host), or null. */
  get lastAddress(): string | null {
    return this.#lastAddress;
  }

  /**
   * The latest probes' outcomes, oldest first, in the order they were sent
   * (a probe that could not be sent comes in when it is lost).
   */
  get history(): ReadonlyHistory<HistoryEntry> {
    return this.#history;
  }

  /** The statistics of `flow`, when it was seen and is within the flow limit. */
  flow(flow: number): FlowStats | undefined {
    return this.#flows.get(flow);
  }

  /** Every flow seen (within the limit), by flow number. */
  flows(): FlowStats[] {
    return [...this.#flows.values()].sort((a, b) => a.flow - b.flow);
  }

  /** A probe of `cycle` and `flow` was sent. */
  sent(cycle: number, flow: number): void {
    check(cycle, flow);
    this.series.probeSent();
    this.#ownSeries(flow)?.probeSent();
    this.#history.push(cycle, flow, "pending");
  }

  /** A probe of `cycle` and `flow` was answered by `address` after `rtt` ms. */
  answered(cycle: number, flow: number, address: string, rtt: number): void {
    check(cycle, flow);
    this.series.probeAnswered(rtt);
    this.addresses.record(address, rtt, cycle);
    this.#lastAddress = address;
    this.#flowOf(flow)?.answered(address, rtt, cycle);
    this.#history.settle(cycle, flow, rtt);
  }

  /**
   * A probe of `cycle` and `flow` in flight is taken back (it went past the
   * destination): it no longer counts in the series; its history entry, if
   * still kept, stays pending.
   */
  withdrawn(cycle: number, flow: number): void {
    check(cycle, flow);
    this.series.probeWithdrawn();
    this.#ownSeries(flow)?.probeWithdrawn();
  }

  /** A probe of `cycle` and `flow` was lost (its wait ended, or it could not be sent). */
  lost(cycle: number, flow: number): void {
    check(cycle, flow);
    this.series.probeLost();
    this.#ownSeries(flow)?.probeLost();
    this.#history.settle(cycle, flow, "lost");
  }

  /**
   * Forgets the statistics, the addresses and the history, but not the
   * probes in flight: they count when they settle, and their history
   * entries stay, pending.
   */
  reset(): void {
    this.series.reset();
    this.addresses.clear();
    this.#lastAddress = null;
    for (const f of this.#flows.values()) f.reset();
    this.#history.keepPending();
  }

  /** The hop as plain data; its history left empty with `history: false`. */
  toJSON(options: { history?: boolean } = {}): HopStatsJson {
    const replies = this.series.received;
    return {
      ttl: this.ttl,
      ...this.series.toJSON(),
      lastAddress: this.#lastAddress,
      addresses: this.addresses.toJSON(replies),
      other: this.addresses.otherJson(replies),
      flows: this.flows().map((f) => f.toJSON()),
      history: options.history === false ? [] : this.#history.toArray(),
    };
  }

  #flowOf(flow: number): FlowStats | undefined {
    let f = this.#flows.get(flow);
    if (f === undefined && this.#flows.size < this.#maxFlows) {
      // One flow at most, flow 0 (a run without flows): it is every probe of the hop, and
      // shares the hop's statistics rather than keep a copy (half a hop's memory).
      const whole = this.#maxFlows === 1 && flow === 0 ? this : undefined;
      f = new FlowStats(flow, this.#maxAddresses, whole);
      this.#flows.set(flow, f);
    }
    return f;
  }

  /** The series of `flow` when it keeps its own (not when it is the hop's). */
  #ownSeries(flow: number): SeriesStats | undefined {
    const f = this.#flowOf(flow);
    return f && !f.whole ? f.series : undefined;
  }
}

function check(cycle: number, flow: number): void {
  if (!Number.isInteger(cycle) || cycle < 0) {
    throw new RangeError(`Cycle must be an integer, at least 0, got "${cycle}"`);
  }
  if (!Number.isInteger(flow) || flow < 0) {
    throw new RangeError(`Flow must be an integer, at least 0, got "${flow}"`);
  }
}
