/**
 * Where `--html FILE` goes: the path checked before anything is sent (its
 * directory exists and takes a new file), and the report written whole or
 * not at all: into a temporary file beside it, flushed to disk, then renamed
 * over FILE. A full disk or an interrupted write leaves FILE as it was and
 * no temporary file behind.
 *
 * @module
 */
import { failureReason } from "../core/errors.ts";

/** The directory of `path` (`.` for a bare name). */
function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

/** Whether `who` may make and replace files in a directory of this owner and mode (w and x bits). */
function mayWrite(directory: Deno.FileInfo, who: { uid: number; gid: number }): boolean {
  const mode = directory.mode ?? 0;
  const bits = who.uid === directory.uid ? mode >> 6 : who.gid === directory.gid ? mode >> 3 : mode;
  return (bits & 0o3) === 0o3;
}

/**
 * Why `path` cannot take the report, in words, or null when it can. `writer`
 * is the user that will write it when not this process's (a root process
 * that drops its privileges writes as the user it becomes): its permissions
 * are read from the directory's owner and mode bits.
 */
export function htmlPathProblem(
  path: string,
  writer: { uid: number; gid: number } | null = null,
): string | null {
  if (path.endsWith("/")) return "is a directory";
  try {
    if (Deno.statSync(path).isDirectory) return "is a directory";
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return "hopwise may not read it (--allow-read)";
    if (!(e instanceof Deno.errors.NotFound)) return failureReason(e);
  }
  // The directory must exist and take a new file: one is made there and removed.
  try {
    Deno.removeSync(Deno.makeTempFileSync({ dir: directoryOf(path), prefix: ".hopwise-check-" }));
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return "hopwise may not write files (--allow-write)";
    if (e instanceof Deno.errors.NotFound) return "no such directory";
    return failureReason(e);
  }
  if (writer !== null) {
    let directory: Deno.FileInfo;
    try {
      directory = Deno.statSync(directoryOf(path));
    } catch (e) {
      return failureReason(e);
    }
    let owner: number | null = null;
    try {
      owner = Deno.statSync(path).uid;
    } catch {
      // A new file.
    }
    const sticky = ((directory.mode ?? 0) & 0o1000) !== 0;
    if (
      !mayWrite(directory, writer) ||
      (sticky && owner !== null && owner !== writer.uid && directory.uid !== writer.uid)
    ) {
      return `not writable by uid ${writer.uid}, the user hopwise runs as once it drops its privileges`;
    }
  }
  return null;
}

/** The mode the file gets: the one it has, or 0644 less the umask (0600 when that is unknown). */
function modeFor(path: string): number {
  try {
    const mode = Deno.statSync(path).mode;
    if (mode !== null) return mode & 0o7777;
  } catch {
    // A new file.
  }
  try {
    return 0o644 & ~Deno.umask();
  } catch {
    return 0o600;
  }
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same
 * directory, written, synced and renamed over `path`; on any failure the
 * temporary file is removed and the error thrown. Synchronous, so a signal
 * cannot come between the write and the rename.
 *
 * @throws {Error} when the file cannot be written (a full disk, a read-only file system)
 */
export function writeFileAtomically(path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  const temporary = Deno.makeTempFileSync({
    dir: directoryOf(path),
    prefix: `.${path.slice(path.lastIndexOf("/") + 1)}.`,
    suffix: ".tmp",
  });
  try {
    using file = Deno.openSync(temporary, { write: true, truncate: true });
    for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
    file.syncSync();
    Deno.chmodSync(temporary, modeFor(path));
    Deno.renameSync(temporary, path);
  } catch (e) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // Already gone.
    }
    throw e;
  }
}

/** Writes the report to `path`; one line on stderr when it cannot be written. Resolves whether it was. */
export function writeHtmlReport(
  path: string,
  html: string,
  stderr: (text: string) => void,
): boolean {
  try {
    writeFileAtomically(path, html);
    return true;
  } catch (e) {
    stderr(`hopwise: --html: cannot write "${path}": ${failureReason(e)}\n`);
    return false;
  }
}
