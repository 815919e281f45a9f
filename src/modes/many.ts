/**
 * Many targets in one run (`--targets`): thousands of traces on one prober,
 * `parallel` at a time, every probe under one global rate cap. Where the
 * method can share a socket (ICMP), every trace of a family goes through
 * one unconnected socket; otherwise each trace opens its own, and the
 * number at once is sized to the descriptors the system allows.
 *
 * `traceMany(targets, options)` yields each trace as it completes (not in
 * input order; the command line orders them), and a target that does not
 * resolve or open as a result with its error. Its parts are in many/: the
 * options, the budget, the shared sockets, the opening of the run, one
 * target's trace, and the scheduler.
 *
 * @module
 */
import { runContext } from "../session/run.ts";
import type { TargetEntry } from "./targets.ts";
import { openManyRun } from "./many/open_run.ts";
import { type ManyOptions, resolveManyOptions } from "./many/options.ts";
import type { ManyResult, ManySummary } from "./many/results.ts";
import { ManyScheduler } from "./many/scheduler.ts";
import { targetTracer } from "./many/target_trace.ts";

export {
  DEFAULT_PARALLEL,
  DEFAULT_RATE,
  MANY_SIMULTANEOUS,
  type ManyOptions,
  MAX_PARALLEL,
} from "./many/options.ts";
export type { ManyResult, ManySummary } from "./many/results.ts";

function entryOf(target: string | TargetEntry, index: number): TargetEntry {
  return typeof target === "string" ? { index, line: index + 1, host: target } : target;
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
 * @throws {OptionTypeError | OptionError} for invalid options (before anything is sent)
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 */
export async function* traceMany(
  targets: Iterable<string | TargetEntry>,
  options: ManyOptions = {},
): AsyncGenerator<ManyResult, ManySummary, undefined> {
  const started = performance.now();
  const settings = await resolveManyOptions(options);
  const list = [...targets].map(entryOf);
  // The run stops on the caller's signal itself (the scheduler wakes its loop too).
  const { signal, ...context } = runContext(options);
  const many = await openManyRun(settings, context);
  try {
    const { budget } = many;
    const scheduler = new ManyScheduler(many.sequence, {
      parallel: budget.parallel,
      trace: targetTracer(many, settings.keepEvents),
      signal,
    });
    return yield* scheduler.run(list, (aborted): ManySummary => ({
      targets: list.length,
      ...scheduler.tally,
      parallel: budget.parallel,
      parallelNote: budget.note,
      wallMs: performance.now() - started,
      aborted,
      privileges: many.privileges,
    }));
  } finally {
    await many.sequence.close();
  }
}
