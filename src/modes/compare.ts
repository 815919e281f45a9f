/**
 * Method comparison (`--compare`): one trace of the target per method, all
 * at once on one prober, so firewall rules that treat methods differently
 * show hop by hop. A method the process lacks the privilege for is left
 * out; the others run.
 *
 * @module
 */
import { PrivilegeError } from "../core/errors.ts";
import type { TraceOptions } from "../config/options.ts";
import type { MethodName, Target } from "../core/model.ts";
import { resolveRunConfig } from "../config/run_config.ts";
import { runContext } from "../session/run.ts";
import { TraceGroup } from "./trace_group.ts";

/** One method of a comparison. */
export interface CompareMethod {
  /** As shown: the method, and `:port` when one was given (`tcp:443`). */
  label: string;
  /** The probe method. */
  method: MethodName;
  /**
   * The port given (for raw, the protocol number), or null for the method's
   * default (or `-p`).
   */
  port: number | null;
}

/** The trace options of one method of a comparison. */
export function compareOptions(base: TraceOptions, m: CompareMethod): TraceOptions {
  const { methodOptions: words, port, ...rest } = base;
  const options: TraceOptions = { ...rest, method: m.method };
  // -O keywords go with the method they were given for (-M's) only.
  if (words && words.length > 0 && m.method === (base.method ?? "default")) {
    options.methodOptions = [...words];
  }
  // For raw the port is the protocol, as -p's is.
  if (m.port !== null) options.port = m.port;
  else if (port !== undefined) options.port = port;
  return options;
}

/**
 * Opens a trace of `host` per method, on one prober, with privileges settled
 * once every socket is open (dropped when `options.dropPrivileges` asks and
 * no later socket needs them). A method lacking its privilege is left out
 * (its failure is in the group's `failures`); when every method lacks it,
 * the first PrivilegeError is thrown.
 *
 * @throws {OptionError} for options a method cannot take
 * @throws {PrivilegeError} when no method may run
 * @throws {ResolveError | SystemError} as trace() does
 */
export async function openComparison(
  host: string | Target,
  methods: readonly CompareMethod[],
  options: TraceOptions,
): Promise<TraceGroup> {
  const configs = [];
  for (const m of methods) configs.push(await resolveRunConfig(compareOptions(options, m)));
  const group = await TraceGroup.open(host, configs, {
    ...runContext(options),
    dropPrivileges: options.dropPrivileges ?? false,
    skip: (error) => error instanceof PrivilegeError,
  });
  if (group.runs.every((run) => run === null)) {
    await group.close();
    throw group.failures.find((f) => f instanceof PrivilegeError);
  }
  return group;
}
