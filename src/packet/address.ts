/**
 * IP address text and bytes, with the same rules as glibc's inet_pton and
 * inet_ntop: what hopwise prints is what Linux traceroute prints.
 *
 * @module
 */

/** An IP version: 4 or 6. */
export type Family = 4 | 6;

/**
 * Parses a dotted-quad IPv4 address (four decimal parts, no leading zeros).
 *
 * @example
 * ```ts
 * import { parseIPv4 } from "./address.ts";
 * parseIPv4("198.18.0.1"); // Uint8Array [198, 18, 0, 1]
 * parseIPv4("1.2.3"); // null
 * ```
 */
export function parseIPv4(text: string): Uint8Array | null {
  // By character, not split and a pattern: a run of many targets parses each one's address.
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // the end closes the last part
    if (c === 46) {
      if (digits === 0 || part > 3) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return null; // a leading zero
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return null;
    } else {
      return null;
    }
  }
  return part === 4 ? out : null;
}

/**
 * Parses an IPv6 address, including `::` compression and a trailing IPv4
 * part. Zone suffixes (`%eth0`) are not accepted.
 *
 * @example
 * ```ts
 * import { parseIPv6 } from "./address.ts";
 * parseIPv6("2001:db8::1")?.length; // 16
 * ```
 */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const double = text.indexOf("::");
  if (double !== -1 && text.indexOf("::", double + 1) !== -1) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const groups: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIPv4(piece);
        if (!v4) return null;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
      groups.push(parseInt(piece, 16));
    }
    return groups;
  };
  let groups: number[];
  if (double === -1) {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return null;
    groups = all;
  } else {
    const head = parseGroups(text.slice(0, double));
    const tail = parseGroups(text.slice(double + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Formats 4 bytes as a dotted quad. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/**
 * Formats 16 bytes as glibc's inet_ntop does: the longest run of two or more
 * zero groups (the first, on a tie) becomes `::`, hex in lower case, and
 * IPv4-mapped or -compatible addresses end in a dotted quad.
 */
export function formatIPv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (
      i === 6 && bestBase === 0 &&
      (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))
    ) {
      out += formatIPv4(bytes.subarray(12, 16));
      break;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":";
  return out;
}

/** The family of an address literal, or 0 when the text is not one. */
export function familyOf(text: string): Family | 0 {
  if (parseIPv4(text)) return 4;
  if (parseIPv6(text)) return 6;
  return 0;
}

/**
 * Parses an address literal of either family into its bytes.
 *
 * @throws {TypeError} when the text is not an IPv4 or IPv6 address
 */
export function addressBytes(text: string): Uint8Array {
  const bytes = parseIPv4(text) ?? parseIPv6(text);
  if (!bytes) throw new TypeError(`Cannot parse address "${text}"`);
  return bytes;
}

/** Formats 4 or 16 address bytes. */
export function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/** The canonical text of an address literal (`2001:DB8:0::1` gives `2001:db8::1`). */
export function canonicalAddress(text: string): string {
  return formatAddress(addressBytes(text));
}

/**
 * What kind of non-global space an address is in (private, shared,
 * link-local, unique local), or null.
 *
 * @example
 * ```ts
 * import { privateSpace } from "./address.ts";
 * privateSpace("10.0.0.1"); // "private (RFC 1918)"
 * privateSpace("198.51.100.1"); // null
 * ```
 */
export function privateSpace(address: string): string | null {
  const v4 = parseIPv4(address);
  if (v4) {
    const [a = 0, b = 0] = v4;
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
      return "private (RFC 1918)";
    }
    if (a === 100 && b >= 64 && b <= 127) return "shared (RFC 6598, carrier-grade NAT)";
    if (a === 169 && b === 254) return "link-local";
    return null;
  }
  const v6 = parseIPv6(address);
  if (v6) {
    const [a = 0, b = 0] = v6;
    if ((a & 0xfe) === 0xfc) return "unique local (fc00::/7)";
    if (a === 0xfe && (b & 0xc0) === 0x80) return "link-local";
  }
  return null;
}
