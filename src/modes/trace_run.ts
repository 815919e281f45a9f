/**
 * One trace on a prober: its slots, its timing plan, and its results turned
 * into events strictly in print order. Reverse lookups (and AS lookups)
 * start as soon as a reply arrives, so they never hold up probing; a result
 * waits for its names only when it is its turn to be yielded.
 *
 * Several traces may run on one prober (`--compare`, `--explain`'s
 * companion); each is its own stream of events.
 *
 * @module
 */
import { Statistics, type TraceStatistics } from "../core/statistics.ts";
import type { Channel } from "../engine/channel.ts";
import type { Prober } from "../engine/prober.ts";
import type { TraceSetup } from "../session/open.ts";
import type { PrivilegeState } from "../session/privileges.ts";
import { traceStart } from "../session/start.ts";
import type {
  Hop,
  ProbeResult,
  StopReason,
  Target,
  Trace,
  TraceEvent,
  TraceStart,
} from "../core/model.ts";
import { AdaptivePlan } from "./adaptive_plan.ts";
import { ClassicPlan } from "./classic_plan.ts";
import { TraceSlots } from "./trace_slots.ts";

/** A trace under way on a prober. */
export class TraceRun {
  /** The facts of its `start` event. */
  readonly start: TraceStart;
  /** What its channel sent and read. */
  readonly statistics: Statistics;
  readonly #setup: TraceSetup;
  readonly #released: ProbeResult[] = [];
  #wake: (() => void) | null = null;
  /** Settled when the trace is off the prober ({@linkcode ended}). */
  readonly #ended = Promise.withResolvers<void>();
  #reason: StopReason | null = null;
  readonly #shared: boolean;
  /** Its probes, until it is off the prober (a run of many keeps ended traces while names come). */
  #slots: TraceSlots | null;
  /** Over a shared channel, its own counts, taken as it left the prober. */
  #ownCounts: TraceStatistics | null = null;
  #failure: { error: unknown } | null = null;

  /**
   * Puts the trace to `target` through `setup` on `prober`; it runs when the
   * prober does. A setup that serves any target of a family (a run of many)
   * sends through `run.channel`, its channel on the prober, which stays;
   * `run.lookahead` is how far the trace sends at once before answers come.
   */
  constructor(
    setup: TraceSetup,
    target: Target,
    prober: Prober,
    privileges: PrivilegeState,
    run: { channel?: Channel; lookahead?: number } = {},
  ) {
    this.#setup = setup;
    const { options, timing } = setup.config;
    this.start = traceStart(target, setup, privileges);
    this.statistics = new Statistics();
    const shared = run.channel !== undefined;
    this.#shared = shared;
    const channel = run.channel ??
      prober.open(setup.methodSession, setup.channelSettings, this.statistics);
    const slots = new TraceSlots(
      {
        firstHop: options.firstHop,
        maxHops: options.maxHops,
        queries: options.queries,
        simultaneous: timing.simultaneous,
        wait: { ...timing.wait, adaptive: timing.timing === "adaptive" },
        target: shared ? target.address : null,
        ...(run.lookahead !== undefined ? { lookahead: run.lookahead } : {}),
      },
      channel,
      {
        release: (probe) => {
          this.#released.push(probe.result());
          this.#notify();
        },
        answered: (probe) => this.#lookUp(probe.ttl, probe.address),
      },
    );
    const plan = timing.timing === "adaptive" ? new AdaptivePlan(slots) : new ClassicPlan(slots);
    this.#slots = slots;
    slots.poke = prober.add(plan, (error) => {
      if (!shared) prober.remove(channel);
      if (error !== null) this.fail(error);
      else this.#finish(plan.reason ?? "aborted");
    });
  }

  /**
   * Starts the name, AS and place lookups of a responder (the process's
   * caches share them), unless it is one of the private hops.
   */
  #lookUp(ttl: number, address: string | null): void {
    const { lookups } = this.#setup;
    if (address === null || !lookups.active) return;
    if (!lookups.isPrivate(ttl, address, this.start.target.address)) lookups.start(address);
  }

  /**
   * Fills `result`'s name, AS path and identity from what is known now:
   * true, or false when a lookup is still to be waited for. A private hop's
   * stay unknown (nothing was asked). Without a promise: a run of many fills
   * every probe's result.
   */
  #filledNow(result: ProbeResult): boolean {
    const { lookups } = this.#setup;
    const { address } = result;
    return (address !== null &&
      lookups.isPrivate(result.ttl, address, this.start.target.address)) ||
      lookups.fillNow(result);
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = null;
  }

  #finish(reason: StopReason): void {
    this.#reason ??= reason;
    if (this.#slots) {
      if (this.#shared) this.#ownCounts = countsOf(this.#slots);
      this.#slots = null;
    }
    this.#notify();
    this.#ended.resolve();
  }

  /**
   * Resolves when the trace is off the prober: it ended, was stopped, or
   * failed. Its names and the like may still be under way.
   */
  ended(): Promise<void> {
    return this.#ended.promise;
  }

  /**
   * How far the destination was, once the trace reached it: its TTL (the
   * last hop's), or null while it runs or when it ended otherwise.
   */
  get reachedAt(): number | null {
    if (this.#reason !== "reached") return null;
    return this.#released.at(-1)?.ttl ?? this.#setup.config.options.maxHops;
  }

  /** The run stopped before the trace ended (the prober was aborted). */
  abort(): void {
    this.#finish("aborted");
  }

  /** The trace failed: its events end by throwing `error`. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#finish("aborted");
  }

  /**
   * The trace's events, in print order: `start`, each `probe` as its result
   * is settled, a `hop` after each hop's last probe, and `end`; the return
   * value is the whole trace. Once `stop` aborts, a result still waiting for
   * its lookups takes what is known of them.
   *
   * @throws {SystemError} (or what else the run failed with)
   */
  async *events(stop?: AbortSignal): AsyncGenerator<TraceEvent, Trace, undefined> {
    const { queries } = this.#setup.config.options;
    const { lookups } = this.#setup;
    const hops: Hop[] = [];
    yield { type: "start", ...this.start };
    let next = 0;
    while (true) {
      while (next < this.#released.length) {
        const result = this.#released[next++]!;
        if (!this.#filledNow(result)) await lookups.fill(result, stop);
        const hop = addToHops(hops, result);
        yield { type: "probe", probe: result };
        if (result.index === queries - 1) yield { type: "hop", hop };
      }
      if (this.#reason !== null) break;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    if (this.#failure) throw this.#failure.error;
    const trace = this.#trace(hops, this.#reason);
    yield {
      type: "end",
      reason: trace.reason,
      endedAt: trace.endedAt,
      statistics: trace.statistics,
    };
    return trace;
  }

  /**
   * The whole trace once it has ended, without events: what {@linkcode events}
   * returns, for a caller that wants only the trace (a run of many targets
   * printing blocks or JSON lines); it waits once, not once a probe. Once
   * `stop` aborts, what still waits for its lookups takes what is known.
   *
   * @throws {SystemError} (or what else the run failed with)
   */
  async whole(stop?: AbortSignal): Promise<Trace> {
    await this.#ended.promise;
    if (this.#failure) throw this.#failure.error;
    const { lookups } = this.#setup;
    const hops: Hop[] = [];
    for (const released of this.#released) {
      // Filled in place: at once when everything is known (most results of a run of many).
      if (!this.#filledNow(released)) await lookups.fill(released, stop);
      addToHops(hops, released);
    }
    return this.#trace(hops, this.#reason ?? "aborted");
  }

  /** The trace of `hops`, ended now for `reason`. */
  #trace(hops: Hop[], reason: StopReason): Trace {
    const endedAt = new Date().toISOString();
    const statistics = this.#shared
      ? this.#ownCounts ?? countsOf(null)
      : this.statistics.snapshot();
    return { ...this.start, hops, reason, endedAt, statistics };
  }
}

/** Puts `result` in its hop, the last of `hops` or a new one; returns that hop. */
/**
 * What a trace sent and had answered, counted from its probes (`slots`; none
 * for null): over a shared channel what was read and ignored belongs to no
 * one trace.
 */
function countsOf(slots: TraceSlots | null): TraceStatistics {
  let sent = 0;
  let matched = 0;
  const table = slots?.table;
  for (let i = 0; table && i < table.size; i++) {
    const p = table.peek(i);
    if (!p || p.status === "unsent") continue;
    sent++;
    if (p.status === "answered") matched++;
  }
  return { sent, received: matched, matched, socketErrors: 0, ignored: {} };
}

function addToHops(hops: Hop[], result: ProbeResult): Hop {
  let hop = hops.at(-1);
  if (!hop || hop.ttl !== result.ttl) {
    hop = { ttl: result.ttl, probes: [] };
    hops.push(hop);
  }
  hop.probes.push(result);
  return hop;
}
