/**
 * A cache of lookups (reverse names, AS numbers, places) that never stalls
 * whoever asks: an answer is kept a while (`keepFound`), nothing found or a
 * failure a shorter while (`keepMissing`); the cache holds at most
 * `maxEntries` (the least recently used go first, where "used" counts once
 * a half of the cache: an entry used again before half as many others were
 * placed after it keeps its place); a lookup already in
 * flight is shared by everyone who asks; at most `maxConcurrent` run at
 * once (the others wait their turn); and each gets a `deadline` from when it
 * was asked, after which it counts as nothing found. A lookup that cannot be
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
 * One lookup: resolves to the answer, or null when there is none; may
 * throw (a failure, kept as nothing). `signal` aborts at the deadline.
 */
export type Ask<V> = (signal: AbortSignal) => Promise<V | null>;

interface Entry<V> {
  value: V | null;
  expires: number;
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
  /** Settles it with `value`. */
  settle(value: V | null): void;
}

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
   * What is known of `key` now, without asking: the answer, null for
   * "nothing", or undefined when it is not known (never asked, expired, or
   * in flight).
   */
  peek(key: string): V | null | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.#now()) {
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
    return entry.value;
  }

  /** The answer for `key`: kept, in flight, or asked now with `ask`. */
  get(key: string, ask: Ask<V>): Promise<V | null> {
    const known = this.peek(key);
    if (known !== undefined) return Promise.resolve(known);
    return this.#inFlight.get(key) ?? this.#start(key, ask);
  }

  /**
   * Asks for `key` with `askFor(key)` unless it is known or in flight; the
   * answer is kept. The ask is made only when one starts: a run of many
   * touches each responder once an answered probe.
   */
  touch(key: string, askFor: (key: string) => Ask<V>): void {
    if (this.#inFlight.has(key) || this.peek(key) !== undefined) return;
    void this.#start(key, askFor(key));
  }

  #start(key: string, ask: Ask<V>): Promise<V | null> {
    let resolveFound: (value: V | null) => void = () => {};
    const found = new Promise<V | null>((resolve) => (resolveFound = resolve));
    const pending: Pending<V> = {
      due: performance.now() + this.#settings.deadline,
      settled: false,
      stop: new AbortController(),
      settle: (value) => {
        pending.settled = true;
        this.#inFlight.delete(key);
        this.#keep(key, value);
        if (--this.#unsettled === 0) this.#disarm();
        resolveFound(value);
      },
      run: () => {
        this.#running++;
        let asked: Promise<V | null>;
        try {
          asked = ask(pending.stop.signal);
        } catch (e) {
          asked = Promise.reject(e);
        }
        asked.then((value) => value ?? null, () => null).then((value) => {
          this.#running--;
          this.#next();
          if (!pending.settled) pending.settle(value);
          // An answer after the deadline is kept for whoever asks next.
          else if (value !== null) this.#keep(key, value);
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
        p.settle(null);
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

  #keep(key: string, value: V | null): void {
    const { keepFound, keepMissing, maxEntries } = this.#settings;
    this.#entries.delete(key);
    this.#entries.set(key, {
      value,
      expires: this.#now() + (value === null ? keepMissing : keepFound),
      placed: ++this.#placed,
    });
    while (this.#entries.size > maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}
