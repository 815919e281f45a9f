/**
 * errno values and their names and descriptions, as this platform's libc
 * has them (the shim reports both, so nothing here is Linux-specific).
 *
 * @module
 */
import { SystemError } from "../src/core/errors.ts";
import { shim } from "./library.ts";

/** The errno names the shim reports, in hw_errno_table order. */
const NAMES = [
  "EPERM",
  "EACCES",
  "EAGAIN",
  "EINTR",
  "ENOBUFS",
  "EMSGSIZE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNREFUSED",
  "EADDRNOTAVAIL",
  "ENODEV",
  "EADDRINUSE",
  "EINVAL",
  "EAFNOSUPPORT",
  "EPROTONOSUPPORT",
  "ENOPROTOOPT",
  "ETIMEDOUT",
  "EHOSTDOWN",
  "ENETDOWN",
  "ECONNRESET",
  "EBADF",
  "EPIPE",
  "ENOENT",
  "EOPNOTSUPP",
  "EPROTOTYPE",
  "ESOCKTNOSUPPORT",
  "EMFILE",
  "ENFILE",
  "EINPROGRESS",
  "EISCONN",
  "EALREADY",
  "EDESTADDRREQ",
] as const;

let byNumber: Map<number, string> | null = null;
const descriptions = new Map<number, string>();

/** The name of an errno value (`"EPERM"`), or `"E<n>"` when not in the table. */
export function errnoName(errno: number): string {
  if (!byNumber) {
    const out = new Uint8Array(NAMES.length * 4);
    const n = shim().hw_errno_table(out, NAMES.length);
    const view = new DataView(out.buffer);
    byNumber = new Map();
    for (let i = 0; i < n; i++) byNumber.set(view.getInt32(i * 4, true), NAMES[i]!);
  }
  return byNumber.get(errno) ?? `E${errno}`;
}

/** strerror(3) of an errno value. */
export function errnoDescription(errno: number): string {
  let text = descriptions.get(errno);
  if (text === undefined) {
    const buf = new Uint8Array(256);
    const n = shim().hw_strerror(errno, buf, buf.length);
    text = n > 0 ? new TextDecoder().decode(buf.subarray(0, n)) : `Unknown error ${errno}`;
    descriptions.set(errno, text);
  }
  return text;
}

/** Whether a shim result of -errno is the given error (no SystemError made: for hot paths). */
export function isErrno(negativeErrno: number, ...names: string[]): boolean {
  return negativeErrno < 0 && names.includes(errnoName(-negativeErrno));
}

/** A SystemError for a shim result of -errno. */
export function systemError(syscall: string, negativeErrno: number): SystemError {
  const errno = -negativeErrno;
  return new SystemError(syscall, errnoName(errno), errnoDescription(errno));
}
