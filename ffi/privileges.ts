/**
 * Dropping privileges process-wide once the sockets are open, before any
 * reply is read.
 *
 * Capabilities belong to threads, and a Deno process has many (V8's, the
 * runtime's, the one FFI's poll runs on), so dropping them in one thread is
 * not enough:
 * - With uid 0 (root, or a setuid-root binary): glibc's setgroups, setresgid
 *   and setresuid, which glibc applies to every thread; leaving uid 0 clears
 *   every capability. The new user is the real user when that is not root,
 *   else SUDO_UID / SUDO_GID when set, else nobody (65534).
 * - With file capabilities as an ordinary user: the shim has every thread
 *   clear its own sets (a signal to each thread in /proc/self/task), and
 *   repeats for threads created meanwhile.
 * Either way the shim then counts the threads still privileged; any left is
 * an error.
 *
 * @module
 */
import { SystemError } from "../src/core/errors.ts";
import { systemError } from "./errno.ts";
import { shim } from "./library.ts";

/** What was dropped. */
export interface PrivilegeDrop {
  /** `root`: the process left uid 0; `capabilities`: it cleared its capability sets. */
  from: "root" | "capabilities";
  /** The user it runs as now. */
  uid: number;
}

/** The user nobody. */
const NOBODY = 65534;

function env(name: string): number | null {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return null;
    }
    const value = Deno.env.get(name);
    return value && /^\d+$/.test(value) && value !== "0" ? Number(value) : null;
  } catch {
    return null;
  }
}

/** Real and effective ids. */
export function ids(): { uid: number; euid: number; gid: number; egid: number } {
  const out = new Uint8Array(16);
  shim().hw_ids(out);
  const view = new DataView(out.buffer);
  return {
    uid: view.getInt32(0, true),
    euid: view.getInt32(4, true),
    gid: view.getInt32(8, true),
    egid: view.getInt32(12, true),
  };
}

/** How many threads still hold a capability or run as uid 0. */
export function privilegedThreads(): number {
  const n = shim().hw_privileged_threads();
  if (n < 0) throw systemError("privilege check", n);
  return n;
}

/**
 * Whether the process holds a privilege: this thread runs as uid 0 or holds a
 * capability (as every thread does until one is dropped). One system call,
 * where counting the threads reads /proc for each.
 */
export function privileged(): boolean {
  const n = shim().hw_privileged_self();
  if (n < 0) throw systemError("privilege check", n);
  return n > 0;
}

/**
 * The user and group a drop leaves a uid-0 process as (the real user when
 * that is not root, else SUDO_UID / SUDO_GID when set, else nobody), or null
 * when the process does not run as uid 0 (a drop, if any, only clears
 * capabilities and the user stays).
 */
export function dropTarget(): { uid: number; gid: number } | null {
  if (Deno.build.os !== "linux") return null;
  const { uid, euid, gid } = ids();
  if (uid !== 0 && euid !== 0) return null;
  return uid !== 0
    ? { uid, gid }
    : { uid: env("SUDO_UID") ?? NOBODY, gid: env("SUDO_GID") ?? NOBODY };
}

/**
 * Drops every privilege of the process, in every thread. Returns what was
 * dropped, or null when the process had none.
 *
 * @throws {SystemError} when a call fails or a thread keeps a privilege
 */
export function dropPrivileges(): PrivilegeDrop | null {
  if (Deno.build.os !== "linux") return null;
  if (!privileged()) return null;
  const target = dropTarget();
  let drop: PrivilegeDrop;
  if (target) {
    const rc = shim().hw_drop_to(target.uid, target.gid);
    if (rc < 0) throw systemError("setresuid", rc);
    drop = { from: "root", uid: target.uid };
  } else {
    const { uid } = ids();
    for (let attempt = 0; attempt < 5 && privilegedThreads() > 0; attempt++) {
      const rc = shim().hw_drop_caps();
      if (rc < 0) throw systemError("capset", rc);
    }
    drop = { from: "capabilities", uid };
  }
  const left = privilegedThreads();
  if (left > 0) {
    throw new SystemError(
      "drop privileges",
      "EPERM",
      `${left} thread(s) kept privileges after the drop`,
    );
  }
  return drop;
}
