/**
 * What the command line's modes beyond one trace (`--compare`, `--flows`,
 * `--mda`) share.
 *
 * @module
 */
import type { CliOutput } from "./main.ts";

/** The command line's settings a mode runs with. */
export interface ModeSettings {
  /** Output format. */
  output: "classic" | "json" | "ndjson";
  /** `-n`: addresses only. */
  numeric: boolean;
  /** `--explain`: findings after the output. */
  explain: boolean;
  /** Where output goes. */
  out: CliOutput;
  /** Aborts the run (SIGINT, SIGTERM). */
  signal?: AbortSignal;
}
