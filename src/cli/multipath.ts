/**
 * `--flows N` and `--mda`: many flows at once, and the paths they find.
 *
 * @module
 */
import { MAX_FLOWS, multipath } from "../multipath.ts";
import type { TraceOptions } from "../options.ts";
import { formatMultipath, multipathToJson } from "../output/multipath.ts";
import type { ModeSettings } from "./modes.ts";

/** Settings of a multipath run. */
export interface MultipathSettings extends ModeSettings {
  /** `--flows N`, or 0. */
  flows: number;
  /** `--mda`. */
  mda: boolean;
  /** The MDA's confidence level, as a fraction (0.95). */
  confidence: number;
}

/**
 * Runs `--flows` or `--mda` and prints what it finds; resolves to the exit
 * status (130 / 143 when interrupted, after printing what was found).
 *
 * @throws {RangeError} for options a multipath run cannot take
 */
export async function runMultipath(
  host: string,
  options: TraceOptions,
  settings: MultipathSettings,
): Promise<number> {
  if (!settings.mda && (settings.flows < 1 || settings.flows > MAX_FLOWS)) {
    throw new RangeError(`--flows takes 1 to ${MAX_FLOWS} flows`);
  }
  if (settings.explain) {
    throw new RangeError("--explain explains single traces, not --flows or --mda");
  }
  if (settings.output === "ndjson") {
    throw new RangeError("--flows and --mda print no events: use --json");
  }
  const { paris: _paris, queries: _queries, ...rest } = options;
  const run = await multipath(host, {
    ...rest,
    ...(settings.mda ? { mda: true, confidence: settings.confidence } : { flows: settings.flows }),
  });
  settings.out.stdout(
    settings.output === "json"
      ? JSON.stringify(multipathToJson(run), null, 2) + "\n"
      : formatMultipath(run, { numeric: settings.numeric }),
  );
  if (run.reason === "aborted") return settings.signal?.reason === "SIGTERM" ? 143 : 130;
  return 0;
}
