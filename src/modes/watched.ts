/**
 * One target of a run of many watches: what a caller gives (the target and
 * the options it differs in), what the run shows of it, and its watch's
 * settings and configuration, checked and resolved before anything is
 * opened.
 *
 * @module
 */
import type { CycleResult, WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import type { Target, TraceStart } from "../core/model.ts";
import { Statistics, type TraceStatistics } from "../core/statistics.ts";
import { integerOption } from "../config/checks.ts";
import type { TraceOptions } from "../config/options.ts";
import { resolveRunConfig, type RunConfig } from "../config/run_config.ts";
import type { Channel } from "../engine/channel.ts";
import type { TraceSetup } from "../session/open.ts";
import type { WatchRun } from "./watch_run.ts";

/** One target to watch, with the options it differs in. */
export interface WatchManyTarget {
  /** A name or an address. */
  host: string;
  /** Its own options, over the run's (method, port, queries, first and largest TTL, ...). */
  options?: TraceOptions;
  /** Its own time between cycles, ms. */
  interval?: number;
  /** Its own flows (each probed every cycle, keeping its path). */
  flows?: number;
}

/** Options of {@linkcode watchMany}: every target's trace options, and how the cycles go. */
export interface WatchManyOptions extends Omit<TraceOptions, "timing"> {
  /** Time between one target's cycles, ms (10,000 by default). */
  interval?: number;
  /** Probes sent per second at most, by all targets together (100 by default; 0: no cap). */
  rate?: number;
  /** How long a target that is down waits before it is tried again, ms (30,000 by default). */
  retryInterval?: number;
  /**
   * How often a target given by name is resolved again, ms (300,000 by
   * default): when its address has changed, its watch starts over at the new one.
   */
  resolveInterval?: number;
}

/** A watched target's state. */
export type WatchedState = "starting" | "up" | "down";

/** One watched target, as the run sees it now. */
export interface WatchedTarget {
  /** Its place in the list given. */
  readonly index: number;
  /** As given. */
  readonly entry: WatchManyTarget;
  /** Whether it is probed. */
  readonly state: WatchedState;
  /** Why it is down, or null. */
  readonly reason: string | null;
  /** What it resolved to, or null. */
  readonly target: Target | null;
  /** Its run's start facts, once up. */
  readonly start: TraceStart | null;
  /** Its run's settings. */
  readonly settings: WatchSettings;
  /**
   * Its statistics now (since the last reset), or null while it is not up;
   * with `history: false`, without the hops' latest outcomes.
   */
  snapshot(options?: { history?: boolean }): WatchSnapshot | null;
  /** What its sockets sent, read and ignored since it came up. */
  statistics(): TraceStatistics;
  /** Forgets its statistics so far (a new window). */
  reset(): void;
}

/** What a caller hears while the run goes on. */
export interface WatchManyListener {
  /** A target's cycle was settled. */
  cycle?(target: WatchedTarget, cycle: CycleResult): void;
  /** A target went up or down. */
  state?(target: WatchedTarget): void;
}

/** The largest number of targets one run watches. */
export const MAX_WATCHED_TARGETS = 10000;

/** One target under watch (the run's own record of it). */
export class Watched implements WatchedTarget {
  state: WatchedState = "starting";
  reason: string | null = null;
  target: Target | null = null;
  start: TraceStart | null = null;
  run: WatchRun | null = null;
  setup: TraceSetup | null = null;
  /** The channel of a setup shared by many targets (not the target's own to close), or null. */
  sharedChannel: Channel | null = null;
  retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly index: number,
    readonly entry: WatchManyTarget,
    readonly config: RunConfig,
    readonly settings: WatchSettings,
  ) {}

  snapshot(options: { history?: boolean } = {}): WatchSnapshot | null {
    return this.run?.snapshot(options) ?? null;
  }

  statistics(): TraceStatistics {
    return this.run?.channelCounts.snapshot() ?? new Statistics().snapshot();
  }

  reset(): void {
    this.run?.reset();
  }
}

/** The options every target shares. */
export type SharedOptions = Omit<
  WatchManyOptions,
  "interval" | "rate" | "retryInterval" | "resolveInterval"
>;

/** A target's watch, its options checked and resolved; nothing opened. */
export async function prepare(
  index: number,
  entry: WatchManyTarget,
  base: SharedOptions,
  interval: number,
): Promise<Watched> {
  const own = { ...base, ...entry.options };
  const flows = integerOption("flows", entry.flows, 1, 1, 64);
  const settings: WatchSettings = {
    cycles: Infinity,
    interval: entry.interval ?? interval,
    queries: integerOption("queries", own.queries, 1, 1, 10),
    flows,
    probeWait: own.wait?.max ?? null,
    simultaneous: 256,
    // The latest outcomes feed the live screen only, which many watches have not: one kept.
    history: 1,
    snapshots: false,
  };
  const config = await resolveRunConfig({
    ...own,
    queries: settings.queries,
    paris: (own.paris ?? false) || flows > 1,
    timing: "adaptive",
  });
  return new Watched(index, entry, config, settings);
}
