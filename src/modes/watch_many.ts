/**
 * Many targets watched at once, until stopped (what `--serve` runs): one
 * continuous run per target, every one on one prober under one rate cap,
 * their cycles spread over the interval so that targets do not all probe at
 * the same instant. A target that does not resolve or open is down, with its
 * reason, and is tried again; the others go on. Nothing here knows HTTP: a
 * caller hears each cycle and each change of state, and reads each target's
 * statistics when it wants them.
 *
 * @module
 */
import type { TraceStart } from "../core/model.ts";
import { integerOption, numberOption } from "../config/checks.ts";
import type { RunConfig } from "../config/run_config.ts";
import type { Channel } from "../engine/channel.ts";
import type { Family } from "../packet/address.ts";
import type { TraceSetup } from "../session/open.ts";
import { type RunContext, RunSequence } from "../session/run.ts";
import { traceStart } from "../session/start.ts";
import { WatchRun } from "./watch_run.ts";

export {
  MAX_WATCHED_TARGETS,
  type WatchedState,
  type WatchedTarget,
  type WatchManyListener,
  type WatchManyOptions,
  type WatchManyTarget,
} from "./watched.ts";
import {
  MAX_WATCHED_TARGETS,
  prepare,
  type SharedOptions,
  type Watched,
  type WatchedTarget,
  type WatchManyListener,
  type WatchManyOptions,
  type WatchManyTarget,
} from "./watched.ts";

/** A run of many watches: its targets, and how to stop it. */
export class WatchMany {
  readonly #watched: Watched[];
  readonly #base: SharedOptions;
  readonly #interval: number;
  #nextIndex: number;
  readonly #sequence: RunSequence;
  readonly #listener: WatchManyListener;
  readonly #retryInterval: number;
  /** Setups that serve many targets over one socket (ICMP), by family and options. */
  readonly #shared = new Map<string, { setup: TraceSetup; channel: Channel } | null>();
  #running: Promise<unknown> | null = null;
  #resolveTimer: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  private constructor(
    watched: Watched[],
    sequence: RunSequence,
    listener: WatchManyListener,
    timing: { retryInterval: number; interval: number; base: SharedOptions },
  ) {
    const { retryInterval } = timing;
    this.#watched = watched;
    this.#base = timing.base;
    this.#interval = timing.interval;
    this.#nextIndex = watched.length;
    this.#sequence = sequence;
    this.#listener = listener;
    this.#retryInterval = retryInterval;
  }

  /**
   * Checks every target's options, opens what every target needs (a target
   * that does not resolve or open is down and tried again later), settles
   * the process's privileges once, and starts probing.
   *
   * @throws {OptionError | OptionTypeError} for invalid options (before anything is opened)
   */
  static async open(
    targets: readonly WatchManyTarget[],
    options: WatchManyOptions = {},
    listener: WatchManyListener = {},
    context: RunContext = {},
  ): Promise<WatchMany> {
    const {
      interval: askedInterval,
      rate: askedRate,
      retryInterval: askedRetry,
      resolveInterval: askedResolve,
      ...base
    } = options;
    const resolveInterval = numberOption("resolveInterval", askedResolve, 300000, {
      positive: true,
      unit: " of ms",
    });
    const interval = numberOption("interval", askedInterval, 10000, {
      positive: true,
      unit: " of ms",
    });
    const rate = numberOption("rate", askedRate, 100, {
      finite: true,
      unit: " of probes a second",
    });
    const retryInterval = numberOption("retryInterval", askedRetry, 30000, {
      positive: true,
      unit: " of ms",
    });
    integerOption("targets", targets.length, 0, 1, MAX_WATCHED_TARGETS);
    // Every target's configuration is resolved (and so checked) before anything is opened.
    const watched: Watched[] = [];
    for (const [index, entry] of targets.entries()) {
      watched.push(await prepare(index, entry, base, interval));
    }
    const sequence = new RunSequence({
      ...context,
      prober: rate > 0 ? { rate, burst: Math.max(1, Math.ceil(rate / 100)) } : {},
    });
    const many = new WatchMany(watched, sequence, listener, { retryInterval, interval, base });
    try {
      for (const w of watched) await many.#open(w);
      // Privileges go only when nothing opened later will need them: every target is up.
      const drop = (base.dropPrivileges ?? false) && watched.every((w) => w.state === "up");
      const { state } = sequence.settlePrivileges(drop);
      for (const w of watched) many.#begin(w, state);
    } catch (e) {
      await many.close();
      throw e;
    }
    many.#resolveTimer = setInterval(() => void many.#resolveAgain(), resolveInterval);
    many.#drive();
    return many;
  }

  /**
   * The setup that serves every target of `family` with `config`'s method
   * options over one socket, opened on first use; null where the method
   * cannot share one (each target then opens its own). Sharing matters at
   * scale: a thousand raw ICMP sockets would each receive every ICMP answer.
   */
  async #sharedSetup(config: RunConfig, family: Family) {
    const { firstHop: _f, maxHops: _m, queries: _q, ...socketOptions } = config.options;
    const key = `${family} ${JSON.stringify(socketOptions)} ${config.keywordWords.join(" ")}`;
    if (!this.#shared.has(key)) {
      const setup = await this.#sequence.openShared(family, config);
      this.#shared.set(
        key,
        setup && {
          setup,
          channel: this.#sequence.prober.open(setup.methodSession, setup.channelSettings),
        },
      );
    }
    return this.#shared.get(key) ?? null;
  }

  /** Resolves and opens one target; on failure it is down, and tried again later. */
  async #open(w: Watched): Promise<void> {
    try {
      const target = await this.#sequence.resolve(w.entry.host, w.config.options.family);
      const shared = await this.#sharedSetup(w.config, target.family);
      w.setup = shared?.setup ?? await this.#sequence.open(target, w.config);
      w.sharedChannel = shared?.channel ?? null;
      w.target = target;
    } catch (e) {
      this.#down(w, e instanceof Error ? e.message : String(e));
    }
  }

  /** Puts an opened target's watch on the prober, its first cycle spread over the interval. */
  #begin(w: Watched, privileges: TraceStart["settings"]["privileges"]): void {
    if (!w.setup || !w.target || this.#closed) return;
    const n = this.#watched.length;
    const spread = n > 1 ? ((w.index % n) / n) * w.settings.interval : 0;
    w.start = traceStart(w.target, w.setup, privileges);
    const run = new WatchRun(w.setup, w.target, this.#sequence.prober, w.settings, {
      firstCycleIn: spread,
      shared: w.sharedChannel,
      trimPastDestination: true,
    });
    w.run = run;
    w.state = "up";
    w.reason = null;
    this.#listener.state?.(w);
    void this.#follow(w, run);
    this.#drive();
  }

  /** Runs the prober while any watch is on it (it stops when every target is down). */
  #drive(): void {
    if (this.#running || this.#closed || this.#sequence.prober.active === 0) return;
    this.#running = this.#sequence.run().then(
      () => {
        this.#running = null;
        this.#drive();
      },
      (e) => {
        this.#running = null;
        for (const w of this.#watched) {
          if (w.run) this.#down(w, e instanceof Error ? e.message : String(e));
        }
      },
    );
  }

  /** Hands every cycle of `run` to the listener; a run that fails is down and tried again. */
  async #follow(w: Watched, run: WatchRun): Promise<void> {
    try {
      for await (const event of run.events()) {
        if (event.type === "cycle") this.#listener.cycle?.(w, event.cycle);
      }
    } catch (e) {
      if (w.run === run) this.#down(w, e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Resolves every target given by name again; one whose address has
   * changed starts over at the new address (a lookup that fails leaves it as
   * it is: a resolver that hiccups does not take a working target down).
   */
  async #resolveAgain(): Promise<void> {
    for (const w of [...this.#watched]) {
      if (this.#closed || w.state !== "up" || !w.target || w.target.address === w.entry.host) {
        continue;
      }
      let address: string;
      try {
        address = (await this.#sequence.resolve(w.entry.host, w.config.options.family)).address;
      } catch {
        continue;
      }
      if (address === w.target.address || !this.#watched.includes(w) || w.state !== "up") continue;
      this.#retire(w);
      w.state = "starting";
      await this.#open(w);
      this.#begin(w, this.#sequence.privileges.state);
    }
  }

  /** Marks a target down with `reason`, and tries it again after the retry interval. */
  #down(w: Watched, reason: string): void {
    w.state = "down";
    w.reason = reason;
    this.#retire(w);
    this.#listener.state?.(w);
    if (this.#closed) return;
    w.retryTimer = setTimeout(() => {
      w.retryTimer = null;
      if (!this.#watched.includes(w)) return;
      void this.#open(w).then(() => this.#begin(w, this.#sequence.privileges.state));
    }, this.#retryInterval);
  }

  /**
   * Reads the AS and place databases again where their files have changed
   * (an updater put a new file in place): one line for each read again, or
   * why its new file cannot be used (the one read before then stays).
   */
  reopenDatabases(): Promise<string[]> {
    return this.#sequence.lookups.reopenDatabases();
  }

  /** Every target, in the order given (those added later last). */
  get targets(): readonly WatchedTarget[] {
    return [...this.#watched];
  }

  /**
   * Checks `entries` as {@linkcode add} would, opening nothing.
   *
   * @throws {OptionError | OptionTypeError} for the first invalid one
   */
  async check(entries: readonly WatchManyTarget[]): Promise<void> {
    for (const entry of entries) await prepare(-1, entry, this.#base, this.#interval);
  }

  /**
   * Adds a target to the run: its options checked, its sockets opened and
   * its watch put on the prober (or it is down, and tried again, when it
   * cannot open: a method that needs the privileges the run has dropped).
   *
   * @throws {OptionError | OptionTypeError} for invalid options (nothing is opened)
   */
  async add(entry: WatchManyTarget): Promise<WatchedTarget> {
    const w = await prepare(this.#nextIndex++, entry, this.#base, this.#interval);
    if (this.#closed) return w;
    this.#watched.push(w);
    await this.#open(w);
    this.#begin(w, this.#sequence.privileges.state);
    return w;
  }

  /** Stops watching `target` and closes its sockets; it leaves {@linkcode targets}. */
  remove(target: WatchedTarget): void {
    const at = this.#watched.findIndex((w) => w === target);
    if (at < 0) return;
    const [w] = this.#watched.splice(at, 1);
    if (!w) return;
    if (w.retryTimer !== null) clearTimeout(w.retryTimer);
    w.retryTimer = null;
    this.#retire(w);
  }

  /**
   * Ends a target's watch (its cycles under way given up) and closes its own
   * sockets (a shared setup stays for the others).
   */
  #retire(w: Watched): void {
    w.run?.stop();
    w.run?.abort();
    w.run = null;
    if (w.setup && w.sharedChannel === null) this.#sequence.release(w.setup);
    w.setup = null;
    w.sharedChannel = null;
  }

  /** Stops every watch, waits for the prober, and closes every socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#resolveTimer !== null) clearInterval(this.#resolveTimer);
    for (const w of this.#watched) {
      if (w.retryTimer !== null) clearTimeout(w.retryTimer);
      w.run?.stop();
    }
    this.#sequence.abort();
    await this.#running;
    for (const w of this.#watched) w.run?.abort();
    await this.#sequence.close();
  }
}

/**
 * Watches every target until `close()` (a cycle per target every
 * `interval`), telling `listener` of each cycle and each change of state.
 *
 * @example
 * ```ts ignore
 * import { watchMany } from "../../mod.ts";
 * const run = await watchMany([{ host: "198.18.6.2" }, { host: "198.18.7.2" }], {
 *   interval: 1000,
 *   resolveNames: false,
 * }, { cycle: (t, c) => console.log(t.entry.host, c.cycle) });
 * setTimeout(() => run.close(), 10_000);
 * ```
 *
 * @throws {OptionError | OptionTypeError} for invalid options (before anything is opened)
 */
export function watchMany(
  targets: readonly WatchManyTarget[],
  options: WatchManyOptions = {},
  listener: WatchManyListener = {},
): Promise<WatchMany> {
  const { transport, resolver, warn, ...rest } = options;
  return WatchMany.open(targets, rest, listener, {
    ...(transport ? { transport } : {}),
    ...(resolver ? { resolver } : {}),
    ...(warn ? { warn } : {}),
  });
}
