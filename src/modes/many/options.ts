/**
 * The options of a run of many targets: a trace's (applied to every
 * target, with more probes at once by default), how many targets at once,
 * the global rate cap; checked once, before anything is opened.
 *
 * @module
 */
import { integerOption, numberOption } from "../../config/checks.ts";
import type { TraceOptions } from "../../config/options.ts";
import { resolveRunConfig, type RunConfig } from "../../config/run_config.ts";

/** Probes per second by default: gentle enough for the real internet (scamper's default is 20). */
export const DEFAULT_RATE = 100;
/** Targets traced at once by default. */
export const DEFAULT_PARALLEL = 64;
/** The most targets at once. */
export const MAX_PARALLEL = 4096;
/** Probes of one trace in flight at once, by default, in a run of many. */
export const MANY_SIMULTANEOUS = 32;

/** Options of a run of many: a trace's (applied to every target), and how many at once. */
export interface ManyOptions extends TraceOptions {
  /** Targets traced at once (64 by default, at most 4096; fewer when descriptors are short). */
  parallel?: number;
  /** Probes sent per second at most, by all traces together (100 by default; 0: no cap). */
  rate?: number;
  /** Keep each trace's events in its result (for `--ndjson`). */
  events?: boolean;
}

/** A run of many's options, checked. */
export interface ManySettings {
  /** Every trace's configuration (32 probes at once by default in adaptive timing). */
  readonly config: RunConfig;
  /** Targets at once, as asked (the budget may allow fewer). */
  readonly parallel: number;
  /** Probes per second at most, by all traces together; 0: no cap. */
  readonly rate: number;
  /** Keep each trace's events in its result. */
  readonly keepEvents: boolean;
}

/**
 * Checks `options` and resolves every trace's configuration.
 *
 * @throws {OptionTypeError | OptionError} for an invalid option
 */
export async function resolveManyOptions(options: ManyOptions): Promise<ManySettings> {
  const { parallel: askedParallel, rate: askedRate, events, ...base } = options;
  const config = await resolveRunConfig({
    ...base,
    ...(base.simultaneous === undefined && base.timing !== "classic"
      ? { simultaneous: MANY_SIMULTANEOUS, timing: base.timing ?? "adaptive" }
      : {}),
  });
  const rate = numberOption("rate", askedRate, DEFAULT_RATE, {
    finite: true,
    unit: " of probes a second",
  });
  const parallel = integerOption("parallel", askedParallel, DEFAULT_PARALLEL, 1, MAX_PARALLEL);
  return { config, parallel, rate, keepEvents: events ?? false };
}
