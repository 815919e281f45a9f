/**
 * The single trace: `trace(host, options)` opens a session, settles the
 * process's privileges, runs the trace's plan on a prober (a group of one,
 * see trace_group.ts) and yields typed events strictly in print order.
 *
 * @module
 */
import type { TraceOptions } from "../config/options.ts";
import { resolveRunConfig } from "../config/run_config.ts";
import { runContext } from "../session/run.ts";
import type { Target, Trace, TraceEvent } from "../core/model.ts";
import { TraceGroup } from "./trace_group.ts";

/**
 * Traces the route to `host` (a name or address, or a Target already
 * resolved), yielding events in print order: `start`, then each `probe` as
 * its result becomes final, a `hop` after each hop's last probe, and `end`.
 * The generator's return value is the whole trace.
 *
 * @example
 * ```ts ignore
 * import { trace } from "./trace.ts";
 * for await (const event of trace("198.18.1.2", { maxHops: 8, resolveNames: false })) {
 *   if (event.type === "hop") console.log(event.hop.ttl, event.hop.probes.map((p) => p.address));
 * }
 * ```
 *
 * @throws {TypeError | OptionError} for invalid options (before any probe)
 * @throws {ResolveError} when the host does not resolve
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws {SystemError} when a socket call fails
 */
export async function* trace(
  host: string | Target,
  options: TraceOptions = {},
): AsyncGenerator<TraceEvent, Trace, undefined> {
  const config = await resolveRunConfig(options);
  const group = await TraceGroup.open(host, [config], {
    ...runContext(options),
    dropPrivileges: config.options.dropPrivileges,
  });
  group.start();
  try {
    return yield* group.runs[0]!.events();
  } finally {
    await group.close();
  }
}

/**
 * Runs a whole trace and resolves to it.
 *
 * @example
 * ```ts ignore
 * import { traceAll } from "./trace.ts";
 * const result = await traceAll("198.18.1.2", { resolveNames: false });
 * console.log(result.reason, result.hops.length);
 * ```
 */
export async function traceAll(host: string | Target, options: TraceOptions = {}): Promise<Trace> {
  const events = trace(host, options);
  while (true) {
    const step = await events.next();
    if (step.done) return step.value;
  }
}
