/**
 * The continuous mode's library entry: `watch(host, options)` probes every
 * hop again and again, keeps mtr's statistics per hop, address and flow, and
 * yields each cycle's result (its responders' names, AS paths and identities
 * as far as they are known then), a snapshot of the statistics every
 * interval, and the end. It can be paused, resumed and reset while it runs, and
 * stopped with an AbortSignal.
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { Statistics, type TraceStatistics } from "../core/statistics.ts";
import { integerOption, numberOption } from "../config/checks.ts";
import { resolveRunConfig } from "../config/run_config.ts";
import { runContext, RunSequence } from "../session/run.ts";
import { traceStart } from "../session/start.ts";
import type { TraceOptions } from "../config/options.ts";
import type { Target } from "../core/model.ts";
import type { WatchEvent, WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import { WatchRun } from "./watch_run.ts";
import { identifyCycle } from "./cycle_identity.ts";

export type {
  CycleProbe,
  CycleResult,
  WatchEvent,
  WatchFault,
  WatchSettings,
  WatchSnapshot,
} from "../core/watch_model.ts";

/** The shortest interval for a process without privileges, ms. */
export const MIN_INTERVAL = 100;
/** The shortest interval for root or CAP_NET_RAW, ms. */
export const MIN_INTERVAL_PRIVILEGED = 10;
/** The most flows a continuous run takes. */
export const MAX_WATCH_FLOWS = 64;

/** Options of {@linkcode watch}: a trace's, and how the cycles go. */
export interface WatchOptions extends Omit<TraceOptions, "timing" | "queries"> {
  /** Cycles to run; until stopped by default. */
  cycles?: number;
  /** Time between cycle starts in ms (1000 by default; see MIN_INTERVAL). */
  interval?: number;
  /** Probes per TTL and flow in each cycle (1 by default, at most 10). */
  queries?: number;
  /** Flows: each probed every cycle, keeping its path (implies `paris`); 1 by default. */
  flows?: number;
  /** Recent cycles kept per hop for a history (64 by default, at most 1024). */
  history?: number;
  /**
   * A `snapshot` event every interval (at most every 100 ms), true by
   * default; false: only the end's (`snapshot()` still gives one on demand).
   */
  snapshots?: boolean;
}

/** The run's settings from its options (checked; the interval's floor is checked once privileges are known). */
function watchSettings(options: WatchOptions): WatchSettings {
  const cycles = options.cycles === Infinity
    ? Infinity
    : integerOption("cycles", options.cycles, Infinity, 1, Number.MAX_SAFE_INTEGER);
  return {
    cycles,
    interval: numberOption("interval", options.interval, 1000, { positive: true, unit: " of ms" }),
    queries: integerOption("queries", options.queries, 1, 1, 10),
    flows: integerOption("flows", options.flows, 1, 1, MAX_WATCH_FLOWS),
    probeWait: options.wait?.max ?? null,
    simultaneous: integerOption("simultaneous", options.simultaneous, 256, 1, 65535),
    history: integerOption("history", options.history, 64, 1, 1024),
    snapshots: options.snapshots ?? true,
  };
}

/** A continuous run: its events, and controls while it runs. */
export class WatchSession implements AsyncIterable<WatchEvent> {
  readonly #host: string | Target;
  readonly #options: WatchOptions;
  readonly #settings: WatchSettings;
  #run: WatchRun | null = null;
  #used = false;

  /** Checks the options; nothing is opened until iteration starts. */
  constructor(host: string | Target, options: WatchOptions) {
    this.#host = host;
    this.#options = options;
    this.#settings = watchSettings(options);
  }

  /** Stops launching cycles; those under way finish. */
  pause(): void {
    this.#run?.pause();
  }

  /** Launches cycles again. */
  resume(): void {
    this.#run?.resume();
  }

  /** Whether it is paused. */
  get paused(): boolean {
    return this.#run?.paused ?? false;
  }

  /** Forgets the statistics so far. */
  reset(): void {
    this.#run?.reset();
  }

  /** Launches no more cycles; the events end once those under way are settled. */
  stop(): void {
    this.#run?.stop();
  }

  /** What the run's sockets sent, read and ignored so far. */
  statistics(): TraceStatistics {
    return this.#run?.channelCounts.snapshot() ?? new Statistics().snapshot();
  }

  /** The statistics now, or null before the run has opened. */
  snapshot(): WatchSnapshot | null {
    return this.#run?.snapshot() ?? null;
  }

  /**
   * Opens the run and yields its events: `start`, `cycle` as each cycle is
   * settled, `snapshot` every interval (unless `snapshots: false`), and
   * `end`. A session runs once.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent, void, undefined> {
    if (this.#used) throw new TypeError("A WatchSession runs once");
    this.#used = true;
    const options = this.#options;
    const settings = this.#settings;
    const { cycles: _c, interval: _i, flows: _f, history: _h, snapshots: _s, ...rest } = options;
    const config = await resolveRunConfig({
      ...rest,
      queries: settings.queries,
      paris: (options.paris ?? false) || settings.flows > 1,
      timing: "adaptive",
    });
    const sequence = new RunSequence(runContext(options));
    let running: Promise<void> | null = null;
    try {
      const target = await sequence.resolve(this.#host, config.options.family);
      const setup = await sequence.open(target, config);
      const floor = sequence.transport.privileged?.() ? MIN_INTERVAL_PRIVILEGED : MIN_INTERVAL;
      if (settings.interval < floor) {
        throw new OptionError(
          "interval",
          `Option "interval" must be at least ${floor} ms${
            floor === MIN_INTERVAL ? " without root or CAP_NET_RAW" : ""
          }, got ${settings.interval}`,
        );
      }
      const { state } = sequence.settlePrivileges(config.options.dropPrivileges);
      const start = traceStart(target, setup, state);
      const run = new WatchRun(setup, target, sequence.prober, settings);
      this.#run = run;
      running = sequence.run().then(
        (outcome) => {
          if (outcome === "aborted") run.abort();
        },
        (e) => run.fail(e),
      );
      yield { type: "start", start, watch: settings };
      for await (const event of run.events()) {
        // A cycle carries what the lookups know of its responders as it is handed out.
        yield event.type === "cycle"
          ? { type: "cycle", cycle: identifyCycle(event.cycle, setup.lookups) }
          : event;
      }
      yield {
        type: "end",
        reason: sequence.signal.aborted ? "aborted" : "done",
        snapshot: run.snapshot(),
      };
    } finally {
      sequence.abort();
      await running;
      await sequence.close();
    }
  }
}

/**
 * Probes every hop to `host` again and again (a cycle every `interval`) and
 * reports mtr's statistics per hop, per address and per flow.
 *
 * @example
 * ```ts ignore
 * import { watch } from "./watch.ts";
 * const run = watch("198.18.6.2", { cycles: 10, resolveNames: false });
 * for await (const event of run) {
 *   if (event.type === "end") {
 *     for (const hop of event.snapshot.hops) console.log(hop.ttl, hop.lossPercent);
 *   }
 * }
 * ```
 *
 * @throws {OptionError | TypeError} for invalid options (when iteration starts, or at once for the run's own)
 */
export function watch(host: string | Target, options: WatchOptions = {}): WatchSession {
  return new WatchSession(host, options);
}
