/**
 * `--flows N` and `--mda` on the command line: many flows at once, and the
 * paths they find (text, `--json`, `--dot`; and `--html FILE`).
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { MAX_FLOWS, multipath } from "../modes/multipath.ts";
import { formatMultipath, multipathToJson } from "../output/multipath.ts";
import type { MultipathCommand } from "./command.ts";
import { interruptedStatus, STATUS } from "./exit.ts";
import { Privacy } from "../core/privacy.ts";
import { multipathDot, writeHtmlIfAsked } from "./pictures.ts";
import { VERSION } from "./usage.ts";

/**
 * Runs `--flows` or `--mda` and prints what it finds; resolves to the exit
 * status (130 / 143 when interrupted, after printing what was found).
 *
 * @throws {OptionError} for options a multipath run cannot take
 */
export async function runMultipathCommand(command: MultipathCommand): Promise<number> {
  const { settings } = command;
  const flows = command.flows ?? 0;
  if (!command.mda && (flows < 1 || flows > MAX_FLOWS)) {
    throw new OptionError("flows", `--flows takes 1 to ${MAX_FLOWS} flows`);
  }
  if (settings.explain) {
    throw new OptionError("explain", "--explain explains single traces, not --flows or --mda");
  }
  if (settings.output === "ndjson") {
    throw new OptionError("ndjson", "--flows and --mda print no events: use --json");
  }
  const { paris: _paris, queries: _queries, ...rest } = command.options;
  const found = await multipath(command.target, {
    ...rest,
    ...(command.mda ? { mda: true, confidence: command.confidence / 100 } : { flows }),
  });
  // --privacy: hidden before anything shows it.
  const run = new Privacy(settings.privacy ?? 0, command.target.address).multipath(found);
  settings.out.stdout(
    settings.output === "json"
      ? JSON.stringify(multipathToJson(run), null, 2) + "\n"
      : settings.output === "dot"
      ? await multipathDot(run)
      : formatMultipath(run, { numeric: settings.numeric }),
  );
  const status = run.reason === "aborted" ? interruptedStatus(settings.signal) : STATUS.ok;
  return await writeHtmlIfAsked(settings, status, (p) => p.multipathPage(run, VERSION));
}
