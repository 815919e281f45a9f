/**
 * One source of AS numbers or places (identity_sources.ts) with its cache
 * (lookup_cache.ts): a local database answers at once, the others are asked
 * through the cache; a failure is said once, through `warn`; a database is
 * read again when its file has changed (the service's reload).
 *
 * @module
 */
import { failureReason } from "../core/errors.ts";
import { failureLine, type IdentitySource, type SourceAnswer } from "./identity_sources.ts";
import { type CacheSettings, LookupCache } from "./lookup_cache.ts";

/** A source with its cache and its once-said failure. */
export class CachedSource {
  /** The source asked. */
  readonly source: IdentitySource;
  /** Its answers, kept (a local database's too). */
  readonly cache: LookupCache<SourceAnswer>;
  /** The option and its value, for messages (`--geoip /path/City.mmdb`). */
  readonly what: string;
  readonly #deadline: number;
  #said = false;
  readonly #warn: ((line: string) => void) | null;

  /** `source`, kept by `settings`; `what` names it in the line `warn` says once. */
  constructor(
    source: IdentitySource,
    settings: CacheSettings,
    what: string,
    warn: ((line: string) => void) | null,
  ) {
    this.source = source;
    this.cache = new LookupCache(settings);
    this.what = what;
    this.#deadline = settings.deadline;
    this.#warn = warn;
  }

  /** Starts a lookup of `address` unless it is known or under way (a local one answers now). */
  start(address: string): void {
    if (this.source.now) this.#now(address);
    else this.cache.touch(address, this.#ask);
  }

  /** What the source says of `address`: kept, under way, or asked now; null when it failed. */
  get(address: string): Promise<SourceAnswer | null> {
    if (this.source.now) return Promise.resolve(this.#now(address));
    return this.cache.get(address, this.#ask(address));
  }

  /** What is known of `address` now (undefined: not yet). */
  peek(address: string): SourceAnswer | null | undefined {
    return this.source.now ? this.#now(address) : this.cache.peek(address);
  }

  /**
   * Reads a local database again if its file has changed, letting the old
   * answers go: true when it did.
   *
   * @throws {OptionError} when the new file cannot be used (the old one stays)
   */
  async reopen(): Promise<boolean> {
    if (!this.source.reopen || !(await this.source.reopen())) return false;
    this.cache.clear();
    return true;
  }

  /** A local source's answer, kept like the others. */
  #now(address: string): SourceAnswer | null {
    const known = this.cache.peek(address);
    if (known !== undefined) return known;
    let value: SourceAnswer | null = null;
    try {
      value = this.source.now!(address);
    } catch (e) {
      this.#report(failureReason(e));
    }
    this.cache.set(address, value);
    return value;
  }

  #ask = (address: string) => async (signal: AbortSignal) => {
    try {
      return await this.source.ask(address, signal);
    } catch (e) {
      this.#report(
        signal.aborted ? `no answer within ${this.#deadline / 1000} s` : failureReason(e),
      );
      throw e;
    }
  };

  /** Says once why the source failed. */
  #report(why: string): void {
    if (this.#said || !this.#warn) return;
    this.#said = true;
    this.#warn(failureLine(this.what, why));
  }
}
