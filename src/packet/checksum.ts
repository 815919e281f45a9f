/**
 * The Internet checksum (RFC 1071) and the pseudo-header sums that UDP, TCP
 * and ICMPv6 add to it.
 *
 * @module
 */

/**
 * Adds `bytes` to a running 32-bit one's-complement sum (big-endian 16-bit
 * words; an odd last byte is padded with zero).
 */
export function sumWords(bytes: Uint8Array, sum = 0): number {
  const n = bytes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < n) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Folds a running sum and complements it: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * The Internet checksum of `bytes`.
 *
 * @example
 * ```ts
 * import { internetChecksum } from "./checksum.ts";
 * internetChecksum(new Uint8Array([0x45, 0x00, 0x00, 0x1c])); // 0xbae3
 * ```
 */
export function internetChecksum(bytes: Uint8Array): number {
  return finishChecksum(sumWords(bytes));
}

/**
 * The running sum of an IPv4 or IPv6 pseudo-header (RFC 768 / RFC 8200 §8.1)
 * for a transport payload of `length` bytes.
 */
export function pseudoHeaderSum(
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
  length: number,
): number {
  let sum = sumWords(source);
  sum = sumWords(destination, sum);
  sum += protocol;
  sum += length >>> 16;
  sum += length & 0xffff;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** True when `bytes` (with its checksum field filled) sums to all ones. */
export function checksumValid(bytes: Uint8Array, initial = 0): boolean {
  return finishChecksum(sumWords(bytes, initial)) === 0;
}

/**
 * The 16-bit word that, added to data whose running sum is `sum`, makes the
 * sum `target` (one's complement arithmetic): flow-stable probes vary one
 * field and compensate in another, so their checksum never changes.
 * `target` must not be 0 or 0xffff (the two zeros of one's complement).
 *
 * @example
 * ```ts
 * import { compensationWord, sumWords } from "./checksum.ts";
 * const data = new Uint8Array([0x12, 0x34, 0, 0]);
 * const word = compensationWord(sumWords(data), 0x8000);
 * data[2] = word >> 8;
 * data[3] = word & 0xff;
 * sumWords(data); // 0x8000
 * ```
 */
export function compensationWord(sum: number, target: number): number {
  let word = target + (~sum & 0xffff);
  while (word > 0xffff) word = (word & 0xffff) + (word >>> 16);
  return word;
}
