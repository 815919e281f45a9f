/**
 * What the command line reads and writes besides its arguments: standard
 * output and error, and the environment and permissions it may look at
 * (never prompting).
 *
 * @module
 */
import { DEFAULT_WHOIS } from "../config/options.ts";
import { failureReason, OptionError } from "../core/errors.ts";

/** Where the CLI writes. */
export interface CliOutput {
  /** Writes to standard output; throws Deno.errors.BrokenPipe when it is closed. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

/** Standard output and error of the process. */
export const processOutput: CliOutput = {
  stdout: (text) => writeAll(Deno.stdout, text),
  stderr: (text) => writeAll(Deno.stderr, text),
};

/**
 * `out` with standard error's lines kept whole beside standard output's
 * (what the command line writes through). The classic output writes a
 * trace's header and each hop's line in pieces, its probes as they come
 * (Linux traceroute's way); a line for standard error written meanwhile (a
 * failing AS or place source) would land inside it wherever the two streams
 * meet: a terminal, or `>log 2>&1`. So a line for standard error that comes
 * while standard output's line is unfinished waits until that line ends;
 * `flush` writes what still waits.
 */
export function lineSafe(out: CliOutput): CliOutput & { flush(): void } {
  let open = false;
  let held = "";
  const release = () => {
    const text = held;
    held = "";
    if (text !== "") out.stderr(text);
  };
  return {
    stdout(text) {
      const end = held === "" ? -1 : text.indexOf("\n");
      if (end >= 0) {
        out.stdout(text.slice(0, end + 1));
        open = false;
        release();
        text = text.slice(end + 1);
      }
      if (text === "") return;
      out.stdout(text);
      open = !text.endsWith("\n");
    },
    stderr(text) {
      if (open) held += text;
      else out.stderr(text);
    },
    flush: release,
  };
}

/** An environment variable, when Deno lets this process read it (never prompts). */
export function env(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/** The whois server of -A: RA_SERVER / RA_SERVICE, as Linux traceroute reads them. */
export function whoisServer(): { server: string; service: string } {
  return {
    server: env("RA_SERVER") ?? DEFAULT_WHOIS.server,
    service: env("RA_SERVICE") ?? DEFAULT_WHOIS.service,
  };
}

/** Whether Deno lets this process look names up (never prompts). */
export function netPermitted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "net" }).state === "granted";
  } catch {
    return false;
  }
}

/** This host's name for a report's `HOST:` header, when Deno may read it; else `localhost`. */
export function localHost(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/** Reads a `--targets` list: a file, or standard input for `-`. */
export async function readTargetList(path: string): Promise<string> {
  try {
    if (path !== "-") return await Deno.readTextFile(path);
    return await new Response(Deno.stdin.readable).text();
  } catch (e) {
    const why = failureReason(e);
    throw new OptionError(
      "targets",
      `--targets: cannot read ${path === "-" ? "standard input" : `"${path}"`}: ${why}`,
    );
  }
}
