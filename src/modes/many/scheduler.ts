/**
 * The schedule of a run of many: targets admitted `parallel` at a time in
 * input order, each trace sent as far at once as the median distance of
 * those done so far, the prober run whenever a trace is on it, each result
 * yielded as its trace completes, and on a stop (the caller's signal, the
 * consumer's return, or a failing prober) every trace under way aborted.
 *
 * A trace's place goes to the next target as soon as it is off the prober:
 * its names, AS numbers and places are then awaited beside the traces that
 * probe (at most {@linkcode MAX_FINISHING} of them), so lookups slow a run
 * only by what they cost, never by holding a place (a dead resolver: one
 * deadline more than `-n`, not a deadline per `parallel` targets).
 *
 * @module
 */
import type { Trace, TraceEvent } from "../../core/model.ts";
import type { RunSequence } from "../../session/run.ts";
import type { TargetEntry } from "../targets.ts";
import type { TraceRun } from "../trace_run.ts";
import { Lookahead } from "./lookahead.ts";
import type { ManyResult, ManyTally } from "./results.ts";

/**
 * How many traces off the prober may wait for their lookups at once: past
 * it no target is admitted (a bound on memory when lookups lag far behind;
 * at 10,000 traces a second and the names' 5 s deadline, it is not reached).
 */
export const MAX_FINISHING = 65_536;

/** What the schedule gives one target's trace. */
export interface Turn {
  /** Aborted when the run stops: a trace that sees it opens nothing more and reports nothing. */
  readonly signal: AbortSignal;
  /** TTLs a trace put on the prober now sends at once. */
  readonly lookahead: number;
  /** `run` is on the prober: the prober is run, and `run` is aborted if the run stops. */
  started(run: TraceRun): void;
  /**
   * `run` is off the prober (its sockets closed): its place goes to the next
   * target, and where it reached its destination (a TTL, or null) teaches
   * the lookahead.
   */
  probed(reachedAt: number | null): void;
}

/** A completed trace, with its events when they are kept. */
export interface TargetTrace {
  /** The whole trace. */
  trace: Trace;
  /** Its events in print order, or null. */
  events: TraceEvent[] | null;
}

/**
 * Traces one target in its turn: null when the run stopped before the
 * trace began.
 */
export type TraceTarget = (entry: TargetEntry, turn: Turn) => Promise<TargetTrace | null>;

/** How a schedule runs. */
export interface ScheduleSettings {
  /** Targets at once. */
  parallel: number;
  /** Traces one target. */
  trace: TraceTarget;
  /** The caller's stop: the run stops, and traces under way are not yielded. */
  signal?: AbortSignal | undefined;
}

/** Targets traced `parallel` at a time on one run sequence, results as they complete. */
export class ManyScheduler {
  /** What the traces came to so far. */
  readonly tally: ManyTally = { traced: 0, reached: 0, failed: 0, probes: 0 };
  readonly #sequence: RunSequence;
  readonly #settings: ScheduleSettings;
  readonly #lookahead = new Lookahead();
  /** Results not yet yielded. */
  readonly #done: ManyResult[] = [];
  /** Traces on the prober, aborted when the run stops. */
  readonly #runs = new Set<TraceRun>();
  /** Targets resolving, opening or probing: at most `parallel`. */
  #active = 0;
  /** Traces off the prober, waiting for their lookups. */
  #finishing = 0;
  /** The prober's run under way, or null. */
  #running: Promise<unknown> | null = null;
  /** What the prober failed with: the run ends by throwing it. */
  #fatal: { error: unknown } | null = null;
  /**
   * A trace that ends while the loop is not waiting (it yields, and the
   * consumer prints) must not be missed: `#changed` says the loop is to look
   * again before it waits.
   */
  #changed = false;
  #wake: (() => void) | null = null;

  /** A schedule of the traces of `sequence`. */
  constructor(sequence: RunSequence, settings: ScheduleSettings) {
    this.#sequence = sequence;
    this.#settings = settings;
  }

  #notify(): void {
    this.#changed = true;
    this.#wake?.();
    this.#wake = null;
  }

  /** Runs the prober while a trace is on it, unless it runs already or the run stopped. */
  #drive(): void {
    const sequence = this.#sequence;
    if (this.#running || sequence.prober.active === 0 || sequence.signal.aborted) return;
    this.#running = sequence.run().then(
      (outcome) => {
        this.#running = null;
        if (outcome === "aborted") this.#notify();
        else this.#drive();
      },
      (e) => {
        this.#running = null;
        this.#fatal ??= { error: e };
        this.#notify();
      },
    );
  }

  /** Traces `entry`, and puts its result with the others to yield. */
  async #start(entry: TargetEntry): Promise<void> {
    this.#active++;
    let probing = true;
    const mine: { run: TraceRun | null } = { run: null };
    const lookahead = this.#lookahead;
    const turn: Turn = {
      signal: this.#sequence.signal,
      get lookahead() {
        return lookahead.ttls;
      },
      started: (run) => {
        mine.run = run;
        this.#runs.add(run);
        this.#drive();
      },
      probed: (reachedAt) => {
        if (!probing) return;
        probing = false;
        if (reachedAt !== null) lookahead.reached(reachedAt);
        this.#active--;
        this.#finishing++;
        this.#notify();
      },
    };
    try {
      const traced = await this.#settings.trace(entry, turn);
      if (traced) this.#completed(entry, traced);
    } catch (e) {
      this.tally.failed++;
      this.#done.push({
        entry,
        trace: null,
        error: e instanceof Error ? e : new Error(String(e)),
        events: null,
      });
    } finally {
      if (mine.run) this.#runs.delete(mine.run);
      if (probing) this.#active--;
      else this.#finishing--;
      this.#notify();
    }
  }

  /** Counts a completed trace; yields it unless the run stopped it. */
  #completed(entry: TargetEntry, { trace, events }: TargetTrace): void {
    const { tally } = this;
    tally.probes += trace.statistics.sent;
    if (trace.reason === "aborted") return;
    tally.traced++;
    if (trace.reason === "reached") tally.reached++;
    this.#done.push({ entry, trace, error: null, events });
  }

  /**
   * Traces every entry of `list`, yielding each result as its trace
   * completes; returns what `end` makes of whether the run was stopped.
   * Stops at once when the caller's signal aborts (or the consumer returns):
   * traces on the prober are aborted and not yielded; those off it are
   * yielded with what is known of their lookups.
   *
   * @throws what the prober failed with
   */
  async *run<R>(
    list: readonly TargetEntry[],
    end: (aborted: boolean) => R,
  ): AsyncGenerator<ManyResult, R, undefined> {
    const sequence = this.#sequence;
    const { signal } = sequence;
    const caller = this.#settings.signal;
    // The loop may be waiting with no trace probing (every target resolving): wake it.
    const onAbort = () => {
      sequence.abort();
      this.#notify();
    };
    caller?.addEventListener("abort", onAbort, { once: true });
    if (caller?.aborted) sequence.abort();
    const { parallel } = this.#settings;
    let next = 0;
    try {
      while (true) {
        while (
          !signal.aborted && !this.#fatal && this.#active < parallel &&
          this.#finishing < MAX_FINISHING && next < list.length
        ) {
          void this.#start(list[next++]!);
        }
        while (this.#done.length > 0) yield this.#done.shift()!;
        if (this.#fatal) throw this.#fatal.error;
        // Stopped: the traces off the prober are yielded with what is known of their lookups.
        if (
          signal.aborted
            ? this.#finishing === 0
            : next >= list.length && this.#active === 0 && this.#finishing === 0
        ) break;
        if (!this.#changed) await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#changed = false;
      }
      return end(signal.aborted);
    } finally {
      sequence.abort();
      await this.#running;
      for (const run of this.#runs) run.abort();
      caller?.removeEventListener("abort", onAbort);
    }
  }
}
