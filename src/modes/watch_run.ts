/**
 * A continuous run on a prober: a cycle every `interval`, each probing every
 * TTL up to the destination at once (all the run's cycles share one session
 * and one prober, so a slow cycle overlaps the next), statistics kept as
 * answers come, and results in events. A late answer still counts for its
 * own cycle: a probe waits for its answer longer than a cycle lasts.
 *
 * The TTLs a cycle probes: every one up to `maxHops` until the destination
 * answers, then up to the nearest TTL it answered at; when that TTL answers
 * from another address (the path grew longer), up to `maxHops` again.
 *
 * @module
 */
import type { Probe } from "../core/probe.ts";
import type { Channel } from "../engine/channel.ts";
import type { Plan, Prober } from "../engine/prober.ts";
import { Statistics } from "../core/statistics.ts";
import type { Target } from "../core/model.ts";
import type { AddressIdentity } from "../core/identity.ts";
import type { TraceSetup } from "../session/open.ts";
import { RunStats } from "../stats/mod.ts";
import { CyclePlan, type CycleStream } from "./cycle_plan.ts";
import type {
  CycleProbe,
  CycleResult,
  WatchEvent,
  WatchSettings,
  WatchSnapshot,
} from "../core/watch_model.ts";

/** How often, at least, the run looks at its clock (pausing and resuming take effect then). */
const TICK = 100;

/** Where a run fits among many watches on one prober. */
export interface WatchPlacement {
  /** Its first cycle this many ms after the prober starts (0: at once). */
  firstCycleIn?: number;
  /**
   * The channel of a setup that serves any target of a family (many
   * watches), which stays when the run ends; the run's channel counts are
   * then its own probes'. Null: the run opens its own.
   */
  shared?: Channel | null;
  /**
   * Forgets the hops past the destination once no probe is in flight there
   * (no output shows them): a thousand targets' first cycles would otherwise
   * keep thirty hops each when they need six.
   */
  trimPastDestination?: boolean;
}

/** A continuous run under way. */
export class WatchRun implements Plan {
  /** The run's settings. */
  readonly settings: WatchSettings;
  /** What its channel sent, read and ignored (the sockets' counts). */
  readonly channelCounts: Statistics;
  /** mtr's statistics, per hop, address and flow. */
  readonly hopStats: RunStats;
  readonly #setup: TraceSetup;
  readonly #target: Target;
  readonly #prober: Prober;
  readonly #stream: CycleStream;
  readonly #cycles = new Set<CyclePlan>();
  readonly #events: WatchEvent[] = [];
  /**
   * Every responder so far but those seen only at the private hops: what
   * the lookups know of each is read when a snapshot is taken.
   */
  readonly #responders = new Set<string>();
  /** Responders whose lookups have answered once. */
  readonly #answered = new Set<string>();
  /** Why probes of a TTL were lost, when it was not silence: the latest reason, when, how often. */
  readonly #faults = new Map<number, { reason: string; cycle: number; count: number }>();
  #wake: (() => void) | null = null;
  #launched = 0;
  #nextCycleAt: number;
  #nextSnapshotAt: number;
  #destination: number | null = null;
  #largestRtt = 0;
  #paused = false;
  #done = false;
  #stopped = false;
  #failure: { error: unknown } | null = null;
  readonly #trimPastDestination: boolean;

  /**
   * Puts the run to `target` through `setup` on `prober`; it runs when the
   * prober does (see {@linkcode WatchPlacement} for where it fits among many).
   */
  constructor(
    setup: TraceSetup,
    target: Target,
    prober: Prober,
    settings: WatchSettings,
    placement: WatchPlacement = {},
  ) {
    const { firstCycleIn = 0, shared = null } = placement;
    this.#trimPastDestination = placement.trimPastDestination ?? false;
    this.#setup = setup;
    this.#target = target;
    this.#prober = prober;
    this.settings = settings;
    this.channelCounts = new Statistics();
    // The history keeps probes: a cycle's worth per TTL is queries × flows of them.
    this.hopStats = new RunStats({
      history: settings.history * settings.queries * settings.flows,
      maxFlows: Math.max(settings.flows, 1),
    });
    const channel = shared ??
      prober.open(setup.methodSession, setup.channelSettings, this.channelCounts);
    this.#stream = {
      channel,
      firstHop: setup.config.options.firstHop,
      places: settings.queries * settings.flows,
      flows: settings.flows,
      maxHops: setup.config.options.maxHops,
      target: shared ? target.address : null,
      simultaneous: settings.simultaneous,
      inFlight: 0,
      probeWait: () => this.#probeWait(),
      sent: (plan, probe) => this.hopStats.hop(probe.ttl).sent(plan.cycle, probe.flow),
      settled: (plan, probe, reason) => this.#settled(plan, probe, reason),
      withdrawn: (plan, probe) => this.hopStats.hop(probe.ttl).withdrawn(plan.cycle, probe.flow),
      completed: (plan) => this.#complete(plan),
    };
    const now = prober.now();
    this.#nextCycleAt = now + firstCycleIn;
    this.#nextSnapshotAt = now + Math.max(settings.interval, TICK);
    prober.add(this, (error) => {
      if (!shared) prober.remove(channel);
      if (error !== null) this.fail(error);
      else this.#finish();
    });
  }

  /** How long a probe waits for its answer: `-w`'s MAX, or a second, the interval, or three times the longest round trip seen, whichever is longest, at most 5 s. */
  #probeWait(): number {
    if (this.settings.probeWait !== null) return this.settings.probeWait;
    return Math.min(5000, Math.max(1000, this.settings.interval, 3 * this.#largestRtt));
  }

  /** Stops launching cycles (those under way finish). */
  pause(): void {
    this.#paused = true;
  }

  /** Launches cycles again, from now. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#nextCycleAt = this.#prober.now();
  }

  /** Whether it is paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Forgets the statistics so far (the cycles under way count from here). */
  reset(): void {
    this.hopStats.reset();
    this.#faults.clear();
  }

  /**
   * The statistics now, as plain data; with `history: false`, without the
   * hops' latest outcomes (what only the live screen draws).
   */
  snapshot(options: { history?: boolean } = {}): WatchSnapshot {
    return {
      cycles: this.#launched,
      paused: this.#paused,
      destination: this.#destination,
      at: new Date().toISOString(),
      hops: this.hopStats.toJSON(options),
      ...this.#identities(),
      faults: [...this.#faults].map(([ttl, f]) => ({ ttl, ...f })).sort((a, b) => a.ttl - b.ttl),
    };
  }

  /** Launches no more cycles: the run ends once those under way are settled. */
  stop(): void {
    this.#stopped = true;
  }

  step(now: number): number | "done" {
    const { settings } = this;
    const last = this.#launched >= settings.cycles || this.#stopped;
    if (!last && !this.#paused && now >= this.#nextCycleAt) {
      this.#launch(now);
      this.#nextCycleAt += settings.interval;
      // Behind by more than a cycle (a stalled process): start from now, do not burst.
      if (this.#nextCycleAt < now) this.#nextCycleAt = now + settings.interval;
    }
    if (settings.snapshots && now >= this.#nextSnapshotAt) {
      this.#push({ type: "snapshot", snapshot: this.snapshot() });
      this.#nextSnapshotAt = now + Math.max(settings.interval, TICK);
    }
    if ((this.#launched >= settings.cycles || this.#stopped) && this.#cycles.size === 0) {
      return "done";
    }
    const launching = this.#launched < settings.cycles && !this.#stopped;
    return Math.min(
      this.#paused || !launching ? now + TICK : this.#nextCycleAt,
      settings.snapshots ? this.#nextSnapshotAt : Infinity,
      now + TICK,
    );
  }

  #launch(now: number): void {
    const last = this.#destination ?? this.#setup.config.options.maxHops;
    const plan = new CyclePlan(this.#stream, this.#launched++, last, now);
    this.#cycles.add(plan);
    plan.poke = this.#prober.add(plan, (error) => {
      if (error !== null) this.fail(error);
    });
  }

  #settled(plan: CyclePlan, probe: Probe, reason: string | null): void {
    const hop = this.hopStats.hop(probe.ttl);
    if (probe.status === "answered") {
      const rtt = probe.rtt ?? 0;
      this.#largestRtt = Math.max(this.#largestRtt, rtt);
      const address = probe.address ?? "";
      hop.answered(plan.cycle, probe.flow, address, rtt);
      this.#lookUp(probe.ttl, probe.address);
      this.#follow(plan, probe);
    } else {
      hop.lost(plan.cycle, probe.flow);
      if (reason !== null) {
        const fault = this.#faults.get(probe.ttl);
        this.#faults.set(probe.ttl, { reason, cycle: plan.cycle, count: (fault?.count ?? 0) + 1 });
      }
    }
  }

  /** Follows the destination's distance from what a probe found. */
  #follow(plan: CyclePlan, probe: Probe): void {
    const target = this.#target.address;
    if (probe.final) {
      // The destination (or an unreachable): no TTL past it is probed any more.
      if (this.#destination === null || probe.ttl < this.#destination) {
        this.#destination = probe.ttl;
      }
    } else if (
      this.#destination !== null && probe.ttl === this.#destination && probe.address !== target &&
      plan.lastHop === this.#destination
    ) {
      // The TTL the destination answered at is now a router: the path grew longer.
      this.#destination = null;
    }
  }

  /**
   * Starts the name, AS and place lookups of a new responder, unless it
   * answered only at the private hops so far; a cycle never waits for them.
   */
  #lookUp(ttl: number, address: string | null): void {
    if (address === null || this.#responders.has(address)) return;
    const { lookups } = this.#setup;
    if (lookups.isPrivate(ttl, address, this.#target.address)) return;
    this.#responders.add(address);
    if (lookups.active) lookups.start(address);
  }

  /**
   * What the lookups know now of every responder (names arrive when they
   * arrive); what is not known (a lookup that failed a while ago, or expired)
   * is asked again.
   */
  #identities(): Pick<WatchSnapshot, "names" | "asPaths" | "identities" | "pending"> {
    const { lookups } = this.#setup;
    const names: Record<string, string | null> = {};
    const asPaths: Record<string, string> = {};
    const identities: Record<string, AddressIdentity> = {};
    const pending: string[] = [];
    for (const address of this.#responders) {
      if (lookups.active) lookups.start(address);
      const known = lookups.known(address);
      names[address] = known.name ?? null;
      if (known.asPath !== undefined) asPaths[address] = known.asPath;
      if (known.identity) identities[address] = known.identity;
      // Pending only until its lookups first answer: one asked again later is not.
      if (!known.pending) this.#answered.add(address);
      else if (!this.#answered.has(address)) pending.push(address);
    }
    const { asSource, geoip } = this.#setup.config.options;
    return {
      names,
      asPaths,
      ...(asSource || geoip ? { identities } : {}),
      ...(pending.length > 0 ? { pending } : {}),
    };
  }

  /** Forgets the hops past the destination once no cycle under way probes past it. */
  #trim(): void {
    const destination = this.#destination;
    if (destination === null) return;
    for (const plan of this.#cycles) if (plan.lastHop > destination) return;
    this.hopStats.dropAbove(destination);
  }

  #complete(plan: CyclePlan): void {
    this.#cycles.delete(plan);
    if (this.#trimPastDestination) this.#trim();
    const probes: CycleProbe[] = plan.probes().map((p) => ({
      ttl: p.ttl,
      flow: p.flow,
      address: p.address,
      rtt: p.rtt,
      annotation: p.annotation,
      final: p.final,
      lost: p.status !== "answered",
      reason: plan.reason(p),
    }));
    const result: CycleResult = { cycle: plan.cycle, lastHop: plan.lastHop, probes };
    this.#push({ type: "cycle", cycle: result });
  }

  #push(event: WatchEvent): void {
    this.#events.push(event);
    this.#wake?.();
    this.#wake = null;
  }

  #finish(): void {
    this.#done = true;
    this.#wake?.();
    this.#wake = null;
  }

  /** The run stopped (the prober was aborted): in-flight probes are given up. */
  abort(): void {
    for (const plan of this.#cycles) plan.abandon();
    this.#finish();
  }

  /** The run failed: its events end by throwing `error`. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.abort();
  }

  /** Whether it ended because it was stopped early (aborted). */
  get finished(): boolean {
    return this.#done;
  }

  /** The run's events, as they come: cycles as they are settled, snapshots, then the end. */
  async *events(): AsyncGenerator<WatchEvent, void, undefined> {
    let next = 0;
    while (true) {
      while (next < this.#events.length) yield this.#events[next++]!;
      this.#events.splice(0, next);
      next = 0;
      if (this.#done) break;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    if (this.#failure) throw this.#failure.error;
  }
}
