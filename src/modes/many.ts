/**
 * Many targets in one run (`--targets`): thousands of traces on one prober,
 * `parallel` at a time, every probe under one global rate cap. Where the
 * method can share a socket (ICMP), every trace of a family goes through
 * one unconnected socket; otherwise each trace opens its own, and the
 * number at once is sized to the descriptors the system allows.
 *
 * `traceMany(targets, options)` yields each trace as it completes (not in
 * input order; the command line orders them), and a target that does not
 * resolve or open as a result with its error.
 *
 * @module
 */
import type { Channel } from "../engine/channel.ts";
import { Prober } from "../engine/prober.ts";
import { OptionError } from "../core/errors.ts";
import { method } from "../methods/mod.ts";
import type { Family } from "../packet/address.ts";
import { resolveOptions, type TraceOptions } from "../config/options.ts";
import { openSession, openSharedSession, resolveTarget, type Session } from "../session/open.ts";
import { type PrivilegeState, settlePrivileges } from "../session/privileges.ts";
import { openTransport, systemResolver } from "../session/kernel.ts";
import type { Trace, TraceEvent, TraceSettings } from "../core/model.ts";
import type { TargetEntry } from "./targets.ts";
import { TraceRun } from "./trace_run.ts";

/** Probes per second by default: gentle enough for the real internet (scamper's default is 20). */
export const DEFAULT_RATE = 100;
/** Targets traced at once by default. */
export const DEFAULT_PARALLEL = 64;
/** The most targets at once. */
export const MAX_PARALLEL = 4096;
/** Probes of one trace in flight at once, by default, in a run of many. */
export const MANY_SIMULTANEOUS = 32;

/** Options of {@linkcode traceMany}: a trace's (applied to every target), and how many at once. */
export interface ManyOptions extends TraceOptions {
  /** Targets traced at once (64 by default, at most 4096; fewer when descriptors are short). */
  parallel?: number;
  /** Probes sent per second at most, by all traces together (100 by default; 0: no cap). */
  rate?: number;
  /** Keep each trace's events in its result (for `--ndjson`). */
  events?: boolean;
}

/** One target's outcome. */
export interface ManyResult {
  /** The target as listed. */
  entry: TargetEntry;
  /** Its trace, or null when it could not be traced. */
  trace: Trace | null;
  /** Why it could not be traced (it does not resolve, its sockets would not open), or null. */
  error: Error | null;
  /** Its events in print order, with `events: true`. */
  events: TraceEvent[] | null;
}

/** What a run of many did. */
export interface ManySummary {
  /** Targets listed. */
  targets: number;
  /** Traced to an end (reached, unreachable or max hops). */
  traced: number;
  /** Of those, reached. */
  reached: number;
  /** Not traced: an error. */
  failed: number;
  /** Probes sent. */
  probes: number;
  /** Targets at once. */
  parallel: number;
  /** Why `parallel` is lower than asked, or null. */
  parallelNote: string | null;
  /** Wall time, ms. */
  wallMs: number;
  /** Stopped by the signal before every target was traced. */
  aborted: boolean;
  /** What became of the process's privileges (as a trace's settings tell it). */
  privileges: TraceSettings["privileges"];
}

/** Probes one shared ICMP socket keeps in flight at most (its sequence numbers are 16 bits). */
const SHARED_IN_FLIGHT = 65000;

/** Descriptors kept for everything else the process opens. */
const DESCRIPTOR_RESERVE = 64;

function entryOf(target: string | TargetEntry, index: number): TargetEntry {
  return typeof target === "string" ? { index, line: index + 1, host: target } : target;
}

/** Runs a trace to its end; its whole trace, with the events when asked. */
async function finish(
  run: TraceRun,
  keep: boolean,
): Promise<{ trace: Trace; events: TraceEvent[] | null }> {
  if (!keep) return { trace: await run.whole(), events: null };
  const events: TraceEvent[] = [];
  const it = run.events();
  for (;;) {
    const step = await it.next();
    if (step.done) return { trace: step.value, events };
    events.push(step.value);
  }
}

/**
 * Traces every target, `parallel` at a time, and yields each as it
 * completes; the return value sums the run up. Stops at once when
 * `options.signal` aborts: traces under way are not yielded.
 *
 * @example
 * ```ts ignore
 * import { traceMany } from "./many.ts";
 * for await (const r of traceMany(["198.18.6.2", "198.18.7.2"], { method: "icmp", rate: 1000 })) {
 *   console.log(r.entry.host, r.trace?.reason ?? r.error?.message);
 * }
 * ```
 *
 * @throws {TypeError | OptionError} for invalid options (before anything is sent)
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 */
export async function* traceMany(
  targets: Iterable<string | TargetEntry>,
  options: ManyOptions = {},
): AsyncGenerator<ManyResult, ManySummary, undefined> {
  const started = performance.now();
  const { parallel: askedParallel, rate: askedRate, events: keepEvents, ...base } = options;
  const traceOptions: TraceOptions = {
    ...base,
    ...(base.simultaneous === undefined && base.timing !== "classic"
      ? { simultaneous: MANY_SIMULTANEOUS, timing: base.timing ?? "adaptive" }
      : {}),
  };
  const opts = resolveOptions(traceOptions);
  const rate = askedRate ?? DEFAULT_RATE;
  if (typeof rate !== "number" || !(rate >= 0) || !Number.isFinite(rate)) {
    throw new OptionError(
      "rate",
      `Option "rate" must be a number of probes a second, at least 0, got ${rate}`,
    );
  }
  let parallel = askedParallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) {
    throw new OptionError(
      "parallel",
      `Option "parallel" must be an integer from 1 to ${MAX_PARALLEL}, got ${parallel}`,
    );
  }
  const list = [...targets].map(entryOf);
  const resolver = options.resolver ?? systemResolver();
  const transport = openTransport(options.transport);
  const prober = new Prober(
    transport.transport,
    rate > 0 ? { rate, burst: Math.max(1, Math.ceil(rate / 100)) } : {},
  );
  const shared = new Map<Family, { session: Session; channel: Channel } | Error>();
  const sessions: Session[] = [];
  let privileges: PrivilegeState = "none";
  let parallelNote: string | null = null;
  const summary = (aborted: boolean): ManySummary => ({
    targets: list.length,
    traced,
    reached,
    failed,
    probes,
    parallel,
    parallelNote,
    wallMs: performance.now() - started,
    aborted,
    privileges,
  });
  let traced = 0;
  let reached = 0;
  let failed = 0;
  let probes = 0;
  try {
    // One shared session per family where the method can share one; opened now, so the
    // process's privileges are settled before anything is sent.
    for (const family of [4, 6] as const) {
      if (opts.family && opts.family !== family) continue;
      try {
        const session = await openSharedSession(family, traceOptions, transport.transport);
        if (!session) break;
        sessions.push(session);
        shared.set(family, {
          session,
          channel: prober.open(session.methodSession, session.channel),
        });
      } catch (e) {
        if (family === 4 || opts.family === 6) throw e;
        shared.set(family, e instanceof Error ? e : new Error(String(e)));
      }
    }
    const sharing = shared.size > 0;
    // A shared socket tells probes apart by a 16-bit sequence number: keep them all distinct.
    const sequences = Math.floor(SHARED_IN_FLIGHT / opts.simultaneous);
    if (sharing && parallel > sequences) {
      parallelNote = `one ICMP socket tells ${SHARED_IN_FLIGHT} probes in flight apart: ` +
        `${sequences} targets at once`;
      parallel = sequences;
    }
    // Without a shared socket, each trace opens its own: as many at once as descriptors allow.
    if (!sharing) {
      const perTarget = opts.simultaneous + 4;
      const want = DESCRIPTOR_RESERVE + parallel * perTarget;
      const limit = transport.transport.descriptorLimit?.(want) ?? want;
      // What the process holds already (Deno's own), and room for a few more.
      const inUse = transport.transport.openDescriptors?.() ?? null;
      const reserve = inUse === null ? DESCRIPTOR_RESERVE : Math.min(DESCRIPTOR_RESERVE, inUse + 8);
      let fit = Math.floor((limit - reserve) / perTarget);
      let fewer = "";
      if (fit < 1) {
        // Not even one trace's probes at once: each trace keeps fewer in flight.
        const simultaneous = Math.max(1, limit - reserve - 4);
        traceOptions.simultaneous = simultaneous;
        fit = 1;
        fewer = `, ${simultaneous} probe${simultaneous === 1 ? "" : "s"} of it in flight`;
      }
      if (fit < parallel) {
        parallelNote = `${parallel} targets at once would need ${want} descriptors; the limit is ` +
          `${limit}: ${fit} at once${fewer}`;
        parallel = fit;
      }
    }
    // Later sockets of a method that needs privilege per target (raw per trace) keep them.
    const perTargetPrivilege = !sharing && method(opts.method).privilege !== "none";
    privileges = settlePrivileges(
      transport.transport,
      [...sessions, { socketPerProbe: !sharing, opts }],
      (options.dropPrivileges ?? false) && !perTargetPrivilege,
    ).state;

    const done: ManyResult[] = [];
    // A trace that ends while the loop below is not waiting (it yields, and the consumer
    // prints) must not be missed: `changed` says the loop is to look again before it waits.
    let wake: (() => void) | null = null;
    let changed = false;
    const notify = () => {
      changed = true;
      wake?.();
      wake = null;
    };
    const stop = new AbortController();
    // The loop may be waiting with no trace probing (every target resolving): wake it.
    const onAbort = () => {
      stop.abort();
      notify();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) stop.abort();
    let running: Promise<unknown> | null = null;
    const drive = () => {
      if (running || prober.active === 0 || stop.signal.aborted) return;
      running = prober.run(stop.signal).then(
        (outcome) => {
          running = null;
          if (outcome === "aborted") notify();
          else drive();
        },
        (e) => {
          running = null;
          fatal ??= e;
          notify();
        },
      );
    };
    let fatal: unknown = null;
    let next = 0;
    let active = 0;
    // How far the destinations are, from the traces done so far: a trace sends as far as the
    // median distance at once (Doubletree's idea, without its stop set), then on as answers come.
    // A count per distance (a TTL is at most 255), so the median costs the same at any size.
    const distances = new Uint32Array(256);
    let measured = 0;
    const lookahead = () => {
      if (measured === 0) return 8;
      let ttl = 0;
      for (let seen = distances[0]!; seen <= measured >> 1; seen += distances[++ttl]!);
      return Math.max(4, Math.min(16, ttl));
    };
    // Traces under way and the sessions they opened: when the run stops, each trace ends as
    // aborted and its sockets are closed at once (by whichever comes first, once).
    const runs = new Set<TraceRun>();
    const own = new Set<Session>();
    const release = (session: Session | null) => {
      if (session && own.delete(session)) session.close();
    };
    const start = async (entry: TargetEntry) => {
      active++;
      let session: Session | null = null;
      let run: TraceRun | null = null;
      try {
        const target = await resolveTarget(entry.host, opts.family, resolver);
        // Stopped while it resolved: nothing to open, nothing to report.
        if (stop.signal.aborted) return;
        const family = shared.get(target.family);
        if (family instanceof Error) throw family;
        if (family) {
          run = new TraceRun(
            { ...family.session, target },
            prober,
            privileges,
            family.channel,
            lookahead(),
          );
        } else {
          session = await openSession(target, traceOptions, transport.transport);
          own.add(session);
          if (stop.signal.aborted) return;
          run = new TraceRun(session, prober, privileges, null, lookahead());
        }
        runs.add(run);
        drive();
        const { trace, events } = await finish(run, keepEvents ?? false);
        probes += trace.statistics.sent;
        if (trace.reason === "reached") {
          distances[Math.min(255, trace.hops.at(-1)?.ttl ?? opts.maxHops)]!++;
          measured++;
        }
        if (trace.reason !== "aborted") {
          traced++;
          if (trace.reason === "reached") reached++;
          done.push({ entry, trace, error: null, events });
        }
      } catch (e) {
        failed++;
        done.push({
          entry,
          trace: null,
          error: e instanceof Error ? e : new Error(String(e)),
          events: null,
        });
      } finally {
        if (run) runs.delete(run);
        release(session);
        active--;
        notify();
      }
    };
    try {
      while (true) {
        while (!stop.signal.aborted && fatal === null && active < parallel && next < list.length) {
          void start(list[next++]!);
        }
        while (done.length > 0) yield done.shift()!;
        if (fatal !== null) throw fatal;
        if (stop.signal.aborted || (next >= list.length && active === 0)) break;
        if (!changed) await new Promise<void>((resolve) => (wake = resolve));
        changed = false;
      }
      return summary(stop.signal.aborted);
    } finally {
      stop.abort();
      await running;
      for (const run of runs) run.abort();
      for (const session of [...own]) release(session);
      options.signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    for (const session of sessions) session.close();
    transport.close();
  }
}
