/**
 * The quiet companion trace of `-T --explain`: the same target and options
 * traced with ICMP echo at the same time, so {@linkcode explain} can tell a
 * TCP trace that ends early (a transparent proxy) from the path's real length.
 *
 * @module
 */
import type { TraceOptions } from "../options.ts";
import { trace } from "../tracer.ts";
import type { Trace } from "../types.ts";

/** A companion trace under way. */
export interface Companion {
  /**
   * The finished companion traces: one, or none when the companion could not
   * run (then `failure` says why).
   */
  result(): Promise<Trace[]>;
  /** Why the companion could not run or finish, once `result()` has settled with none. */
  readonly failure: string | null;
  /** Stops the companion (harmless once it has finished). */
  stop(): void;
}

/**
 * Starts an ICMP trace of `host` with `options` (method, method options,
 * port, source port, names, AS lookups and --mtu set aside) and resolves once
 * its sockets are open. It keeps the process's privileges (the main trace,
 * started afterwards, drops them once its own sockets are open); it prints
 * nothing.
 */
export async function startCompanion(host: string, options: TraceOptions): Promise<Companion> {
  const stop = new AbortController();
  const outer = options.signal;
  const onAbort = () => stop.abort();
  outer?.addEventListener("abort", onAbort, { once: true });
  if (outer?.aborted) stop.abort();
  const { asLookups: _asLookups, ...rest } = options;
  const events = trace(host, {
    ...rest,
    method: "icmp",
    methodOptions: [],
    port: 0,
    sourcePort: 0,
    mtuDiscovery: false,
    resolveNames: false,
    dropPrivileges: false,
    signal: stop.signal,
  });
  let failure: string | null = null;
  const fail = (e: unknown): Trace[] => {
    failure = e instanceof Error ? e.message : String(e);
    return [];
  };
  let first: Promise<unknown>;
  try {
    // The first event (start) comes once the sockets are open.
    first = Promise.resolve(await events.next());
  } catch (e) {
    first = Promise.reject(e);
  }
  const done = first.then(async () => {
    while (true) {
      const step = await events.next();
      if (step.done) return [step.value];
    }
  }).catch(fail).finally(() => outer?.removeEventListener("abort", onAbort));
  return {
    result: () => done,
    get failure() {
      return failure;
    },
    stop: () => stop.abort(),
  };
}
