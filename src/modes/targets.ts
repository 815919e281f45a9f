/**
 * A list of targets (`--targets FILE`): one host name, address or CIDR
 * prefix per line; blank lines and `#` comments are skipped; a prefix stands
 * for every address in it (at most {@linkcode MAX_PREFIX_ADDRESSES}). Pure:
 * text in, targets out, each with the line it came from.
 *
 * @module
 */
import { type Family, familyOf, formatAddress, parseIPv4, parseIPv6 } from "../packet/address.ts";

/** The most addresses one prefix line may stand for (an IPv4 /16, an IPv6 /112). */
export const MAX_PREFIX_ADDRESSES = 65536;

/** One target of a list. */
export interface TargetEntry {
  /** Its place in the list, from 0 (a prefix's addresses each have their own). */
  index: number;
  /** The line it came from, from 1. */
  line: number;
  /** The host to trace: a name or an address. */
  host: string;
}

/** A line of a list that names no target. */
export interface TargetLineError {
  /** The line, from 1. */
  line: number;
  /** The line's text, trimmed. */
  text: string;
  /** Why it names no target. */
  reason: string;
}

/** A host name as getaddrinfo would take one: labels of letters, digits, `-` and `_`. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

/** The addresses of `prefix` (`198.19.4.0/24`), or why it has none. */
export function expandPrefix(
  prefix: string,
): { family: Family; addresses: Generator<string>; count: number } | string {
  const slash = prefix.indexOf("/");
  const base = prefix.slice(0, slash);
  const lengthText = prefix.slice(slash + 1);
  const bytes = parseIPv4(base) ?? parseIPv6(base);
  if (!bytes) return `"${base}" is not an IPv4 or IPv6 address`;
  const family: Family = bytes.length === 4 ? 4 : 6;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
    return `"/${lengthText}" is not a prefix length from 0 to ${bits}`;
  }
  const length = Number(lengthText);
  const count = 2 ** (bits - length);
  if (count > MAX_PREFIX_ADDRESSES) {
    return `/${length} stands for ${count} addresses; at most ${MAX_PREFIX_ADDRESSES} a line ` +
      `(split it into /${bits - 16} prefixes)`;
  }
  // The network's first address: the bits past the prefix cleared.
  const first = bytes.slice();
  for (let bit = length; bit < bits; bit++) first[bit >> 3]! &= ~(0x80 >> (bit & 7));
  function* addresses(): Generator<string> {
    const current = first.slice();
    for (let i = 0; i < count; i++) {
      yield formatAddress(current);
      for (let b = current.length - 1; b >= 0; b--) {
        current[b] = (current[b]! + 1) & 0xff;
        if (current[b] !== 0) break;
      }
    }
  }
  return { family, addresses: addresses(), count };
}

/**
 * The targets of a list's text, in order, and the lines that name none
 * (a malformed address or prefix, something that cannot be a host name).
 * Whether a name resolves is found out when it is traced.
 *
 * @example
 * ```ts
 * import { parseTargets } from "./targets.ts";
 * const { targets, errors } = parseTargets("# lab\n198.18.1.2\n198.19.4.0/30\n\nbad host\n");
 * targets.map((t) => t.host); // ["198.18.1.2", "198.19.4.0", "198.19.4.1", "198.19.4.2", "198.19.4.3"]
 * errors[0]?.line; // 5
 * ```
 */
export function parseTargets(text: string): { targets: TargetEntry[]; errors: TargetLineError[] } {
  const targets: TargetEntry[] = [];
  const errors: TargetLineError[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = i + 1;
    const hash = raw.indexOf("#");
    const trimmed = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (trimmed === "") return;
    if (trimmed.includes("/")) {
      const expanded = expandPrefix(trimmed);
      if (typeof expanded === "string") {
        errors.push({ line, text: trimmed, reason: expanded });
        return;
      }
      for (const host of expanded.addresses) targets.push({ index: targets.length, line, host });
      return;
    }
    // Digits and dots only: an IPv4 address (or a shorthand the resolver reads, 198.18.1);
    // a part over 255 or an empty part makes it no address at all.
    const numeric = /^[\d.]+$/.test(trimmed);
    if (numeric && trimmed.split(".").some((part) => part === "" || Number(part) > 255)) {
      errors.push({ line, text: trimmed, reason: "not an IPv4 or IPv6 address" });
      return;
    }
    if (familyOf(trimmed) || HOST_NAME.test(trimmed)) {
      targets.push({ index: targets.length, line, host: trimmed });
      return;
    }
    const reason = numeric || trimmed.includes(":")
      ? "not an IPv4 or IPv6 address"
      : "not a host name or an address";
    errors.push({ line, text: trimmed, reason });
  });
  return { targets, errors };
}
