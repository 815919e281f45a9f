/**
 * What the service knows of each watched target, kept as cycles come: the
 * counters and round-trip histograms since start (what Prometheus's `rate()`
 * and `histogram_quantile()` want), the last round trip per hop, the path
 * changes; and, per window, the statistics the findings are drawn from (a
 * window ends every `window` ms: its snapshot is kept for the findings, and
 * the next window starts from nothing, so a finding clears once what caused
 * it is over).
 *
 * @module
 */
import {
  type FleetFigures,
  type FleetFinding,
  type HopFigures,
  RTT_BUCKETS_SECONDS,
  type TargetFigures,
} from "../core/fleet_model.ts";
import type { CycleResult, WatchSnapshot } from "../core/watch_model.ts";
import { explainReport } from "../explain/report.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";

/** Addresses shown per hop in `hopwise_hop_address_info`; the rest are counted. */
export const ADDRESSES_PER_HOP = 8;

/** A window's cycles needed before its own statistics speak for it (else the last window's). */
const WINDOW_MIN_CYCLES = 10;

/**
 * How long what is drawn from a target's window (its addresses, findings,
 * destination) is kept before it is drawn again, ms: scrapes, the event log
 * and the API share it, so that a thousand targets are not explained anew on
 * every request.
 */
export const WINDOW_FIGURES_TTL = 5000;

/**
 * How the service takes a window's statistics: without the hops' latest
 * outcomes, which nothing it serves shows (the report document leaves them
 * out) and which were most of what drawing a window allocated.
 */
const WINDOW_SNAPSHOT = { history: false } as const;

/** One hop's addresses in the window, as the figures show them. */
interface WindowAddresses {
  /** At most {@linkcode ADDRESSES_PER_HOP} addresses, with their names and identities. */
  shown: HopFigures["addresses"];
  /** Addresses of the window left out of `shown`. */
  omitted: number;
}

/**
 * What is drawn from a target's window: only the few figures the service
 * shows (a thousand targets' whole window statistics, kept besides the live
 * ones, were most of the service's memory).
 */
interface WindowFigures {
  /** When it was drawn (performance.now()). */
  at: number;
  /** The TTL the destination answers at, or null. */
  destination: number | null;
  /** Whether the destination answered from the target's address. */
  reached: boolean;
  /** Each hop's addresses, by TTL. */
  addresses: Map<number, WindowAddresses>;
  /** The findings that hold. */
  findings: FleetFinding[];
}

/** One hop's figures since start. */
class HopCounters {
  sent = 0;
  received = 0;
  readonly buckets: number[] = RTT_BUCKETS_SECONDS.map(() => 0);
  rttSum = 0;
  rttCount = 0;
  lastRtt: number | null = null;
  /** Addresses seen at this TTL in this window and the one before. */
  seen = new Set<string>();
  seenBefore = new Set<string>();

  add(rttMs: number | null, answered: boolean): void {
    this.sent++;
    if (!answered) return;
    this.received++;
    if (rttMs === null) return;
    const seconds = rttMs / 1000;
    this.lastRtt = seconds;
    this.rttSum += seconds;
    this.rttCount++;
    for (let i = 0; i < RTT_BUCKETS_SECONDS.length; i++) {
      if (seconds <= RTT_BUCKETS_SECONDS[i]!) this.buckets[i]!++;
    }
  }
}

/** One target's figures. */
class TargetCounters {
  readonly hops = new Map<number, HopCounters>();
  pathChanges = 0;
  cycles = 0;
  windowCycles = 0;
  /** When the last cycle ended (ms since the epoch), or null. */
  lastCycleAt: number | null = null;
  /** The last complete window's statistics, for findings while the new one is young. */
  lastWindow: WatchSnapshot | null = null;
  /** What was last drawn from the window, while fresh. */
  drawn: WindowFigures | null = null;

  hop(ttl: number): HopCounters {
    let hop = this.hops.get(ttl);
    if (!hop) this.hops.set(ttl, hop = new HopCounters());
    return hop;
  }
}

/** The figures of every watched target. */
export class FleetFigureKeeper {
  readonly #version: string;
  readonly #counters = new Map<WatchedTarget, TargetCounters>();
  readonly #sendErrors = new Map<string, number>();
  #probesSent = 0;

  readonly #onPathChange: (target: WatchedTarget, ttl: number, address: string) => void;

  /** Keeps figures for hopwise `version`; `onPathChange` hears each hop that changes address. */
  constructor(
    version: string,
    onPathChange: (target: WatchedTarget, ttl: number, address: string) => void = () => {},
  ) {
    this.#version = version;
    this.#onPathChange = onPathChange;
  }

  #of(target: WatchedTarget): TargetCounters {
    let c = this.#counters.get(target);
    if (!c) this.#counters.set(target, c = new TargetCounters());
    return c;
  }

  /** Counts a settled cycle of `target`. */
  cycle(target: WatchedTarget, cycle: CycleResult): void {
    const c = this.#of(target);
    c.cycles++;
    c.windowCycles++;
    c.lastCycleAt = Date.now();
    const changes: Array<[number, string]> = [];
    for (const probe of cycle.probes) {
      this.#probesSent++;
      if (probe.reason !== null) {
        const reason = probe.reason.replace(/^send: /, "");
        this.#sendErrors.set(reason, (this.#sendErrors.get(reason) ?? 0) + 1);
      }
      const hop = c.hop(probe.ttl);
      hop.add(probe.rtt, !probe.lost && probe.address !== null);
      if (probe.address === null) continue;
      // A path change: a hop answers from an address it did not answer from in this window or
      // the last, once it has answered at all (the first cycles only learn the path).
      if (
        c.cycles > 1 && !hop.seen.has(probe.address) && !hop.seenBefore.has(probe.address) &&
        (hop.seen.size > 0 || hop.seenBefore.size > 0)
      ) {
        changes.push([probe.ttl, probe.address]);
      }
      hop.seen.add(probe.address);
    }
    if (changes.length > 0) c.pathChanges++;
    for (const [ttl, address] of changes) this.#onPathChange(target, ttl, address);
    // The window's figures are drawn again here, as cycles come (spread over the interval),
    // so that a scrape finds them drawn and never explains a thousand windows at once.
    this.#drawn(target, c);
  }

  /** Forgets `target` (it is watched no more): its series leave the figures. */
  forget(target: WatchedTarget): void {
    this.#counters.delete(target);
  }

  /** Ends the window of every target: its statistics are kept for the findings, and reset. */
  endWindow(targets: readonly WatchedTarget[]): void {
    for (const target of targets) {
      const c = this.#of(target);
      const snapshot = target.snapshot(WINDOW_SNAPSHOT);
      if (snapshot && c.windowCycles > 0) c.lastWindow = snapshot;
      c.windowCycles = 0;
      c.drawn = null;
      for (const hop of c.hops.values()) {
        hop.seenBefore = hop.seen;
        hop.seen = new Set();
      }
      target.reset();
    }
  }

  /** The window whose statistics speak for `target` now: the current one once old enough. */
  windowOf(target: WatchedTarget): WatchSnapshot | null {
    const c = this.#of(target);
    const current = target.snapshot(WINDOW_SNAPSHOT);
    if (current && (c.windowCycles >= WINDOW_MIN_CYCLES || c.lastWindow === null)) return current;
    return c.lastWindow;
  }

  /** Everything known now, targets in the order given, with each target's `labels`. */
  figures(
    targets: readonly WatchedTarget[],
    labels: (target: WatchedTarget) => Readonly<Record<string, string>>,
  ): FleetFigures {
    return {
      version: this.#version,
      probesSent: this.#probesSent,
      sendErrors: Object.fromEntries(this.#sendErrors),
      targets: targets.map((t) => this.#target(t, labels(t))),
    };
  }

  /** What `target`'s window says now: drawn again once older than {@linkcode WINDOW_FIGURES_TTL}. */
  #drawn(target: WatchedTarget, c: TargetCounters): WindowFigures {
    const now = performance.now();
    if (c.drawn && now - c.drawn.at < WINDOW_FIGURES_TTL) return c.drawn;
    const window = this.windowOf(target);
    // A finding that rests on several hops (silent routers that rate-limit) holds at each.
    const findings: FleetFinding[] = window && target.start
      ? explainReport(window, target.start.firstHop).flatMap((f) =>
        (f.hops.length > 0 ? f.hops : [null]).map((ttl) => ({ kind: f.kind, ttl, text: f.text }))
      )
      : [];
    const addresses = new Map<number, WindowAddresses>();
    // An address is listed once its lookups have answered: its labels then stay as they are.
    const pending = new Set(window?.pending);
    for (const hop of window?.hops ?? []) {
      const answered = hop.addresses.filter((a) => a.address !== null && !pending.has(a.address));
      addresses.set(hop.ttl, {
        shown: answered.slice(0, ADDRESSES_PER_HOP).map((a) => {
          const identity = window?.identities?.[a.address!];
          return {
            address: a.address!,
            name: window?.names[a.address!] ?? null,
            ...(identity ? { identity } : {}),
          };
        }),
        omitted: Math.max(0, answered.length - ADDRESSES_PER_HOP) + (hop.other ? 1 : 0),
      });
    }
    const destination = window?.destination ?? null;
    const reached = destination !== null &&
      (window?.hops.find((h) => h.ttl === destination)?.addresses ?? []).some((a) =>
        a.address === target.target?.address
      );
    c.drawn = { at: now, destination, reached, addresses, findings };
    return c.drawn;
  }

  #target(target: WatchedTarget, labels: Readonly<Record<string, string>>): TargetFigures {
    const c = this.#of(target);
    const { destination, reached, addresses, findings } = this.#drawn(target, c);
    const hops: HopFigures[] = [...c.hops.entries()].sort(([a], [b]) => a - b).map(
      ([ttl, hop]) => ({
        ttl,
        sent: hop.sent,
        received: hop.received,
        rttBuckets: [...hop.buckets],
        rttSum: hop.rttSum,
        rttCount: hop.rttCount,
        lastRtt: hop.lastRtt,
        addresses: addresses.get(ttl)?.shown ?? [],
        addressesOmitted: addresses.get(ttl)?.omitted ?? 0,
      }),
    );
    return {
      target: target.entry.host,
      labels,
      address: target.target?.address ?? null,
      method: target.start?.method ?? "",
      up: target.state === "up",
      downReason: target.state === "up" ? null : target.reason ?? "starting",
      reached,
      pathHops: destination,
      pathChanges: c.pathChanges,
      cycles: c.cycles,
      lastCycleAt: c.lastCycleAt === null ? null : new Date(c.lastCycleAt).toISOString(),
      hops,
      findings,
    };
  }
}
