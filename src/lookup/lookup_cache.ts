/**
 * A cache of lookups (reverse names, AS numbers, places) that never stalls
 * whoever asks: an answer is kept a while (`keepFound`), nothing found or a
 * failure a shorter while (`keepMissing`), or as long as the answer says
 * it holds, within those two ({@linkcode KeptFor}); an answer past its time
 * is asked again, and still given meanwhile by {@linkcode LookupCache.peek} (a
 * service's names do not blink out while they are asked again) and, while
 * the new lookups fail (not while they find nothing), by both `peek` and
 * `get`, `keepStale` longer at most (RFC 8767's stale answers); the cache
 * holds at most `maxEntries` (the least recently used go first, where
 * "used" counts once a half of the cache: an entry used again before half
 * as many others were placed after it keeps its place); a lookup already in
 * flight is shared by everyone who asks; at most `maxConcurrent` run at
 * once (the others wait their turn); and each gets a `deadline` from when it
 * was asked, after which it counts as failed. A lookup that cannot be
 * stopped (getnameinfo) keeps its place among those running until it ends,
 * so a dead resolver never piles up threads; an answer it brings after its
 * deadline is still kept, for whoever asks next (a watch's names arrive when
 * they arrive).
 *
 * @module
 */

/** How a cache keeps its answers and runs its lookups. */
export interface CacheSettings {
  /** How long an answer is kept, in ms. */
  keepFound: number;
  /** How long "nothing" (none found, a failure, a lookup past its deadline) is kept, in ms. */
  keepMissing: number;
  /**
   * How long past its `keepFound` an answer is still given while the
   * lookups that would renew it fail, in ms (0: never).
   */
  keepStale: number;
  /** The most answers kept. */
  maxEntries: number;
  /** The most lookups running at once. */
  maxConcurrent: number;
  /** How long a lookup may take from when it was asked, in ms. */
  deadline: number;
  /** The clock, in ms (for tests); `performance.now` by default. */
  now?: () => number;
}

/**
 * An answer that says how long it holds (a zone's negative TTL for no
 * name, RFC 2308): kept that long, but at least `keepMissing` and at most
 * `keepFound`.
 */
export class KeptFor<V> {
  /** `value` (null: nothing found), holding `ms` milliseconds. */
  constructor(readonly value: V | null, readonly ms: number) {}
}

/**
 * One lookup: resolves to the answer, or null when there is none (either
 * one with how long it holds: {@linkcode KeptFor}); throws when it fails
 * (kept as nothing, but an answer known before is still given, see
 * {@linkcode CacheSettings.keepStale}). `signal` aborts at the deadline,
 * which counts as a failure.
 */
export type Ask<V> = (signal: AbortSignal) => Promise<V | null | KeptFor<V>>;

interface Entry<V> {
  value: V | null;
  /** When it is to be asked again. */
  expires: number;
  /** When it is no longer given, even while asking again fails (`expires` for nothing found). */
  staleUntil: number;
  /** When it was last put at the recent end of the order (a count of those moves). */
  placed: number;
}

/** A lookup under way: waiting for its turn or running, until it settles. */
interface Pending<V> {
  /** When its deadline passes (performance.now() ms). */
  readonly due: number;
  /** Settled: answered, failed, or given up at its deadline. */
  settled: boolean;
  /** Aborted at the deadline. */
  readonly stop: AbortController;
  /** Runs it. */
  run(): void;
  /** Settles it with `outcome`. */
  settle(outcome: Outcome<V>): void;
}

/** What a lookup came to: an answer (null: nothing found; `ms`: how long it holds), or a failure. */
type Outcome<V> = { value: V | null; ms?: number } | typeof FAILED;

/** A lookup that failed: threw, or passed its deadline. */
const FAILED = "failed";

/** A first-in first-out queue of lookups (an array and a head, compacted now and then). */
class Queue<T> {
  #items: T[] = [];
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  /** The first item, or undefined. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Takes the first item out. */
  shift(): T | undefined {
    const item = this.#items[this.#head];
    if (item === undefined) return undefined;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties it. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

/** The cache: see the module's documentation. */
export class LookupCache<V> {
  readonly #settings: CacheSettings;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #inFlight = new Map<string, Promise<V | null>>();
  /** Lookups waiting for their turn. */
  readonly #waiting = new Queue<Pending<V>>();
  /** Lookups under way, in the order their deadlines come. */
  readonly #byDeadline = new Queue<Pending<V>>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Entries put at the recent end so far. */
  #placed = 0;
  #unsettled = 0;
  #running = 0;

  /** A cache with `settings`. */
  constructor(settings: CacheSettings) {
    this.#settings = settings;
    this.#now = settings.now ?? (() => performance.now());
  }

  /** How many answers are kept now (expired ones included until asked for). */
  get size(): number {
    return this.#entries.size;
  }

  /** How many lookups run now (those past their deadline that cannot be stopped included). */
  get running(): number {
    return this.#running;
  }

  /**
   * What is known of `key` now, without asking: the answer (one past its
   * time included, while it is asked again), null for "nothing", or
   * undefined when it is not known (never asked, expired, or in flight).
   */
  peek(key: string): V | null | undefined {
    return this.#entry(key)?.value;
  }

  /** `key`'s entry while it may be given (moved to the recent end now and then), else undefined. */
  #entry(key: string, now = this.#now()): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.staleUntil <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    // Most recently used last: the first entry is the one to let go. An entry of the recent
    // half stays where it is (a run of many targets asks for its routers' names tens of
    // thousands of times, and moving an entry in a Map costs a delete and an insert).
    if (this.#placed - entry.placed > this.#settings.maxEntries / 2) {
      this.#entries.delete(key);
      entry.placed = ++this.#placed;
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /**
   * The answer for `key`: kept, in flight, or asked now with `ask` (one past
   * its time is asked again, and given only if that fails).
   */
  get(key: string, ask: Ask<V>): Promise<V | null> {
    const now = this.#now();
    const entry = this.#entry(key, now);
    if (entry && entry.expires > now) return Promise.resolve(entry.value);
    return this.#inFlight.get(key) ?? this.#start(key, ask);
  }

  /**
   * Asks for `key` with `askFor(key)` unless it is known within its time or
   * in flight; the answer is kept. The ask is made only when one starts: a
   * run of many touches each responder once an answered probe.
   */
  touch(key: string, askFor: (key: string) => Ask<V>): void {
    if (this.#inFlight.has(key)) return;
    const now = this.#now();
    const entry = this.#entry(key, now);
    if (entry && entry.expires > now) return;
    void this.#start(key, askFor(key));
  }

  #start(key: string, ask: Ask<V>): Promise<V | null> {
    let resolveFound: (value: V | null) => void = () => {};
    const found = new Promise<V | null>((resolve) => (resolveFound = resolve));
    const pending: Pending<V> = {
      due: performance.now() + this.#settings.deadline,
      settled: false,
      stop: new AbortController(),
      settle: (outcome) => {
        pending.settled = true;
        this.#inFlight.delete(key);
        const value = outcome === FAILED ? this.#failed(key) : outcome.value;
        if (outcome !== FAILED) this.#keep(key, value, outcome.ms);
        if (--this.#unsettled === 0) this.#disarm();
        resolveFound(value);
      },
      run: () => {
        this.#running++;
        let asked: Promise<V | null | KeptFor<V>>;
        try {
          asked = ask(pending.stop.signal);
        } catch (e) {
          asked = Promise.reject(e);
        }
        const settled = asked.then(
          (answer): Outcome<V> =>
            answer instanceof KeptFor
              ? { value: answer.value, ms: answer.ms }
              : { value: answer ?? null },
          (): Outcome<V> => FAILED,
        );
        settled.then((outcome) => {
          this.#running--;
          this.#next();
          if (!pending.settled) pending.settle(outcome);
          // An answer after the deadline is kept for whoever asks next.
          else if (outcome !== FAILED && outcome.value !== null) {
            this.#keep(key, outcome.value, outcome.ms);
          }
        });
      },
    };
    this.#unsettled++;
    this.#byDeadline.push(pending);
    this.#arm();
    this.#inFlight.set(key, found);
    if (this.#running < this.#settings.maxConcurrent) pending.run();
    else this.#waiting.push(pending);
    return found;
  }

  /**
   * One timer for every deadline: every lookup of the cache has the same,
   * so they come due in the order they were asked; it is armed for the
   * first not settled.
   */
  #arm(): void {
    if (this.#timer !== null) return;
    let first = this.#byDeadline.peek();
    while (first?.settled) {
      this.#byDeadline.shift();
      first = this.#byDeadline.peek();
    }
    if (!first) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const now = performance.now();
      for (
        let p = this.#byDeadline.peek();
        p && (p.settled || p.due <= now);
        p = this.#byDeadline.peek()
      ) {
        this.#byDeadline.shift();
        if (p.settled) continue;
        p.stop.abort();
        p.settle(FAILED);
      }
      this.#arm();
    }, Math.max(0, first.due - performance.now()));
  }

  /** Nothing is under way: no timer. */
  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#byDeadline.clear();
  }

  /** Runs the next waiting lookup not yet given up. */
  #next(): void {
    while (this.#running < this.#settings.maxConcurrent) {
      const waiting = this.#waiting.shift();
      if (!waiting) return;
      if (!waiting.settled) waiting.run();
    }
  }

  /** Keeps `value` for `key` (an answer had without asking: a local source's). */
  set(key: string, value: V | null): void {
    this.#keep(key, value);
  }

  /** Lets every kept answer go (the source changed: a database read again). */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * What a failed lookup of `key` gives: the answer known before, while it
   * may still be given (asked again after `keepMissing`), else nothing (kept
   * as such).
   */
  #failed(key: string): V | null {
    const known = this.#entry(key);
    if (known === undefined || known.value === null) {
      this.#keep(key, null);
      return null;
    }
    this.#place(key, { ...known, expires: this.#now() + this.#settings.keepMissing });
    return known.value;
  }

  /** Keeps `value` its time: `ms` where the answer said (within the settings' bounds). */
  #keep(key: string, value: V | null, ms?: number): void {
    const { keepFound, keepMissing, keepStale } = this.#settings;
    const held = ms === undefined
      ? (value === null ? keepMissing : keepFound)
      : Math.min(keepFound, Math.max(keepMissing, ms));
    const expires = this.#now() + held;
    this.#place(key, {
      value,
      expires,
      staleUntil: value === null ? expires : expires + keepStale,
      placed: 0,
    });
  }

  /** Puts `entry` at the recent end, letting the least recently used go past `maxEntries`. */
  #place(key: string, entry: Entry<V>): void {
    entry.placed = ++this.#placed;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#settings.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}
