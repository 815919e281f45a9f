/**
 * `--compare METHODS`: several methods traced at once, shown hop by hop.
 *
 * @module
 */
import type { TraceOptions } from "../options.ts";
import type { ModeSettings } from "./modes.ts";

/**
 * Runs `--compare`: traces `host` with each method of `spec` at once and
 * prints them side by side; resolves to the exit status.
 *
 * @throws {RangeError} for a malformed method list
 */
export function runCompare(
  _host: string,
  spec: string,
  _options: TraceOptions,
  _settings: ModeSettings,
): Promise<number> {
  throw new RangeError(`--compare ${spec}: not built yet`);
}
