/**
 * The terminal of the live screen, with standard escapes only: the
 * alternate screen (`CSI ?1049h`), a hidden cursor (`CSI ?25l`) and raw
 * input on entering; frames drawn in place (each line positioned, then
 * cleared to its end, the rest of the screen cleared: no flicker); the size
 * and its changes (SIGWINCH where Deno has it, else the size read again at
 * every frame); the keys read from standard input; and, on leaving, the
 * cursor, the normal screen and cooked input back.
 *
 * Leaving is idempotent and guaranteed: by the caller (normal end, an error
 * through `finally`), on SIGINT and SIGTERM (the terminal is restored at
 * once; what the signal means is the caller's), on an uncaught error or
 * unhandled rejection, and on `unload` (`Deno.exit`) as the last resort. The
 * terminal is never left in raw mode.
 *
 * @module
 */
import { env } from "./io.ts";

/** A terminal's size in characters. */
export interface TerminalSize {
  /** Characters per line. */
  columns: number;
  /** Lines. */
  rows: number;
}

/** The smallest terminal the live screen draws on. */
export const MIN_TERMINAL_SIZE: Readonly<TerminalSize> = { columns: 40, rows: 10 };

/** Control sequence introducer. */
const CSI = "\x1b[";
/** Entering: the alternate screen, the cursor hidden, the screen cleared. */
export const ENTER_SEQUENCE = `${CSI}?1049h${CSI}?25l${CSI}H${CSI}2J`;
/** Leaving: the cursor shown, the normal screen back. */
export const LEAVE_SEQUENCE = `${CSI}?25h${CSI}?1049l`;

/** What a {@linkcode Terminal} drives: the process's terminal, or a fake in tests. */
export interface TerminalDevice {
  /** Writes all of `text`. */
  write(text: string): void;
  /** Raw input on or off. */
  setRaw(raw: boolean): void;
  /** Reads input bytes into `buffer`: how many, or null at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** The size now. */
  size(): TerminalSize;
}

const encoder = new TextEncoder();

/** The process's terminal: standard input and output. */
export const processTerminal: TerminalDevice = {
  write(text) {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  },
  setRaw: (raw) => Deno.stdin.setRaw(raw, { cbreak: false }),
  read: (buffer) => Deno.stdin.read(buffer),
  size: () => Deno.consoleSize(),
};

/**
 * Why the live screen cannot draw here, or null when it can: standard input
 * and output must be terminals, `TERM` set and not `dumb`, the size at
 * least `min`.
 */
export function terminalSupport(min: TerminalSize = MIN_TERMINAL_SIZE): string | null {
  try {
    if (!Deno.stdin.isTerminal() || !Deno.stdout.isTerminal()) {
      return "standard input and output are not both a terminal";
    }
  } catch {
    return "standard input and output are not both a terminal";
  }
  const term = env("TERM") ?? "";
  if (term === "" || term === "dumb") return term === "" ? "TERM is not set" : 'TERM is "dumb"';
  let size: TerminalSize;
  try {
    size = Deno.consoleSize();
  } catch {
    return "the terminal's size is not known";
  }
  if (size.columns < min.columns || size.rows < min.rows) {
    return `the terminal is ${size.columns}x${size.rows}, smaller than ${min.columns}x${min.rows}`;
  }
  return null;
}

/** Whether the locale says UTF-8 (`LC_ALL`, else `LC_CTYPE`, else `LANG`). */
export function utf8Locale(): boolean {
  const locale = [env("LC_ALL"), env("LC_CTYPE"), env("LANG")].find((v) =>
    v !== undefined && v !== ""
  );
  return locale !== undefined && /utf-?8/i.test(locale);
}

/** Names of the keys of CSI / SS3 sequences (`ESC [ A`, `ESC O A`). */
const SEQUENCE_KEYS: Readonly<Record<string, string>> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

/**
 * The keys in a chunk of input: a printable character as itself, a control
 * character as `C-<letter>` (byte 3 is `C-c`), `enter`, `tab`, `backspace`,
 * `escape`, and the arrows' names; other sequences as `unknown`.
 */
export function parseKeys(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  const keys: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    if (ch === "\x1b") {
      const next = text[i + 1];
      if (next !== "[" && next !== "O") {
        keys.push("escape");
        continue;
      }
      // Parameters and intermediates, then one final byte from @ to ~.
      let j = i + 2;
      while (j < text.length && !/[@-~]/.test(text[j]!)) j++;
      const final = text[j];
      keys.push(final !== undefined ? SEQUENCE_KEYS[final] ?? "unknown" : "unknown");
      i = j;
    } else if (code === 13 || code === 10) keys.push("enter");
    else if (code === 9) keys.push("tab");
    else if (code === 127 || code === 8) keys.push("backspace");
    else if (code < 32) keys.push(`C-${String.fromCharCode(code + 96)}`);
    else keys.push(ch);
  }
  return keys;
}

/**
 * The text that draws `lines` in place on a screen of `size`: each line at
 * its row, cleared past its end (not when it fills the row, where clearing
 * would take its last character), then the rows below cleared. With
 * `full`, the screen is cleared first (after a resize).
 */
export function frameText(lines: readonly string[], size: TerminalSize, full = false): string {
  let text = full ? `${CSI}H${CSI}2J` : "";
  lines.forEach((line, i) => {
    text += `${CSI}${i + 1};1H${line}`;
    if (line.length < size.columns) text += `${CSI}K`;
  });
  if (lines.length < size.rows) text += `${CSI}${lines.length + 1};1H${CSI}J`;
  return text;
}

/** Options of {@linkcode Terminal.enter}. */
export interface TerminalOptions {
  /** The terminal (the process's by default). */
  device?: TerminalDevice;
  /** Restore on SIGINT / SIGTERM, and follow SIGWINCH (true by default). */
  signals?: boolean;
  /** Restore on an uncaught error and on `unload` (true by default). */
  guards?: boolean;
}

/** The terminal while the live screen draws on it; see the module doc. */
export class Terminal implements Disposable {
  readonly #device: TerminalDevice;
  readonly #cleanups: (() => void)[] = [];
  readonly #resized: (() => void)[] = [];
  #left = false;
  #drawn: TerminalSize | null = null;

  private constructor(device: TerminalDevice) {
    this.#device = device;
  }

  /**
   * Takes the terminal: raw input, the alternate screen, the cursor hidden,
   * and the guards that restore it. Throws (with the terminal restored) when
   * raw mode cannot be set.
   */
  static enter(options: TerminalOptions = {}): Terminal {
    const terminal = new Terminal(options.device ?? processTerminal);
    if (options.guards ?? true) terminal.#guard();
    if (options.signals ?? true) terminal.#listen();
    try {
      terminal.#device.setRaw(true);
      terminal.#device.write(ENTER_SEQUENCE);
    } catch (e) {
      terminal.leave();
      throw e;
    }
    return terminal;
  }

  /** Whether it has been left. */
  get left(): boolean {
    return this.#left;
  }

  /** The size now. */
  size(): TerminalSize {
    return this.#device.size();
  }

  /** Calls `listener` when the size changes (SIGWINCH). */
  onResize(listener: () => void): void {
    this.#resized.push(listener);
  }

  /** Draws a frame in place; the whole screen again when the size changed. Nothing once left. */
  draw(lines: readonly string[]): void {
    if (this.#left) return;
    const size = this.size();
    const full = this.#drawn === null || this.#drawn.columns !== size.columns ||
      this.#drawn.rows !== size.rows;
    this.#drawn = { columns: size.columns, rows: size.rows };
    this.#device.write(frameText(lines, size, full));
  }

  /** Makes the next frame repaint the whole screen. */
  clear(): void {
    this.#drawn = null;
  }

  /** The keys typed (see {@linkcode parseKeys}), until it is left or input ends. */
  async *keys(): AsyncGenerator<string, void, undefined> {
    const buffer = new Uint8Array(256);
    while (!this.#left) {
      const n = await this.#device.read(buffer);
      if (n === null || this.#left) return;
      yield* parseKeys(buffer.subarray(0, n));
    }
  }

  /** Gives the terminal back: cooked input, the cursor, the normal screen. Idempotent. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // Going on: the terminal matters more.
      }
    }
    try {
      this.#device.setRaw(false);
    } catch {
      // Not a terminal any more: nothing to restore.
    }
    try {
      this.#device.write(LEAVE_SEQUENCE);
    } catch {
      // Output closed: nothing to restore.
    }
  }

  /** Leaves the terminal. */
  [Symbol.dispose](): void {
    this.leave();
  }

  /** Restores on an uncaught error, an unhandled rejection and unload. */
  #guard(): void {
    const leave = () => this.leave();
    for (const type of ["error", "unhandledrejection", "unload"] as const) {
      globalThis.addEventListener(type, leave);
      this.#cleanups.push(() => globalThis.removeEventListener(type, leave));
    }
  }

  /** Restores on SIGINT and SIGTERM; follows SIGWINCH. */
  #listen(): void {
    const leave = () => this.leave();
    const resized = () => {
      for (const listener of this.#resized) listener();
    };
    const signals: Array<[Deno.Signal, () => void]> = [
      ["SIGINT", leave],
      ["SIGTERM", leave],
      ["SIGWINCH", resized],
    ];
    for (const [signal, handler] of signals) {
      try {
        Deno.addSignalListener(signal, handler);
        this.#cleanups.push(() => Deno.removeSignalListener(signal, handler));
      } catch {
        // Not on this platform (Windows has no SIGWINCH): the size is read at every frame.
      }
    }
  }
}
