/**
 * Names from reverse DNS are untrusted: a PTR record may hold any bytes,
 * including terminal escape sequences (mtr's CVE-2008-2357 came from one).
 *
 * @module
 */

/** The longest name printed (a DNS name has at most 253 characters). */
export const MAX_NAME_LENGTH = 253;

/**
 * Makes a name safe to print: control characters (C0, DEL, C1) and
 * backslashes become `\xHH` / `\\` escapes, and the result is cut to 253
 * characters.
 *
 * @example
 * ```ts
 * import { sanitizeName } from "./names.ts";
 * sanitizeName("evil\x1b[31m.example"); // "evil\\x1b[31m.example"
 * ```
 */
export function sanitizeName(name: string): string {
  let out = "";
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else if (ch === "\\") out += "\\\\";
    else out += ch;
    if (out.length >= MAX_NAME_LENGTH) return out.slice(0, MAX_NAME_LENGTH);
  }
  return out;
}
