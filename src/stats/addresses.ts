/**
 * Replies at a hop (or at a flow of a hop) by the address that sent them, in
 * a bounded table.
 *
 * @module
 */
import { SeriesStats, type SeriesStatsJson } from "./series.ts";

/** The addresses a table keeps by default before it puts the rest in "other". */
export const DEFAULT_MAX_ADDRESSES = 16;

/**
 * The statistics of the replies from one address (or from the "other"
 * addresses), as plain data. An address only counts replies, so there is no
 * Snt or Loss%; `share` is its part of the replies of the hop (or flow).
 */
export interface AddressStatsJson extends
  Omit<
    SeriesStatsJson,
    "sent" | "lost" | "inFlight" | "lossPercent"
  > {
  /** The address; null for the "other" bucket. */
  address: string | null;
  /** Its replies over all the hop's (or flow's) replies, from 0 to 1. */
  share: number;
  /** The first cycle it answered in (-1 when not known). */
  firstCycle: number;
  /** The latest cycle it answered in (-1 when not known). */
  lastCycle: number;
}

/**
 * Replies by address, in order of first appearance: at most `limit`
 * addresses, the replies of any further address pooled in one "other"
 * series (so memory stays flat when a hop sees many addresses).
 *
 * @example
 * ```ts
 * import { AddressTable } from "./addresses.ts";
 *
 * const t = new AddressTable(1);
 * t.record("198.18.0.1", 1.5);
 * t.record("198.18.0.2", 2.5); // past the limit: "other"
 * [...t.addresses()].map(([a]) => a); // ["198.18.0.1"]
 * t.other?.received; // 1
 * ```
 */
export class AddressTable {
  readonly #limit: number;
  readonly #byAddress = new Map<string, SeriesStats>();
  /** The first and latest cycle of each series' replies (path changes show in them). */
  readonly #cycles = new Map<SeriesStats, { first: number; last: number }>();
  #other: SeriesStats | null = null;

  /** An empty table of at most `limit` addresses (an integer, at least 1). */
  constructor(limit: number = DEFAULT_MAX_ADDRESSES) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Address limit must be an integer, at least 1, got "${limit}"`);
    }
    this.#limit = limit;
  }

  /** The most addresses it keeps apart. */
  get limit(): number {
    return this.#limit;
  }

  /** How many addresses it keeps apart now. */
  get size(): number {
    return this.#byAddress.size;
  }

  /** A reply from `address` after `rtt` ms, in `cycle` (when known). */
  record(address: string, rtt: number, cycle = -1): void {
    let series = this.#byAddress.get(address);
    if (series === undefined) {
      if (this.#byAddress.size < this.#limit) {
        series = new SeriesStats();
        this.#byAddress.set(address, series);
      } else {
        series = this.#other ??= new SeriesStats();
      }
    }
    series.probeAnswered(rtt);
    if (cycle >= 0) {
      const seen = this.#cycles.get(series);
      if (!seen) this.#cycles.set(series, { first: cycle, last: cycle });
      else {
        seen.first = Math.min(seen.first, cycle);
        seen.last = Math.max(seen.last, cycle);
      }
    }
  }

  /** The statistics of `address`'s replies, when it is kept apart. */
  get(address: string): SeriesStats | undefined {
    return this.#byAddress.get(address);
  }

  /** The addresses kept apart and their statistics, in order of first appearance. */
  addresses(): IterableIterator<[string, SeriesStats]> {
    return this.#byAddress.entries();
  }

  /** The replies of the addresses past the limit, pooled; null when there were none. */
  get other(): SeriesStats | null {
    return this.#other;
  }

  /** Forgets every address. */
  clear(): void {
    this.#byAddress.clear();
    this.#cycles.clear();
    this.#other = null;
  }

  /** The kept addresses as plain data, each with its share of `replies` (the owner's received). */
  toJSON(replies: number): AddressStatsJson[] {
    return [...this.#byAddress].map(([address, s]) =>
      addressJson(address, s, replies, this.#cycles.get(s))
    );
  }

  /** The "other" bucket as plain data (`address` null), or null. */
  otherJson(replies: number): AddressStatsJson | null {
    return this.#other && addressJson(null, this.#other, replies, this.#cycles.get(this.#other));
  }
}

function addressJson(
  address: string | null,
  s: SeriesStats,
  replies: number,
  cycles: { first: number; last: number } | undefined,
): AddressStatsJson {
  const { sent: _s, lost: _l, inFlight: _f, lossPercent: _p, ...values } = s.toJSON();
  return {
    address,
    share: replies === 0 ? 0 : s.received / replies,
    firstCycle: cycles?.first ?? -1,
    lastCycle: cycles?.last ?? -1,
    ...values,
  };
}
