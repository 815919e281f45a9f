/**
 * What `/probe` may trace: the `[probe] allow` list of the service's
 * configuration. A rule is an address prefix (`198.18.0.0/15`,
 * `2001:db8::/32`, or one address, a /32 or /128) or a host-name pattern
 * (`db.example.net` for that name only; `*.example.net` for any name under
 * it, at any depth, but not `example.net` itself).
 *
 * The rule {@linkcode allowed} applies, in this order:
 *
 * 1. The address a target resolved to is allowed when a prefix rule holds it,
 *    whatever the name that led there.
 * 2. When the list has any prefix rule, nothing else is allowed: a name that
 *    matches a name pattern but resolves outside every prefix is refused. The
 *    prefixes bound where probes may go; a name pattern cannot widen them,
 *    since whoever answers for the name in DNS (or poisons the answer) would
 *    then choose where the service sends.
 * 3. When the list has name patterns only, a name that matches one is
 *    allowed, wherever it resolves (the operator trusts those names' DNS),
 *    except to a special address (unspecified, `0.0.0.0/8`, loopback,
 *    link-local, multicast, `240.0.0.0/4` and broadcast, IPv4-compatible
 *    `::/96`): those only a prefix rule that holds them allows. To bound
 *    where names lead, add prefixes.
 *
 * An empty list allows nothing. An IPv4-mapped IPv6 address
 * (`::ffff:198.18.0.1`) is the IPv4 address it carries, for rules and
 * addresses alike, so that an IPv6 rule never lets probes out as IPv4.
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { formatAddress, parseIPv4, parseIPv6 } from "../packet/address.ts";

/** An address prefix: every address whose first `length` bits are those of `bytes`. */
export interface PrefixRule {
  /** The kind of rule. */
  kind: "prefix";
  /** The network's bytes (4 or 16), the bits past the prefix clear. */
  bytes: Uint8Array;
  /** The prefix length, 0 to 32 (IPv4) or 128 (IPv6). */
  length: number;
  /** The rule in its canonical text (`2001:db8::/32`). */
  text: string;
}

/** A host-name pattern: one name, or (`wildcard`) every name under `name`. */
export interface NameRule {
  /** The kind of rule. */
  kind: "name";
  /** The name, in lower case, without a trailing dot (for `*.example.net`, `example.net`). */
  name: string;
  /** `*.name`: any name under `name`, at any depth, but not `name` itself. */
  wildcard: boolean;
  /** The rule in its canonical text (`*.example.net`). */
  text: string;
}

/** One rule of the allow-list of `/probe`. */
export type AllowRule = PrefixRule | NameRule;

/** A host name's labels: letters, digits, `-` and `_`, 1 to 63 characters, not starting with `-`. */
const LABEL = /^[a-z0-9_][a-z0-9_-]{0,62}$/;

/** The bytes of an address, an IPv4-mapped IPv6 address as its IPv4 bytes; null for no address. */
function addressOf(text: string): Uint8Array | null {
  const bytes = parseIPv4(text) ?? parseIPv6(text);
  return bytes === null ? null : unmapped(bytes);
}

/** `bytes`, or the IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) carries. */
function unmapped(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16 || !isMapped(bytes)) return bytes;
  return bytes.slice(12);
}

/** Whether 16 bytes are in `::ffff:0:0/96`. */
function isMapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Whether the first `length` bits of `a` and `b` (of one family) are equal. */
function samePrefix(a: Uint8Array, b: Uint8Array, length: number): boolean {
  const whole = length >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** The address prefix rule of `text` (`198.18.0.0/15`, `2001:db8::1`), or why it is none. */
function parsePrefix(text: string): PrefixRule | string {
  const slash = text.indexOf("/");
  const base = slash === -1 ? text : text.slice(0, slash);
  const parsed = parseIPv4(base) ?? parseIPv6(base);
  if (parsed === null) return `"${base}" is not an IPv4 or IPv6 address`;
  const bits = parsed.length * 8;
  let length = bits;
  if (slash !== -1) {
    const lengthText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText) || Number(lengthText) > bits) {
      return `"/${lengthText}" is not a prefix length from 0 to ${bits}`;
    }
    length = Number(lengthText);
  }
  let bytes = parsed;
  if (bytes.length === 16 && length >= 96 && isMapped(bytes)) {
    bytes = bytes.slice(12);
    length -= 96;
  }
  const network = bytes.slice();
  for (let bit = length; bit < network.length * 8; bit++) {
    network[bit >> 3]! &= ~(0x80 >> (bit & 7));
  }
  const canonical = `${formatAddress(network)}/${length}`;
  if (!samePrefix(network, bytes, network.length * 8)) {
    return `"${text}" has bits set past its prefix length (the network is ${canonical})`;
  }
  return { kind: "prefix", bytes: network, length, text: canonical };
}

/** The name rule of `text` (`db.example.net`, `*.example.net`), or why it is none. */
function parseName(text: string): NameRule | string {
  const wildcard = text.startsWith("*.");
  let name = (wildcard ? text.slice(2) : text).toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  const labels = name.split(".");
  if (
    name.length === 0 || name.length > 253 || !labels.every((label) => LABEL.test(label))
  ) {
    return `"${text}" is not an address, a prefix, a host name or a pattern *.NAME`;
  }
  if (/^[0-9.]+$/.test(name)) return `"${text}" is not an IPv4 address nor a host name`;
  return { kind: "name", name, wildcard, text: wildcard ? `*.${name}` : name };
}

/**
 * Parses one rule of the allow-list: an IPv4 or IPv6 prefix (`198.18.0.0/15`,
 * `2001:db8::/32`), one address (a /32 or /128), a host name
 * (`db.example.net`) or a pattern of names under one (`*.example.net`). A
 * prefix with bits set past its length (`198.18.0.1/15`) is refused as a
 * likely typing error.
 *
 * @example
 * ```ts
 * import { parseAllowRule } from "./allow.ts";
 * parseAllowRule("2001:DB8::/32").text; // "2001:db8::/32"
 * parseAllowRule("*.Example.NET.").text; // "*.example.net"
 * ```
 *
 * @throws {OptionError} (option `allow`) for text that is no rule, in one line
 */
export function parseAllowRule(text: string): AllowRule {
  const trimmed = text.trim();
  const rule = trimmed.includes(":") || trimmed.includes("/") || /^[0-9.]+$/.test(trimmed)
    ? parsePrefix(trimmed)
    : parseName(trimmed);
  if (typeof rule === "string") throw new OptionError("allow", rule);
  return rule;
}

/**
 * Whether an address (already unmapped) is one a name alone may never lead
 * to: IPv4 `0.0.0.0/8`, loopback, link-local, multicast, `240.0.0.0/4` and
 * broadcast; IPv6 unspecified, loopback, link-local, multicast and
 * IPv4-compatible (`::/96`).
 */
function isSpecial(bytes: Uint8Array): boolean {
  if (bytes.length === 4) {
    const [a, b] = [bytes[0]!, bytes[1]!];
    return a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224;
  }
  if (bytes[0] === 0xff) return true; // multicast
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return true; // fe80::/10
  return bytes.subarray(0, 12).every((x) => x === 0); // ::/96: ::, ::1, IPv4-compatible
}

/** Whether a name (in lower case, without a trailing dot) matches `rule`. */
function nameMatches(rule: NameRule, name: string): boolean {
  if (!rule.wildcard) return name === rule.name;
  return name.length > rule.name.length + 1 && name.endsWith(`.${rule.name}`);
}

/**
 * Whether `/probe` may trace a target: `name` is the host name it was asked
 * for (null for an address literal) and `address` the address it resolved
 * to. Allowed when a prefix rule holds the address; otherwise, only when the
 * list has no prefix rule at all and the name matches a name pattern (and
 * the address is not a special one: loopback, link-local, multicast...). See
 * the module's documentation for why.
 *
 * @example
 * ```ts
 * import { allowed, parseAllowRule } from "./allow.ts";
 * const rules = ["198.18.0.0/15", "*.example.net"].map(parseAllowRule);
 * allowed(rules, null, "198.19.0.1"); // true
 * allowed(rules, "db.example.net", "198.18.4.2"); // true
 * allowed(rules, "db.example.net", "203.0.113.9"); // false: outside every prefix
 * ```
 */
export function allowed(
  rules: readonly AllowRule[],
  name: string | null,
  address: string,
): boolean {
  const bytes = addressOf(address);
  if (bytes === null) return false;
  let anyPrefix = false;
  for (const rule of rules) {
    if (rule.kind !== "prefix") continue;
    anyPrefix = true;
    if (rule.bytes.length === bytes.length && samePrefix(rule.bytes, bytes, rule.length)) {
      return true;
    }
  }
  if (anyPrefix || name === null || isSpecial(bytes)) return false;
  let key = name.toLowerCase();
  if (key.endsWith(".")) key = key.slice(0, -1);
  if (!key.split(".").every((label) => LABEL.test(label))) return false;
  return rules.some((rule) => rule.kind === "name" && nameMatches(rule, key));
}
