/**
 * Everything a run learns of its responders besides their replies: reverse
 * names, AS numbers (`-A`, `--as-source`) and places (`--geoip`), through
 * one {@linkcode HopLookups} a resolver, so one a process: every trace,
 * mode and target of the process shares its caches (lookup_cache.ts: kept
 * a while, bounded, deduplicated, a few at once, each with a deadline).
 *
 * The times (documented in docs/identity.md):
 * - names: kept an hour (getnameinfo gives no TTL), none as long as its
 *   zone's SOA says (RFC 2308's negative TTL: a minute at least, an hour at
 *   most; a minute where no SOA came), a failure a minute; a name past its
 *   hour still given while it is asked again, and a day more while those
 *   lookups fail; 100,000 at most (a service of 10,000 targets and their
 *   routers fits: fewer would let each cycle push out what the next one
 *   asks for); 5 s a lookup (trippy's default, glibc's own wait for one
 *   try); 32 at once;
 * - AS numbers and places: the same, but whois, which waits as long as it
 *   always has ({@linkcode WHOIS_DEADLINE_MS}), 8 connections at once.
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import type { ProbeResult } from "../core/model.ts";
import { denoTxt, type TxtLookup } from "./cymru.ts";
import {
  asSource,
  asSourceLabel,
  type AsSourceSpec,
  geoSource,
  type IdentitySource,
  type SourceAnswer,
} from "./identity_sources.ts";
import { CachedSource } from "./cached_source.ts";
import { type Ask, type CacheSettings, KeptFor, LookupCache } from "./lookup_cache.ts";
import { sanitizeName } from "./names.ts";
import type { Resolver } from "./resolver.ts";
import { failureReason } from "../core/errors.ts";

/** How long names are kept and looked up. */
export const NAME_CACHE: CacheSettings = {
  keepFound: 3_600_000,
  keepMissing: 60_000,
  keepStale: 86_400_000,
  maxEntries: 100_000,
  maxConcurrent: 32,
  deadline: 5_000,
};

/** How long a whois query may take (connect, ask, read the answer) before it counts as `!!`. */
export const WHOIS_DEADLINE_MS = 10_000;

/** How long AS numbers and places are kept and looked up (whois: its own wait, 8 at once). */
export const IDENTITY_CACHE: CacheSettings = { ...NAME_CACHE };

/** What a trace looks up of its responders. */
export interface LookupChoice {
  /** Reverse names. */
  names: boolean;
  /** AS numbers from this source, or none. */
  as: AsSourceSpec | null;
  /** Places from this database, or none. */
  geo: string | null;
  /** Hops whose responders are not looked up, the target's address excepted (`--privacy`). */
  privateHops?: number;
}

/** What is known of an address now, without waiting. */
export interface KnownNow {
  /**
   * Its name (null: it has none, or its lookup failed a while ago); absent
   * while it is not known yet, or when names are not looked up.
   */
  name?: string | null;
  /** Its AS path (`-A`'s text), when known. */
  asPath?: string;
  /** Who it is and where, when anything is known. */
  identity?: AddressIdentity;
  /** Set while a lookup of it has no answer yet (none known, or one past its time asked again). */
  pending?: true;
}

/** What {@linkcode AddressLookups.fill} fills: a responder's address, and what is learnt of it. */
export type Identified = Pick<ProbeResult, "address" | "name" | "asPath" | "identity">;

/** The caches of one resolver's process: see the module's documentation. */
export class HopLookups {
  readonly #resolver: Resolver;
  readonly #txt: TxtLookup;
  readonly #names: LookupCache<string>;
  readonly #identity: CacheSettings;
  readonly #sources = new Map<string, CachedSource>();

  /** Lookups through `resolver` (and `txt` for Team Cymru's DNS), with other times for tests. */
  constructor(
    resolver: Resolver,
    settings: { names?: CacheSettings; identity?: CacheSettings; txt?: TxtLookup } = {},
  ) {
    this.#resolver = resolver;
    // The resolver's own TXT questions say why they fail (Deno.resolveDns's do not).
    this.#txt = settings.txt ??
      (resolver.txt ? (name, signal) => resolver.txt!(name, signal) : denoTxt);
    this.#names = new LookupCache(settings.names ?? NAME_CACHE);
    this.#identity = settings.identity ?? IDENTITY_CACHE;
  }

  /**
   * What a trace with `choice` looks up, ready: the whois server resolved,
   * databases open. `warn` says a failing source's one line.
   *
   * @throws {ResolveError} when the whois server does not resolve
   * @throws {OptionError} when a database cannot be read
   */
  async forChoice(
    choice: LookupChoice,
    warn: ((line: string) => void) | null = null,
  ): Promise<AddressLookups> {
    const spec = choice.as;
    let as: CachedSource | null = null;
    if (spec) {
      const label = asSourceLabel(spec);
      const tools = { resolver: this.#resolver, txt: this.#txt };
      // whois waits as long as it always has, and says nothing of a failure but `!!` (Linux's).
      const whois = spec.kind === "whois";
      as = this.#cached(`as\0${label}`, () => asSource(spec, tools), {
        settings: whois
          ? { ...this.#identity, deadline: WHOIS_DEADLINE_MS, maxConcurrent: 8 }
          : this.#identity,
        what: `--as-source ${label}`,
        warn: whois ? null : warn,
      });
    }
    const path = choice.geo;
    const geo = path === null ? null : this.#cached(`geo\0${path}`, () => geoSource(path), {
      settings: this.#identity,
      what: `--geoip ${path}`,
      warn,
    });
    await Promise.all([as?.source.ready(), geo?.source.ready()]);
    return new AddressLookups(
      choice.names ? this.#names : null,
      this.#askName,
      as,
      geo,
      choice.privateHops ?? 0,
    );
  }

  // The deadline is the cache's alone: a question past it goes on in the resolver (its own
  // schedule ends it), and a late name is kept for whoever asks next (a watch, the service).
  #askName = (address: string): Ask<string> => async () => {
    const resolver = this.#resolver;
    if (!resolver.reverseAnswer) {
      const name = await resolver.reverse(address);
      return name && sanitizeName(name);
    }
    // No name is kept as long as its zone says (within the cache's bounds).
    const { name, ttl } = await resolver.reverseAnswer(address);
    const clean = name && sanitizeName(name);
    return ttl === undefined ? clean : new KeptFor(clean, ttl * 1000);
  };

  /**
   * Reads the local databases (`--as-source=PATH`, `--geoip`) again where
   * their files have changed (a service's reload, after an updater such as
   * geoipupdate): one line for each read again, or why its new file cannot be
   * used (the one read before then stays).
   */
  async reopenDatabases(): Promise<string[]> {
    const lines: string[] = [];
    for (const source of this.#sources.values()) {
      try {
        if (await source.reopen()) lines.push(`${source.what} read again`);
      } catch (e) {
        lines.push(`${failureReason(e)}: the database read before stays`);
      }
    }
    return lines;
  }

  /** The source under `key`, made once with `make`. */
  #cached(
    key: string,
    make: () => IdentitySource,
    how: { settings: CacheSettings; what: string; warn: ((line: string) => void) | null },
  ): CachedSource {
    let found = this.#sources.get(key);
    if (!found) {
      found = new CachedSource(make(), how.settings, how.what, how.warn);
      this.#sources.set(key, found);
    }
    return found;
  }
}

/** What one trace looks up of its responders, over the process's caches. */
export class AddressLookups {
  readonly #names: LookupCache<string> | null;
  readonly #askName: (address: string) => Ask<string>;
  readonly #as: CachedSource | null;
  readonly #geo: CachedSource | null;
  /** Whether anything is looked up. */
  readonly active: boolean;
  readonly #privateHops: number;

  /** The lookups of one trace: see {@linkcode HopLookups.forChoice}. */
  constructor(
    names: LookupCache<string> | null,
    askName: (address: string) => Ask<string>,
    as: CachedSource | null,
    geo: CachedSource | null,
    privateHops = 0,
  ) {
    this.#names = names;
    this.#askName = askName;
    this.#as = as;
    this.#geo = geo;
    this.active = names !== null || as !== null || geo !== null;
    this.#privateHops = privateHops;
  }

  /**
   * Whether `address`, answering at `ttl` on the way to `target`, is one of
   * the private hops (what `--privacy` hides): nothing is looked up about it.
   */
  isPrivate(ttl: number, address: string, target: string | null): boolean {
    return ttl <= this.#privateHops && address !== target;
  }

  /** Whether names are looked up. */
  get names(): boolean {
    return this.#names !== null;
  }

  /** Starts what is not yet known or in flight of `address`; returns at once. */
  start(address: string): void {
    this.#names?.touch(address, this.#askName);
    this.#as?.start(address);
    this.#geo?.start(address);
  }

  /** The name of `address` (null when none, or past its deadline). */
  name(address: string): Promise<string | null> {
    return this.#names ? this.#names.get(address, this.#askName(address)) : Promise.resolve(null);
  }

  /**
   * Fills `result`'s name, AS path and identity from what is known now, when
   * everything looked up is known: true; false, filling nothing, when a
   * lookup is still to be waited for ({@linkcode fill}). A run of many fills
   * every probe's result: most of them this way, without a promise.
   */
  fillNow(result: Identified): boolean {
    const address = result.address;
    if (address === null || !this.active) return true;
    const name = this.#names?.peek(address);
    const as = this.#as?.peek(address);
    const geo = this.#geo?.peek(address);
    if (this.#waiting(name, as, geo)) return false;
    this.#apply(result, name, as, geo);
    return true;
  }

  /** Whether a lookup made has no answer yet, from what the caches' `peek` gave (undefined). */
  #waiting(name: unknown, as: unknown, geo: unknown): boolean {
    return (this.#names !== null && name === undefined) ||
      (this.#as !== null && as === undefined) || (this.#geo !== null && geo === undefined);
  }

  /**
   * Fills `result`'s name, AS path and identity, as far as the lookups go
   * (each within its deadline, or until `stop` aborts: then with what is
   * known, an AS not yet known as `*`); returns it. A probe's result, or
   * anything else that names a responder (a multipath run's node).
   */
  async fill<T extends Identified>(result: T, stop?: AbortSignal): Promise<T> {
    if (this.fillNow(result)) return result;
    const address = result.address!;
    const answers = Promise.all([
      this.#names ? this.name(address) : undefined,
      this.#as?.get(address),
      this.#geo?.get(address),
    ]);
    const [name, as, geo] = await untilStopped(answers, stop, () => [
      this.#names?.peek(address),
      this.#as?.peek(address) ?? (this.#as ? { identity: {} } : undefined),
      this.#geo?.peek(address),
    ]);
    this.#apply(result, name, as, geo);
    return result;
  }

  /** Puts what is known in `result` (undefined: not known, as null). */
  #apply(
    result: Identified,
    name: string | null | undefined,
    as: SourceAnswer | null | undefined,
    geo: SourceAnswer | null | undefined,
  ): void {
    if (this.#names) result.name = name ?? null;
    if (this.#as) result.asPath = asPathOf(as ?? null);
    if (as?.identity || geo?.identity) {
      const identity = { ...as?.identity, ...geo?.identity };
      if (Object.keys(identity).length > 0) result.identity = identity;
    }
  }

  /** What is known of `address` now, without waiting (a watch's names arrive when they arrive). */
  known(address: string): KnownNow {
    const out: KnownNow = {};
    const name = this.#names?.peek(address);
    if (name !== undefined) out.name = name;
    const as = this.#as?.peek(address);
    if (this.#as && as !== undefined) out.asPath = asPathOf(as);
    const geo = this.#geo?.peek(address);
    const identity = { ...as?.identity, ...geo?.identity };
    if (Object.keys(identity).length > 0) out.identity = identity;
    if (this.#waiting(name, as, geo)) out.pending = true;
    return out;
  }
}

/** `work`'s value, or `known()` once `stop` aborts if that comes first. */
function untilStopped<V>(
  work: Promise<V>,
  stop: AbortSignal | undefined,
  known: () => V,
): Promise<V> {
  if (!stop) return work;
  if (stop.aborted) return Promise.resolve(known());
  return new Promise<V>((resolve, reject) => {
    const forget = onStop(stop, () => resolve(known()));
    work.then((value) => {
      forget();
      resolve(value);
    }, (e) => {
      forget();
      reject(e);
    });
  });
}

/** Who waits for each signal's abort (see {@linkcode onStop}). */
const stopWaiters = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `wake` when `stop` aborts; returns what forgets it. One listener a
 * signal, and a set of who waits: a run of many waits once a trace, and an
 * event listener added and removed each time cost more than the lookups.
 */
function onStop(stop: AbortSignal, wake: () => void): () => void {
  let waiters = stopWaiters.get(stop);
  if (!waiters) {
    const all = new Set<() => void>();
    stop.addEventListener("abort", () => {
      for (const waiter of all) waiter();
      all.clear();
    }, { once: true });
    stopWaiters.set(stop, all);
    waiters = all;
  }
  waiters.add(wake);
  return () => waiters.delete(wake);
}

/** `-A`'s text for an answer: whois's own, else `AS<n>`, `*` when unknown, `!!` when it failed. */
function asPathOf(answer: SourceAnswer | null): string {
  if (answer === null) return "!!";
  if (answer.asPath !== undefined) return answer.asPath;
  return answer.identity.asn !== undefined ? `AS${answer.identity.asn}` : "*";
}

const perResolver = new WeakMap<Resolver, HopLookups>();

/** The one {@linkcode HopLookups} of `resolver` in this process. */
export function hopLookupsFor(resolver: Resolver): HopLookups {
  let found = perResolver.get(resolver);
  if (!found) {
    found = new HopLookups(resolver);
    perResolver.set(resolver, found);
  }
  return found;
}
