/**
 * `--watch`: the live screen of a continuous run.
 *
 * @module
 */
import type { WatchSession } from "../modes/watch.ts";
import type { Column } from "../stats/columns.ts";
import type { CliOutput } from "./io.ts";

/** What the screen shows and where. */
export interface ScreenSettings {
  /** The columns, in order. */
  columns: readonly Column[];
  /** Addresses only (`-n`). */
  numeric: boolean;
  /** Where text goes. */
  out: CliOutput;
  /** Stops the run (SIGINT, SIGTERM). */
  signal?: AbortSignal;
}

/** Runs the live screen until `q`, Ctrl-C or the end; resolves to the exit status. */
export function runWatchScreen(_session: WatchSession, _settings: ScreenSettings): Promise<number> {
  return Promise.reject(new Error("the live screen is not built yet"));
}
