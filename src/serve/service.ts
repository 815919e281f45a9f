/**
 * The service (`--serve`): every configured target watched at once (a
 * watchMany run), its figures kept as cycles come, a window closed every
 * `window` ms, and the HTTP endpoints answering from the figures. It runs
 * until its signal stops it; then it stops probing, lets the requests in
 * progress finish, and closes everything.
 *
 * @module
 */
import type { FleetFigures } from "../core/fleet_model.ts";
import type { Resolver } from "../lookup/resolver.ts";
import type { Transport } from "../core/transport.ts";
import {
  type WatchedTarget,
  WatchMany,
  type WatchManyOptions,
  type WatchManyTarget,
} from "../modes/watch_many.ts";
import { FleetFigureKeeper } from "./figures.ts";
import { type HttpSecurity, type HttpService, type ListenAddress, serveHttp } from "./http.ts";

/** A target of the service: what to watch, and the labels of its series. */
export interface ServiceTarget extends WatchManyTarget {
  /** Extra labels on every series of the target. */
  labels?: Readonly<Record<string, string>>;
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
  /** Sockets to use (tests); the kernel's by default. */
  transport?: Transport;
  /** Host and reverse lookups; the system's by default. */
  resolver?: Resolver;
}

/** A running service. */
export class Service {
  readonly #watches: WatchMany;
  readonly #keeper: FleetFigureKeeper;
  readonly #http: HttpService;
  readonly #windowTimer: ReturnType<typeof setInterval>;
  readonly #labels: Map<WatchedTarget, Readonly<Record<string, string>>>;

  private constructor(
    watches: WatchMany,
    keeper: FleetFigureKeeper,
    http: HttpService,
    windowTimer: ReturnType<typeof setInterval>,
    labels: Map<WatchedTarget, Readonly<Record<string, string>>>,
  ) {
    this.#watches = watches;
    this.#keeper = keeper;
    this.#http = http;
    this.#windowTimer = windowTimer;
    this.#labels = labels;
  }

  /**
   * Opens every target's watch (privileges are settled once they are open),
   * then listens.
   *
   * @throws {OptionError | OptionTypeError} for invalid options
   * @throws {Deno.errors.AddrInUse} when the address is taken
   */
  static async start(settings: ServiceSettings): Promise<Service> {
    const keeper = new FleetFigureKeeper(settings.version);
    const watches = await WatchMany.open(settings.targets, settings.watch, {
      cycle: (target, cycle) => keeper.cycle(target, cycle),
    }, {
      ...(settings.transport ? { transport: settings.transport } : {}),
      ...(settings.resolver ? { resolver: settings.resolver } : {}),
    });
    const labels = new Map(
      watches.targets.map((t) => [t, settings.targets[t.index]?.labels ?? {}] as const),
    );
    const figures = () => keeper.figures(watches.targets, (t) => labels.get(t) ?? {});
    let http: HttpService;
    try {
      http = serveHttp(settings.listen, figures, settings.security);
    } catch (e) {
      await watches.close();
      throw e;
    }
    const windowTimer = setInterval(() => keeper.endWindow(watches.targets), settings.window);
    return new Service(watches, keeper, http, windowTimer, labels);
  }

  /** Where it listens. */
  get address(): ListenAddress {
    return this.#http.address;
  }

  /** Everything it knows now. */
  figures(): FleetFigures {
    return this.#keeper.figures(this.#watches.targets, (t) => this.#labels.get(t) ?? {});
  }

  /** Stops probing, finishes the requests in progress, and closes everything. */
  async close(): Promise<void> {
    clearInterval(this.#windowTimer);
    await Promise.all([this.#watches.close(), this.#http.close()]);
  }
}
