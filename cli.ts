/**
 * The command line's own entry: `deno run --allow-ffi ... cli.ts host`. It
 * loads only what the command line uses (mod.ts, run as the main module,
 * loads the whole library first); `deno task bundle` makes it one file.
 *
 * @module
 */
import { runCli } from "./src/cli/run.ts";

if (import.meta.main) await runCli();
