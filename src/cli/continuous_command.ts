/**
 * `--report` and `--watch` on the command line: a continuous run, printed
 * at the end as a report with its findings (text, `--json`, `--csv`, a graph
 * with `--dot`; `--html FILE` writes a page beside), as it goes (`--ndjson`:
 * a line per cycle), or drawn live on the terminal (`--watch`; on a
 * non-terminal it runs as `--report` and says so).
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { explainReport } from "../explain/report.ts";
import { watch, type WatchOptions, type WatchSession } from "../modes/watch.ts";
import { Privacy } from "../core/privacy.ts";
import type { WatchControls } from "./watch_screen.ts";
import type { WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import { formatReport } from "../output/report.ts";
import { cycleLine, endLine, formatCsv, reportToJson, startLine } from "../output/report_json.ts";
import { DEFAULT_COLUMNS } from "../stats/columns.ts";
import {
  AS_COLUMNS,
  type IdentityColumn,
  lookedUpColumns,
  parseReportColumns,
  type ReportColumn,
} from "../output/columns.ts";
import type { TraceStart } from "../core/model.ts";
import type { ContinuousCommand } from "./command.ts";
import { interruptedStatus, STATUS } from "./exit.ts";
import { localHost } from "./io.ts";
import { dotOf, writeHtmlIfAsked } from "./pictures.ts";
import { terminalSupport } from "./terminal.ts";
import { VERSION } from "./usage.ts";

/** Cycles of a `--report` when `--cycles` is not given (mtr's too). */
export const REPORT_CYCLES = 10;

/** The columns of each output of a continuous run. */
interface OutputColumns {
  /** The text report's. */
  report: readonly ReportColumn[];
  /** The CSV's. */
  csv: readonly ReportColumn[];
  /** The live screen's at first. */
  screen: readonly ReportColumn[];
  /** What the screen's `z` shows where none of `screen` is an identity column. */
  z: readonly IdentityColumn[];
}

/**
 * The columns `--columns` asks for, in every output. Without it, mtr's set,
 * and what the run looks up: the report adds `CC` and `City` with
 * `--geoip` (its host column shows the AS, `[AS64501]`, as mtr's `-z`);
 * the CSV adds every column looked up (`ASN`, `AS_Name` where the source
 * names ASes, `CC`, `City`), as mtr's CSV adds `Asn` with `-z`; the live
 * screen starts with mtr's set, and its `z` shows the AS and place columns.
 */
function columnsOf(command: ContinuousCommand): OutputColumns {
  if (command.columns !== null) {
    let given: readonly ReportColumn[];
    try {
      given = parseReportColumns(command.columns);
    } catch (e) {
      if (e instanceof RangeError) throw new OptionError("columns", `--columns: ${e.message}`);
      throw e;
    }
    return { report: given, csv: given, screen: given, z: AS_COLUMNS };
  }
  const { asSource, geoip } = command.config.options;
  const as = asSource === null ? null : asSource.kind === "whois" ? "numbered" : "named";
  const places = lookedUpColumns({ as: null, places: geoip !== null });
  return {
    report: [...DEFAULT_COLUMNS, ...places],
    csv: [...DEFAULT_COLUMNS, ...lookedUpColumns({ as, places: geoip !== null })],
    screen: DEFAULT_COLUMNS,
    z: [...AS_COLUMNS, ...places],
  };
}

/** The library options of the run from the command line's. */
function watchOptions(command: ContinuousCommand, live: boolean): WatchOptions {
  const {
    timing: _timing,
    queries: _queries,
    wait,
    simultaneous,
    ...rest
  } = command.options;
  return {
    ...rest,
    cycles: command.cycles ?? (live ? Infinity : REPORT_CYCLES),
    interval: (command.intervalSeconds ?? 1) * 1000,
    // The screen draws from snapshots; a report needs only the last.
    snapshots: live,
    queries: command.queriesGiven ? command.config.options.queries : 1,
    ...(command.flows !== null ? { flows: command.flows, paris: true } : {}),
    ...(command.waitGiven && wait?.max !== undefined ? { wait: { max: wait.max } } : {}),
    ...(simultaneous !== undefined && command.classic ? { simultaneous } : {}),
  };
}

/**
 * The run as the screen and the report see it: with `--privacy N`, every
 * event and snapshot has its first N hops hidden before anything shows it.
 */
function shownSession(session: WatchSession, privacy: Privacy): WatchControls {
  if (privacy.hops === 0) return session;
  return {
    pause: () => session.pause(),
    resume: () => session.resume(),
    get paused() {
      return session.paused;
    },
    reset: () => session.reset(),
    stop: () => session.stop(),
    snapshot: () => {
      const snapshot = session.snapshot();
      return snapshot && privacy.snapshot(snapshot);
    },
    async *[Symbol.asyncIterator]() {
      for await (const event of session) yield privacy.watchEvent(event);
    },
  };
}

/** Runs a continuous run and prints it; resolves to the exit status. */
export async function runContinuousCommand(command: ContinuousCommand): Promise<number> {
  const { settings } = command;
  const { out } = settings;
  const columns = columnsOf(command);
  let live = command.view === "watch";
  const noScreen = live ? terminalSupport() : null;
  if (noScreen !== null) {
    out.stderr(`hopwise: --watch: ${noScreen}: running as --report\n`);
    live = false;
  }
  if (live && settings.output !== "classic") {
    throw new OptionError(
      "watch",
      `--watch draws on the terminal: use --report with --${settings.output}`,
    );
  }
  const session = watch(command.target, watchOptions(command, live));
  const shown = shownSession(
    session,
    new Privacy(settings.privacy ?? 0, command.target.address),
  );
  if (live) {
    const { runWatchScreen } = await import("./watch_screen.ts");
    return await runWatchScreen(shown, {
      columns: columns.screen,
      identityColumns: columns.z,
      reportColumns: columns.report,
      numeric: settings.numeric,
      out,
      ...(settings.signal ? { signal: settings.signal } : {}),
    });
  }
  let start: TraceStart | null = null;
  let watchSettings: WatchSettings | null = null;
  let final: WatchSnapshot | null = null;
  let reason: "done" | "aborted" = "done";
  // --html draws every cycle's round trips: kept for it alone.
  const series = settings.html !== undefined
    ? new (await import("../output/cycle_series.ts")).CycleSeries()
    : null;
  for await (const event of shown) {
    if (event.type === "start") {
      start = event.start;
      watchSettings = event.watch;
      if (settings.output === "ndjson") out.stdout(startLine(start, watchSettings));
    } else if (event.type === "cycle") {
      if (settings.output === "ndjson") out.stdout(cycleLine(event.cycle));
      series?.add(event.cycle);
    } else if (event.type === "end") {
      final = event.snapshot;
      reason = event.reason;
    }
  }
  if (!start || !watchSettings || !final) return STATUS.failed;
  const findings = explainReport(final, start.firstHop);
  const document = {
    start,
    watch: watchSettings,
    snapshot: final,
    endedAt: new Date().toISOString(),
    reason,
    statistics: session.statistics(),
    findings,
  };
  switch (settings.output) {
    case "ndjson":
      out.stdout(endLine(document));
      break;
    case "json":
      out.stdout(JSON.stringify(reportToJson(document), null, 2) + "\n");
      break;
    case "csv":
      out.stdout(formatCsv(document, columns.csv, VERSION));
      break;
    case "dot": {
      const title = `${start.target.host} (${start.target.address})`;
      const { firstHop } = start;
      const flows = watchSettings.flows;
      out.stdout(await dotOf((g) => g.reportGraph(title, final, firstHop, flows)));
      break;
    }
    default:
      out.stdout(
        formatReport(
          { start, watch: watchSettings, snapshot: final, host: localHost(), findings },
          { columns: columns.report, numeric: settings.numeric },
        ),
      );
  }
  const status = reason === "aborted" ? interruptedStatus(settings.signal) : STATUS.ok;
  return await writeHtmlIfAsked(
    settings,
    status,
    (p) => p.reportPage({ ...document, series, version: VERSION }),
  );
}
