/**
 * `--watch`: the live screen of a continuous run, as mtr's curses screen.
 * The frame is redrawn on every snapshot of the run (once an interval, and
 * at most every {@linkcode MIN_FRAME_MS}), and at once after a key or a
 * resize. Keys:
 *
 * - `q` quits (status 0): the terminal is given back at once, and the run
 *   ends at its next event, dropping the probes in flight;
 * - Ctrl-C (byte 3 in raw mode) interrupts as SIGINT does (status 130);
 *   SIGTERM, through `settings.signal`, ends with status 143;
 * - `p` pauses and resumes (space resumes too, as in mtr), `r` resets the
 *   statistics, `n` switches names and addresses, `j` switches between the
 *   columns given and mtr's jitter set, `z` shows or hides the identity
 *   columns (those given, or `ASN` and `AS Name`, as mtr's `z` shows the
 *   AS, and `CC` and `City` with `--geoip`), `h` (or `?`) shows the help,
 *   Esc closes it, Ctrl-L redraws.
 *
 * When the run ends by itself (`--cycles N`), the terminal is given back and
 * the final report (with its findings) is printed, so the result stays in
 * the scrollback. Any error gives the terminal back first, then goes on.
 * Whether the terminal can draw the screen at all is the caller's check
 * (`terminalSupport`): continuous_command.ts runs as `--report` when not.
 *
 * @module
 */
import { explainReport } from "../explain/report.ts";
import type { WatchSession } from "../modes/watch.ts";
import type { WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import { formatReport } from "../output/report.ts";
import { renderScreen, type ScreenView } from "../output/screen.ts";
import { DEFAULT_COLUMNS, JITTER_COLUMNS } from "../stats/columns.ts";
import {
  AS_COLUMNS,
  type IdentityColumn,
  isIdentityColumn,
  type ReportColumn,
} from "../output/columns.ts";
import type { TraceStart } from "../core/model.ts";
import { interruptedStatus, STATUS } from "./exit.ts";
import { type CliOutput, localHost } from "./io.ts";
import { Terminal, type TerminalSize, utf8Locale } from "./terminal.ts";
import { VERSION } from "./usage.ts";

/** The fewest ms between two frames drawn for snapshots (keys and resizes draw at once). */
export const MIN_FRAME_MS = 40;
/** How long a message stays in the footer, ms. */
const STATUS_MS = 4000;

/** What the screen needs of a run: its events and its controls ({@linkcode WatchSession} has them). */
export type WatchControls = Pick<
  WatchSession,
  "pause" | "resume" | "paused" | "reset" | "stop" | "snapshot" | typeof Symbol.asyncIterator
>;

/** What the screen needs of a terminal ({@linkcode Terminal} has it). */
export interface ScreenTerminal {
  /** The size now. */
  size(): TerminalSize;
  /** Draws a frame in place. */
  draw(lines: readonly string[]): void;
  /** Makes the next frame repaint everything. */
  clear(): void;
  /** Calls `listener` on a resize. */
  onResize(listener: () => void): void;
  /** The keys typed. */
  keys(): AsyncIterable<string>;
  /** Gives the terminal back (idempotent). */
  leave(): void;
}

/** What the screen shows and where. */
export interface ScreenSettings {
  /** The columns, in order (statistics and identity columns). */
  columns: readonly ReportColumn[];
  /**
   * What `z` shows where `columns` has no identity column: the AS and
   * place columns (mtr's `z`: `ASN` and `AS Name`, by default).
   */
  identityColumns?: readonly IdentityColumn[];
  /** The final report's columns (`columns` by default). */
  reportColumns?: readonly ReportColumn[];
  /** Addresses only (`-n`). */
  numeric: boolean;
  /** Where text goes. */
  out: CliOutput;
  /** Stops the run (SIGINT, SIGTERM). */
  signal?: AbortSignal;
  /** The terminal (the process's, checked and entered, by default; given: used as it is). */
  terminal?: ScreenTerminal;
  /** Unicode blocks in the history strip (by default when the locale is UTF-8). */
  unicode?: boolean;
  /** This host's name for the final report's header. */
  host?: string;
}

/** The final report of a run, with its findings. */
function finalReport(
  start: TraceStart,
  watch: WatchSettings,
  snapshot: WatchSnapshot,
  settings: ScreenSettings,
): string {
  const findings = explainReport(snapshot, start.firstHop);
  return formatReport(
    { start, watch, snapshot, host: settings.host ?? localHost(), findings },
    { columns: settings.reportColumns ?? settings.columns, numeric: settings.numeric },
  );
}

/** One live screen: the run's state, what is shown, and the keys' effects. */
class WatchScreen {
  readonly #session: WatchControls;
  readonly #settings: ScreenSettings;
  readonly #terminal: ScreenTerminal;
  #start: TraceStart | null = null;
  #watch: WatchSettings | null = null;
  #snapshot: WatchSnapshot | null = null;
  #jitter = false;
  /** The identity columns are shown (`z`); at first, when some were given. */
  #identity: boolean;
  #numeric: boolean;
  #help = false;
  #status = "";
  #statusAt = 0;
  /** The status asked for by a key or a signal; null while running. */
  #quit: number | null = null;
  #done = false;
  #keyError: { error: unknown } | null = null;
  #lastFrame = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(session: WatchControls, settings: ScreenSettings, terminal: ScreenTerminal) {
    this.#session = session;
    this.#settings = settings;
    this.#terminal = terminal;
    this.#numeric = settings.numeric;
    this.#identity = settings.columns.some(isIdentityColumn);
  }

  /** Runs until the run ends; the exit status. */
  async run(): Promise<number> {
    const { signal } = this.#settings;
    const onAbort = () => this.#finish(interruptedStatus(signal));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    this.#terminal.onResize(() => this.#draw());
    void this.#readKeys();
    let end: { reason: "done" | "aborted"; snapshot: WatchSnapshot } | null = null;
    try {
      this.#draw();
      for await (const event of this.#session) {
        // Quitting: leaving the loop ends the run at once (what is in flight is dropped).
        if (this.#quit !== null) break;
        if (event.type === "start") {
          this.#start = event.start;
          this.#watch = event.watch;
          this.#draw();
        } else if (event.type === "snapshot") {
          this.#snapshot = event.snapshot;
          this.#frameSoon();
        } else if (event.type === "end") {
          end = event;
          this.#snapshot = event.snapshot;
        }
      }
    } finally {
      this.#done = true;
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(this.#timer);
      this.#terminal.leave();
    }
    if (this.#keyError) throw this.#keyError.error;
    if (this.#quit !== null) return this.#quit;
    if (!end || !this.#start || !this.#watch) return STATUS.failed;
    if (end.reason === "aborted") return interruptedStatus(signal);
    this.#settings.out.stdout(finalReport(this.#start, this.#watch, end.snapshot, this.#settings));
    return STATUS.ok;
  }

  /** Stops: the terminal back at once, the run told to stop. */
  #finish(status: number): void {
    if (this.#quit !== null) return;
    this.#quit = status;
    this.#terminal.leave();
    this.#session.stop();
  }

  /** Reads the keys until the end; an error in a key's handling stops the run. */
  async #readKeys(): Promise<void> {
    try {
      for await (const key of this.#terminal.keys()) {
        if (this.#done || this.#quit !== null) return;
        this.#key(key);
      }
    } catch (error) {
      this.#keyError = { error };
      this.#finish(STATUS.failed);
    }
  }

  /** What a key does. */
  #key(key: string): void {
    const session = this.#session;
    switch (key) {
      case "q":
        return this.#finish(STATUS.ok);
      case "C-c":
        return this.#finish(STATUS.interrupted);
      case "p":
      case " ":
        if (session.paused) {
          session.resume();
          this.#say("resumed");
        } else if (key === "p") {
          session.pause();
          this.#say("paused: no new cycles until p");
        }
        break;
      case "r":
        session.reset();
        this.#snapshot = session.snapshot() ?? this.#snapshot;
        this.#say("statistics reset");
        break;
      case "n":
        this.#numeric = !this.#numeric;
        this.#say(
          this.#numeric
            ? "addresses shown"
            : this.#start?.settings.resolveNames === false
            ? "names were not looked up (-n): addresses shown"
            : "names shown",
        );
        break;
      case "j":
        this.#jitter = !this.#jitter;
        this.#say(this.#jitter ? "jitter columns" : "the columns given");
        break;
      case "z":
        this.#identity = !this.#identity;
        this.#say(this.#identity ? "AS and place columns shown" : "AS and place columns hidden");
        break;
      case "h":
      case "?":
        this.#help = !this.#help;
        break;
      case "escape":
        this.#help = false;
        break;
      case "C-l":
        this.#terminal.clear();
        break;
      default:
        this.#say(`key ${key.length === 1 ? `"${key}"` : key} does nothing: h for help`);
    }
    this.#draw();
  }

  #say(text: string): void {
    this.#status = text;
    this.#statusAt = Date.now();
  }

  /**
   * The columns shown: the given ones, or with `j` the given identity
   * columns and the jitter set (the default set if those are the jitter
   * set); with `z` off, no identity columns, and with `z` on, the AS and
   * place columns ({@linkcode ScreenSettings.identityColumns}) first when
   * none are given.
   */
  #columns(): readonly ReportColumn[] {
    const given = this.#settings.columns;
    const identity = given.filter(isIdentityColumn);
    const shown: readonly ReportColumn[] = !this.#jitter
      ? given
      : [...identity, ...(given === JITTER_COLUMNS ? DEFAULT_COLUMNS : JITTER_COLUMNS)];
    if (!this.#identity) {
      return identity.length > 0 ? shown.filter((c) => !isIdentityColumn(c)) : shown;
    }
    return identity.length > 0
      ? shown
      : [...(this.#settings.identityColumns ?? AS_COLUMNS), ...shown];
  }

  #view(): ScreenView {
    const snapshot = this.#snapshot;
    const start = this.#start;
    return {
      program: `hopwise ${VERSION}`,
      start,
      watch: this.#watch,
      snapshot,
      columns: this.#columns(),
      numeric: this.#numeric,
      paused: this.#session.paused,
      help: this.#help,
      findings: snapshot && start ? explainReport(snapshot, start.firstHop) : [],
      status: Date.now() - this.#statusAt < STATUS_MS ? this.#status : "",
      unicode: this.#settings.unicode ?? utf8Locale(),
    };
  }

  /** Draws now. */
  #draw(): void {
    if (this.#quit !== null || this.#done) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastFrame = Date.now();
    this.#terminal.draw(renderScreen(this.#view(), this.#terminal.size()));
  }

  /** Draws for a snapshot: now, or once {@linkcode MIN_FRAME_MS} have passed since the last frame. */
  #frameSoon(): void {
    const wait = this.#lastFrame + MIN_FRAME_MS - Date.now();
    if (wait <= 0) this.#draw();
    else this.#timer ??= setTimeout(() => this.#draw(), wait);
  }
}

/**
 * Runs the live screen until `q`, Ctrl-C, a signal or the run's end;
 * resolves to the exit status (0, 130, 143). Without `settings.terminal` it
 * enters the process's, which the caller has checked (`terminalSupport`).
 */
export async function runWatchScreen(
  session: WatchControls,
  settings: ScreenSettings,
): Promise<number> {
  const terminal = settings.terminal ?? Terminal.enter();
  try {
    return await new WatchScreen(session, settings, terminal).run();
  } finally {
    terminal.leave();
  }
}
