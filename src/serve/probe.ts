/**
 * `/probe?target=HOST[&method=NAME&cycles=N]`: the multi-target exporter
 * pattern (as the blackbox exporter's): one short watch of a target that the
 * configuration allows, answered as metrics when it ends. The target is
 * resolved here, once, and its address checked against the allow-list
 * before anything is sent; the watch is given that address, so no second
 * lookup can lead it anywhere else. At most `maxConcurrent` run at once.
 *
 * @module
 */
import type { FleetFigures } from "../core/fleet_model.ts";
import type { MethodName, Target, TraceStart } from "../core/model.ts";
import type { WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import type { Resolver } from "../lookup/resolver.ts";
import { findMethod } from "../methods/mod.ts";
import { watch, type WatchOptions } from "../modes/watch.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";
import { allowed, type AllowRule } from "./allow.ts";
import { FleetFigureKeeper } from "./figures.ts";
import { ServicePrivacy } from "./privacy.ts";

/** Cycles of a probe when the request does not say. */
export const PROBE_CYCLES = 5;
/** The most cycles a request may ask for. */
export const MAX_PROBE_CYCLES = 50;
/** Time between a probe's cycles, ms. */
const PROBE_INTERVAL = 200;
/** The longest a probe takes when the scraper does not say, ms. */
export const PROBE_TIMEOUT = 30000;
/** What is kept back from the scraper's timeout, to answer in, ms (the blackbox exporter's margin). */
const TIMEOUT_MARGIN = 500;

/**
 * How long a probe may take, ms: the scraper's timeout (Prometheus sends it
 * as `X-Prometheus-Scrape-Timeout-Seconds`) less half a second, at most
 * {@linkcode PROBE_TIMEOUT}; null when the header is not a positive number
 * of seconds.
 *
 * @example
 * ```ts
 * import { probeTimeout } from "./probe.ts";
 * probeTimeout("10"); // 9500
 * probeTimeout(null); // 30000
 * probeTimeout("soon"); // null
 * ```
 */
export function probeTimeout(scrapeTimeout: string | null): number | null {
  if (scrapeTimeout === null) return PROBE_TIMEOUT;
  const seconds = Number(scrapeTimeout);
  if (!/^\s*[0-9.]+\s*$/.test(scrapeTimeout) || !(seconds > 0)) return null;
  return Math.min(PROBE_TIMEOUT, Math.max(0, seconds * 1000 - TIMEOUT_MARGIN));
}

/** What `/probe` may do. */
export interface ProbePolicy {
  /** What it may trace; nothing when empty. */
  allow: readonly AllowRule[];
  /** Probes at once. */
  maxConcurrent: number;
}

/** A request's answer: a status and one line, or the figures of the probe. */
export type ProbeAnswer =
  | { status: number; message: string }
  | { status: 200; figures: FleetFigures };

/** The names and addresses a request may give as `target`: a host name or an address literal. */
const TARGET = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$|^[0-9a-fA-F:.]+$/;

/** The `/probe` endpoint of one service: the policy, and how many probes run now. */
export class ProbeEndpoint {
  readonly #policy: ProbePolicy;
  readonly #resolver: Resolver;
  readonly #options: WatchOptions;
  readonly #version: string;
  readonly #privacy: ServicePrivacy;
  #running = 0;

  /**
   * Probes under `policy`, with `options` (the service's trace options) and
   * `resolver`; what it answers is hidden by `privacy` (the service's).
   */
  constructor(
    policy: ProbePolicy,
    resolver: Resolver,
    options: WatchOptions,
    version: string,
    privacy: ServicePrivacy = new ServicePrivacy(0),
  ) {
    this.#privacy = privacy;
    this.#policy = policy;
    this.#resolver = resolver;
    this.#options = options;
    this.#version = version;
  }

  /**
   * Answers `/probe` with these query parameters; `signal` ends the probe
   * early (the client left). `scrapeTimeout` is the scraper's timeout in
   * seconds, as its header gives it: the probe ends in time to answer with
   * the cycles done by then (see {@linkcode probeTimeout}).
   */
  async answer(
    params: URLSearchParams,
    signal: AbortSignal,
    scrapeTimeout: string | null = null,
  ): Promise<ProbeAnswer> {
    const timeout = probeTimeout(scrapeTimeout);
    if (timeout === null) {
      return {
        status: 400,
        message: "X-Prometheus-Scrape-Timeout-Seconds must be a positive number of seconds",
      };
    }
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeout)]);
    for (const key of params.keys()) {
      if (key !== "target" && key !== "method" && key !== "cycles") {
        return { status: 400, message: `unknown query parameter "${key}"` };
      }
    }
    const host = params.get("target");
    if (host === null || host.length === 0 || host.length > 253 || !TARGET.test(host)) {
      return { status: 400, message: "target must be a host name or an address" };
    }
    const methodText = params.get("method");
    const method = methodText === null ? null : findMethod(methodText);
    if (methodText !== null && method === null) {
      return { status: 400, message: `unknown method "${methodText}"` };
    }
    const cyclesText = params.get("cycles");
    const cycles = cyclesText === null ? PROBE_CYCLES : Number(cyclesText);
    if (!/^\d+$/.test(cyclesText ?? "1") || cycles < 1 || cycles > MAX_PROBE_CYCLES) {
      return { status: 400, message: `cycles must be from 1 to ${MAX_PROBE_CYCLES}` };
    }
    if (this.#policy.allow.length === 0) {
      return { status: 403, message: "/probe traces nothing: the configuration allows nothing" };
    }
    let target: Target;
    try {
      const found = await untilAborted(
        this.#resolver.lookupHost(host, this.#options.family ?? 0),
        deadline,
      );
      if (found === null) return { status: 504, message: `target ${host} did not resolve in time` };
      target = { host, address: found.address, family: found.family };
    } catch {
      return { status: 400, message: `target ${host} does not resolve` };
    }
    const name = target.address === host ? null : host;
    if (!allowed(this.#policy.allow, name, target.address)) {
      return { status: 403, message: `target ${host} is not allowed` };
    }
    if (this.#running >= this.#policy.maxConcurrent) {
      return { status: 429, message: `${this.#policy.maxConcurrent} probes run already` };
    }
    this.#running++;
    try {
      return {
        status: 200,
        figures: await this.#run(target, method?.name ?? null, cycles, deadline),
      };
    } catch (e) {
      const reason = this.#privacy.text(target.address, e instanceof Error ? e.message : String(e));
      return { status: 503, message: `probe failed: ${reason}` };
    } finally {
      this.#running--;
    }
  }

  /** Watches `target` for `cycles` cycles and gives its figures. */
  async #run(
    target: Target,
    method: MethodName | null,
    cycles: number,
    signal: AbortSignal,
  ): Promise<FleetFigures> {
    const run = watch(target, {
      ...this.#options,
      ...(method ? { method } : {}),
      cycles,
      interval: PROBE_INTERVAL,
      snapshots: false,
      signal,
    });
    const keeper = new FleetFigureKeeper(this.#version);
    let start: TraceStart | null = null;
    let settings: WatchSettings | null = null;
    let last: WatchSnapshot | null = null;
    const raw: WatchedTarget = {
      index: 0,
      entry: { host: target.host },
      get state() {
        return "up" as const;
      },
      reason: null,
      target,
      get start() {
        return start;
      },
      get settings() {
        return settings!;
      },
      snapshot: () => last ?? run.snapshot(),
      statistics: () => run.statistics(),
      reset: () => {},
    };
    // --privacy: the probe is seen as the service's targets are.
    const probed = this.#privacy.target(raw);
    for await (const event of run) {
      if (event.type === "start") [start, settings] = [event.start, event.watch];
      else if (event.type === "cycle") keeper.cycle(probed, this.#privacy.cycle(raw, event.cycle));
      else if (event.type === "end") last = event.snapshot;
    }
    return keeper.figures([probed], () => ({}));
  }
}

/** What `promise` gives, or null once `signal` is aborted first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const stop = () => resolve(null);
    signal.addEventListener("abort", stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}
