/**
 * `--privacy N` in the service: every target's first N hops hidden in
 * everything the service serves (`/metrics`, `/api/targets`, `/api/report`,
 * `/api/events`, the pages, `/probe`), as core/privacy.ts hides them in the
 * other outputs: `hidden-1`, `hidden-2`, `hidden-2b`, ... for their
 * addresses, their names, AS and places dropped, the source address
 * `hidden`.
 *
 * Written once here, where the service takes its data in: it sees each
 * watched target through a view whose start and statistics are hidden, and
 * each settled cycle through {@linkcode ServicePrivacy.cycle}, so that the
 * figures, charts, findings, events and pages are all drawn from data that
 * no longer holds what is hidden. One {@linkcode Privacy} serves every
 * target and every `/probe` for the life of the service: an address keeps
 * its label from scrape to scrape and from target to target (Prometheus's
 * series stay the same). A label names the hop where its address was first
 * met, so after a restart a hop of one router gets its label back.
 *
 * @module
 */
import { Privacy } from "../core/privacy.ts";
import type { TraceStart } from "../core/model.ts";
import type { CycleResult, WatchSnapshot } from "../core/watch_model.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";

/** A watched target as the service shows it: its start and statistics with the first hops hidden. */
class HiddenTarget implements WatchedTarget {
  readonly #watched: WatchedTarget;
  readonly #privacy: Privacy;
  /** The start last hidden, and its hidden form (the same object while the watch is the same). */
  #start: { raw: TraceStart; shown: TraceStart } | null = null;

  constructor(watched: WatchedTarget, privacy: Privacy) {
    this.#watched = watched;
    this.#privacy = privacy;
  }

  get index(): number {
    return this.#watched.index;
  }

  get entry(): WatchedTarget["entry"] {
    return this.#watched.entry;
  }

  get state(): WatchedTarget["state"] {
    return this.#watched.state;
  }

  get reason(): string | null {
    const reason = this.#watched.reason;
    return reason === null ? null : this.#of().text(reason);
  }

  get target(): WatchedTarget["target"] {
    return this.#watched.target;
  }

  get settings(): WatchedTarget["settings"] {
    return this.#watched.settings;
  }

  /** The run's privacy for this target's address now (it may resolve anew). */
  #of(): Privacy {
    return this.#privacy.forTarget(this.#watched.target?.address ?? null);
  }

  get start(): TraceStart | null {
    const raw = this.#watched.start;
    if (raw === null) return null;
    // The same start gives the same object: the charts tell a new watch by it.
    if (this.#start?.raw !== raw) this.#start = { raw, shown: this.#of().start(raw) };
    return this.#start.shown;
  }

  snapshot(options?: { history?: boolean }): WatchSnapshot | null {
    const snapshot = this.#watched.snapshot(options);
    return snapshot && this.#of().snapshot(snapshot);
  }

  statistics(): ReturnType<WatchedTarget["statistics"]> {
    return this.#watched.statistics();
  }

  reset(): void {
    this.#watched.reset();
  }
}

/**
 * What the service shows of its targets with `--privacy N` (N = 0: the
 * targets and cycles as they are).
 *
 * @example
 * ```ts
 * import { ServicePrivacy } from "./privacy.ts";
 * const privacy = new ServicePrivacy(0);
 * privacy.hops; // 0: every target shown as it is
 * ```
 */
export class ServicePrivacy {
  readonly #privacy: Privacy;
  readonly #views = new WeakMap<WatchedTarget, WatchedTarget>();

  /** Hides every target's first `hops` hops (0: none). */
  constructor(hops: number) {
    this.#privacy = new Privacy(hops);
  }

  /** How many hops are hidden. */
  get hops(): number {
    return this.#privacy.hops;
  }

  /**
   * `target` as the service shows it: itself when nothing is hidden, else
   * its view (the same object for the same target, so it can key maps).
   */
  target(target: WatchedTarget): WatchedTarget {
    if (this.hops === 0) return target;
    let view = this.#views.get(target);
    if (!view) this.#views.set(target, view = new HiddenTarget(target, this.#privacy));
    return view;
  }

  /** A message about a run to `target` (an address) with the addresses it names hidden. */
  text(target: string | null, message: string): string {
    return this.hops === 0 ? message : this.#privacy.forTarget(target).text(message);
  }

  /** A settled cycle of `target` as the service shows it. */
  cycle(target: WatchedTarget, cycle: CycleResult): CycleResult {
    if (this.hops === 0) return cycle;
    return this.#privacy.forTarget(target.target?.address ?? null).cycle(cycle);
  }
}
