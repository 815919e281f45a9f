/**
 * The service (`--serve`): every configured target watched at once (a
 * watchMany run), its figures kept as cycles come, a window closed every
 * `window` ms, and the HTTP endpoints answering from the figures. It runs
 * until its signal stops it; then it stops probing, lets the requests in
 * progress finish, and closes everything.
 *
 * @module
 */
import type { Resolver } from "../lookup/resolver.ts";
import type { Transport } from "../core/transport.ts";
import {
  type WatchedTarget,
  type WatchMany,
  watchMany,
  type WatchManyOptions,
  type WatchManyTarget,
} from "../modes/watch_many.ts";
import { explainReport } from "../explain/report.ts";
import { reportToJson } from "../output/report_json.ts";
import { EventLog } from "./events.ts";
import { FleetFigureKeeper } from "./figures.ts";
import { TargetCharts } from "./charts.ts";
import { targetPage } from "./page.ts";
import { ProbeEndpoint, type ProbePolicy } from "./probe.ts";
import { ServicePrivacy } from "./privacy.ts";
import { systemResolver } from "../session/kernel.ts";
import {
  type Answerer,
  type HttpSecurity,
  type HttpService,
  type ListenAddress,
  serveHttp,
} from "./http.ts";

/** A target of the service: what to watch, and the labels of its series. */
export interface ServiceTarget extends WatchManyTarget {
  /** Extra labels on every series of the target. */
  labels?: Readonly<Record<string, string>>;
}

/** What a reload read: the targets, and the settings read that only a restart takes. */
export interface Reread {
  /** The targets, as the service takes them. */
  targets: readonly ServiceTarget[];
  /**
   * The settings that changed in the files but that a reload does not take
   * (`geoip`, `privacy`, ...), by their keys: the reload's line names them.
   */
  restartOnly?: readonly string[];
}

/** How the service runs. */
export interface ServiceSettings {
  /** Where it listens. */
  listen: ListenAddress;
  /** The targets. */
  targets: readonly ServiceTarget[];
  /** Every target's options, and the interval and rate. */
  watch: WatchManyOptions;
  /** How long a window lasts, ms. */
  window: number;
  /** hopwise's version, for `hopwise_build_info`. */
  version: string;
  /** HTTPS and authentication; plain HTTP for anyone by default. */
  security?: HttpSecurity;
  /** What `/probe` may trace; it is not served without. */
  probe?: ProbePolicy;
  /** Reads the files again (SIGHUP, `POST /-/reload`); reloading is not served without. */
  reread?: () => Promise<Reread>;
  /** Sockets to use (tests); the kernel's by default. */
  transport?: Transport;
  /** Host and reverse lookups; the system's by default. */
  resolver?: Resolver;
  /** `--privacy N`: every target's first N hops hidden in everything served (0 by default: none). */
  privacy?: number;
}

/** How often the findings are looked at for `/api/events`, ms. */
const EVENTS_EVERY = 15000;

/** A running service. */
export class Service {
  readonly #watches: WatchMany;
  readonly #keeper: FleetFigureKeeper;
  readonly #events: EventLog;
  readonly #http: HttpService;
  readonly #timers: Array<ReturnType<typeof setInterval>>;
  /** Each target's labels, by the target as shown (see {@linkcode ServicePrivacy.target}). */
  readonly #labels: Map<WatchedTarget, Readonly<Record<string, string>>>;
  readonly #privacy: ServicePrivacy;
  readonly #reread: (() => Promise<Reread>) | null;
  #reloading: Promise<unknown> = Promise.resolve();

  private constructor(
    fields: {
      watches: WatchMany;
      keeper: FleetFigureKeeper;
      events: EventLog;
      http: HttpService;
      timers: Array<ReturnType<typeof setInterval>>;
      labels: Map<WatchedTarget, Readonly<Record<string, string>>>;
      privacy: ServicePrivacy;
      reread: (() => Promise<Reread>) | null;
    },
  ) {
    this.#privacy = fields.privacy;
    this.#reread = fields.reread;
    this.#watches = fields.watches;
    this.#keeper = fields.keeper;
    this.#events = fields.events;
    this.#http = fields.http;
    this.#timers = fields.timers;
    this.#labels = fields.labels;
  }

  /**
   * Listens (a request before the targets are open is answered 503), then
   * opens every target's watch (privileges are settled once they are open):
   * an address that cannot be listened on ends the start before anything is
   * sent.
   *
   * @throws {OptionError | OptionTypeError} for invalid options
   * @throws {Deno.errors.AddrInUse} when the address is taken
   */
  static async start(settings: ServiceSettings): Promise<Service> {
    const events = new EventLog();
    const stamp = () => new Date().toISOString();
    const keeper = new FleetFigureKeeper(
      settings.version,
      (target, ttl, address) =>
        events.push({ at: stamp(), type: "path-change", target: target.entry.host, ttl, address }),
    );
    const charts = new TargetCharts();
    // --privacy: everything below sees the targets and their cycles through it, hidden.
    const privacy = new ServicePrivacy(settings.privacy ?? 0);
    // Nor is anything asked about the hidden hops: no name, AS or place question leaves.
    const watchOptions = privacy.hops > 0
      ? { ...settings.watch, privateHops: privacy.hops }
      : settings.watch;
    let answerer: Answerer | null = null;
    const http = serveHttp(settings.listen, () => answerer, settings.security);
    // watchMany takes the run's context (transport, resolver, the warning of a failing AS or place
    // source) from the options, as for any caller.
    const opening = watchMany(settings.targets, {
      ...watchOptions,
      ...(settings.transport ? { transport: settings.transport } : {}),
      ...(settings.resolver ? { resolver: settings.resolver } : {}),
    }, {
      cycle: (target, settled) => {
        const [shown, cycle] = [privacy.target(target), privacy.cycle(target, settled)];
        keeper.cycle(shown, cycle);
        charts.add(shown, cycle);
      },
      state: (target) =>
        events.push({
          at: stamp(),
          type: "target",
          target: target.entry.host,
          state: target.state === "up" ? "up" : "down",
          reason: privacy.target(target).reason,
        }),
    });
    let watches: WatchMany;
    try {
      watches = await opening;
    } catch (e) {
      await http.close();
      throw e;
    }
    const shownTargets = () => watches.targets.map((t) => privacy.target(t));
    const labels = new Map(
      shownTargets().map((t) => [t, settings.targets[t.index]?.labels ?? {}] as const),
    );
    const figures = () => keeper.figures(shownTargets(), (t) => labels.get(t) ?? {});
    const { interval: _i, rate: _r, retryInterval: _t, resolveInterval: _v, ...probeOptions } =
      watchOptions;
    const probe = settings.probe && settings.probe.allow.length > 0
      ? new ProbeEndpoint(
        settings.probe,
        settings.resolver ?? systemResolver(),
        {
          ...probeOptions,
          ...(settings.transport ? { transport: settings.transport } : {}),
        },
        settings.version,
        privacy,
      )
      : null;
    const report = (name: string) => {
      const target = shownTargets().find((t) => t.entry.host === name);
      const window = target && keeper.windowOf(target);
      if (!target?.start || !window) return null;
      return reportToJson({
        start: target.start,
        watch: target.settings,
        snapshot: window,
        endedAt: stamp(),
        reason: "done",
        statistics: target.statistics(),
        findings: explainReport(window, target.start.firstHop),
      });
    };
    const page = (name: string) => {
      const target = shownTargets().find((t) => t.entry.host === name);
      return target
        ? targetPage({
          target,
          labels: labels.get(target) ?? {},
          window: keeper.windowOf(target),
          series: charts.of(target),
          version: settings.version,
          now: stamp(),
        })
        : null;
    };
    // The service, once made: what `POST /-/reload` reloads.
    let made: Service | null = null;
    const reload = settings.reread
      ? () => made ? made.reloadFromFiles() : Promise.reject(new Error("not started"))
      : null;
    answerer = { figures, probe, events, report, targetPage: page, reload };
    const timers = [
      setInterval(() => keeper.endWindow(shownTargets()), settings.window),
      setInterval(() => events.observe(figures()), EVENTS_EVERY),
    ];
    made = new Service({
      watches,
      keeper,
      events,
      http,
      timers,
      labels,
      privacy,
      reread: settings.reread ?? null,
    });
    return made;
  }

  /** Where it listens. */
  get address(): ListenAddress {
    return this.#http.address;
  }

  /**
   * Takes a new list of targets: a target whose entry is the same as before
   * (host, options, interval, flows) keeps its watch and statistics (its
   * labels may change); the others stop, and their series leave the
   * figures; new ones start. Resolves to how many were added and removed.
   *
   * @throws {OptionError | OptionTypeError} for an invalid target (before anything changes)
   */
  async reload(targets: readonly ServiceTarget[]): Promise<{ added: number; removed: number }> {
    const key = (t: ServiceTarget) => {
      const { labels: _labels, ...entry } = t;
      return JSON.stringify(entry);
    };
    const wanted = new Map(targets.map((t) => [key(t), t] as const));
    const current = new Map(this.#watches.targets.map((t) => [key(t.entry), t] as const));
    // Every new target is checked before anything changes.
    await this.#watches.check([...wanted].filter(([k]) => !current.has(k)).map(([, t]) => t));
    let removed = 0;
    const shown = (t: WatchedTarget) => this.#privacy.target(t);
    for (const [k, watched] of current) {
      if (wanted.has(k)) continue;
      this.#watches.remove(watched);
      this.#keeper.forget(shown(watched));
      this.#labels.delete(shown(watched));
      removed++;
    }
    let added = 0;
    for (const [k, target] of wanted) {
      const kept = current.get(k);
      if (kept) {
        this.#labels.set(shown(kept), target.labels ?? {});
        continue;
      }
      this.#labels.set(shown(await this.#watches.add(target)), target.labels ?? {});
      added++;
    }
    return { added, removed };
  }

  /**
   * Reads the targets again (the files the service was started from) and
   * takes them, one reload at a time, then the AS and place databases where
   * their files have changed (a new file that cannot be used leaves the old
   * one, and says so); resolves to what changed, in words, and which changed
   * settings wait for a restart.
   *
   * @throws what reading or checking the targets throws: nothing changes then
   */
  reloadFromFiles(): Promise<string> {
    const reread = this.#reread;
    if (!reread) return Promise.reject(new Error("this service has no files to read again"));
    const next = this.#reloading.then(async () => {
      const { targets, restartOnly = [] } = await reread();
      const { added, removed } = await this.reload(targets);
      // The same databases, read again where an updater put a new file in place.
      const databases = await this.#watches.reopenDatabases();
      const waiting = restartOnly.length === 0 ? [] : [
        `${restartOnly.join(", ")} changed: ${
          restartOnly.length === 1 ? "it takes" : "they take"
        } a restart`,
      ];
      return [`reloaded: ${added} target${added === 1 ? "" : "s"} added, ${removed} removed`]
        .concat(databases, waiting).join("; ");
    });
    this.#reloading = next.catch(() => {});
    return next;
  }

  /** Stops probing, ends the event streams, finishes the requests in progress, and closes everything. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#events.close();
    await Promise.all([this.#watches.close(), this.#http.close()]);
  }
}
