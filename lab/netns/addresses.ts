/**
 * The address ranges the lab may use, 198.18.0.0/15 and 2001:db8::/32, and
 * the checks that keep every interface address, route and hosts entry inside
 * them.
 *
 * @module
 */

const V4_LAB = 0xc612_0000; // 198.18.0.0/15
const V4_LAB_BITS = 15;
const V6_LAB = 0x2001_0db8n; // 2001:db8::/32, top 32 bits
const V6_LAB_BITS = 32;

function parseV4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const split = (part: string | undefined): string[] => part ? part.split(":") : [];
  const head = split(halves[0]);
  const tail = split(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const group of [...head, ...Array<string>(missing).fill("0"), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/**
 * Whether `address` (no prefix length) is an address the lab may use:
 * inside 198.18.0.0/15 or 2001:db8::/32.
 */
export function isLabAddress(address: string): boolean {
  const v4 = parseV4(address);
  const v4Shift = 2 ** (32 - V4_LAB_BITS);
  if (v4 !== null) return Math.floor(v4 / v4Shift) === V4_LAB / v4Shift;
  const v6 = parseV6(address);
  return v6 !== null && v6 >> BigInt(128 - V6_LAB_BITS) === V6_LAB;
}

/** An address with its prefix length, as parsed by {@linkcode parseCidr}. */
export interface Cidr {
  family: 4 | 6;
  address: string;
  length: number;
}

/** Parses a CIDR string inside the lab ranges; throws (naming `what`) otherwise. */
export function parseCidr(text: string, what: string): Cidr {
  const match = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  const address = match?.[1];
  const length = Number(match?.[2]);
  if (address === undefined) {
    throw new Error(`${what}: expected CIDR like 198.18.1.1/24, got ${text}`);
  }
  const family = parseV4(address) !== null ? 4 : parseV6(address) !== null ? 6 : null;
  if (family === null) throw new Error(`${what}: not an IP address: ${text}`);
  const minLength = family === 4 ? V4_LAB_BITS : V6_LAB_BITS;
  if (length < minLength || length > (family === 4 ? 32 : 128) || !isLabAddress(address)) {
    throw new Error(`${what}: ${text} is not inside 198.18.0.0/15 or 2001:db8::/32`);
  }
  return { family, address, length };
}

/** The family of `address` when it is inside the lab ranges; throws (naming `what`) otherwise. */
export function checkLabAddress(address: string, what: string): 4 | 6 {
  if (!isLabAddress(address)) {
    throw new Error(`${what}: ${address} is not an address inside 198.18.0.0/15 or 2001:db8::/32`);
  }
  return address.includes(":") ? 6 : 4;
}
