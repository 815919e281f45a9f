/**
 * The continuous mode's library entry: `watch(host, options)` probes every
 * hop again and again, keeps mtr's statistics per hop, address and flow, and
 * yields each cycle's result, a snapshot of the statistics every interval,
 * and the end. It can be paused, resumed and reset while it runs, and
 * stopped with an AbortSignal.
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { Prober } from "../engine/prober.ts";
import { Statistics, type TraceStatistics } from "../core/statistics.ts";
import { openSession, type Session } from "../session/open.ts";
import { settlePrivileges } from "../session/privileges.ts";
import { traceStart } from "../session/start.ts";
import { openTransport } from "../session/kernel.ts";
import type { TraceOptions } from "../config/options.ts";
import type { Target } from "../core/model.ts";
import type { WatchEvent, WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import { WatchRun } from "./watch_run.ts";

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

function positiveInteger(name: string, value: number | undefined, fallback: number, max: number) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new OptionError(
      name,
      `Option "${name}" must be an integer from 1 to ${max}, got ${value}`,
    );
  }
  return value;
}

/** The run's settings from its options (checked; the interval's floor is checked once privileges are known). */
function watchSettings(options: WatchOptions): WatchSettings {
  const cycles = options.cycles === undefined || options.cycles === Infinity
    ? Infinity
    : positiveInteger("cycles", options.cycles, 1, Number.MAX_SAFE_INTEGER);
  const interval = options.interval ?? 1000;
  if (typeof interval !== "number" || !(interval > 0) || !Number.isFinite(interval)) {
    throw new OptionError(
      "interval",
      `Option "interval" must be a number of ms above 0, got ${interval}`,
    );
  }
  return {
    cycles,
    interval,
    queries: positiveInteger("queries", options.queries, 1, 10),
    flows: positiveInteger("flows", options.flows, 1, MAX_WATCH_FLOWS),
    probeWait: options.wait?.max ?? null,
    simultaneous: positiveInteger("simultaneous", options.simultaneous, 256, 65535),
    history: positiveInteger("history", options.history, 64, 1024),
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
    return this.#run?.statistics.snapshot() ?? new Statistics().snapshot();
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
    const transport = openTransport(options.transport);
    let session: Session;
    try {
      session = await openSession(this.#host, {
        ...rest,
        queries: settings.queries,
        paris: (options.paris ?? false) || settings.flows > 1,
        timing: "adaptive",
      }, transport.transport);
    } catch (e) {
      transport.close();
      throw e;
    }
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    let running: Promise<void> | null = null;
    try {
      const floor = transport.transport.privileged?.() ? MIN_INTERVAL_PRIVILEGED : MIN_INTERVAL;
      if (settings.interval < floor) {
        throw new OptionError(
          "interval",
          `Option "interval" must be at least ${floor} ms${
            floor === MIN_INTERVAL ? " without root or CAP_NET_RAW" : ""
          }, got ${settings.interval}`,
        );
      }
      const { state } = settlePrivileges(
        transport.transport,
        [session],
        session.opts.dropPrivileges,
      );
      const start = traceStart({
        target: session.target,
        method: session.method,
        opts: session.opts,
        methodOptions: session.methodOptions,
        packetSize: session.packetSize,
        privileges: state,
      });
      const prober = new Prober(transport.transport);
      const run = new WatchRun(session, prober, settings);
      this.#run = run;
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.signal?.aborted) stop.abort();
      running = prober.run(stop.signal).then(
        (outcome) => {
          if (outcome === "aborted") run.abort();
        },
        (e) => run.fail(e),
      );
      yield { type: "start", start, watch: settings };
      yield* run.events();
      yield {
        type: "end",
        reason: stop.signal.aborted ? "aborted" : "done",
        snapshot: run.snapshot(),
      };
    } finally {
      stop.abort();
      await running;
      options.signal?.removeEventListener("abort", onAbort);
      session.close();
      transport.close();
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
