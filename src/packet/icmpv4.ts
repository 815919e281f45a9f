/**
 * ICMP for IPv4 (RFC 792, RFC 1191 next-hop MTU, RFC 4884 length).
 *
 * @module
 */
import { finishChecksum, sumWords } from "./checksum.ts";

/** ICMPv4 message types hopwise meets. */
export const ICMP4 = {
  echoReply: 0,
  destUnreach: 3,
  sourceQuench: 4,
  redirect: 5,
  echo: 8,
  timeExceeded: 11,
  parameterProblem: 12,
} as const;

/** Byte offsets in an ICMPv4 header. */
export const ICMP4_OFFSET = {
  type: 0,
  code: 1,
  checksum: 2,
  ident: 4,
  sequence: 6,
  /** RFC 4884 length of the original datagram, in 32-bit words. */
  length: 5,
  /** RFC 1191 next-hop MTU (destination unreachable, fragmentation needed). */
  nextHopMtu: 6,
  /** Length of the fixed header. */
  header: 8,
} as const;

/** A decoded ICMPv4 message. */
export interface ICMPv4Message {
  /** Type. */
  type: number;
  /** Code. */
  code: number;
  /** Checksum field. */
  checksum: number;
  /** Echo identifier (bytes 4-5). */
  ident: number;
  /** Echo sequence number (bytes 6-7). */
  sequence: number;
  /** Next-hop MTU (bytes 6-7), meaningful for "fragmentation needed". */
  nextHopMtu: number;
  /** RFC 4884 length byte (32-bit words), meaningful for errors. */
  length: number;
  /** Everything after the 8-byte header: for errors, the quoted datagram. */
  body: Uint8Array;
}

/** Decodes an ICMPv4 message, or returns null when shorter than its header. */
export function decodeICMPv4(bytes: Uint8Array): ICMPv4Message | null {
  if (bytes.length < ICMP4_OFFSET.header) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    type: view.getUint8(ICMP4_OFFSET.type),
    code: view.getUint8(ICMP4_OFFSET.code),
    checksum: view.getUint16(ICMP4_OFFSET.checksum),
    ident: view.getUint16(ICMP4_OFFSET.ident),
    sequence: view.getUint16(ICMP4_OFFSET.sequence),
    nextHopMtu: view.getUint16(ICMP4_OFFSET.nextHopMtu),
    length: view.getUint8(ICMP4_OFFSET.length),
    body: bytes.subarray(ICMP4_OFFSET.header),
  };
}

/** True when the ICMPv4 message's checksum is right. */
export function icmpv4ChecksumValid(bytes: Uint8Array): boolean {
  return finishChecksum(sumWords(bytes)) === 0;
}

/**
 * Writes an echo request or reply header over the first 8 bytes of `message`
 * (the rest is the payload, left as it is) and fills in the checksum.
 */
export function writeICMPv4Echo(
  message: Uint8Array,
  type: number,
  ident: number,
  sequence: number,
): Uint8Array {
  const view = new DataView(message.buffer, message.byteOffset, message.length);
  view.setUint8(ICMP4_OFFSET.type, type);
  view.setUint8(ICMP4_OFFSET.code, 0);
  view.setUint16(ICMP4_OFFSET.checksum, 0);
  view.setUint16(ICMP4_OFFSET.ident, ident);
  view.setUint16(ICMP4_OFFSET.sequence, sequence);
  view.setUint16(ICMP4_OFFSET.checksum, finishChecksum(sumWords(message)));
  return message;
}

/**
 * Encodes an ICMPv4 error (`type`, `code`) quoting `original` (an IP packet),
 * with the 32-bit `rest` field (for example the next-hop MTU) and checksum.
 */
export function encodeICMPv4Error(
  type: number,
  code: number,
  original: Uint8Array,
  rest = 0,
): Uint8Array {
  const out = new Uint8Array(ICMP4_OFFSET.header + original.length);
  const view = new DataView(out.buffer);
  view.setUint8(ICMP4_OFFSET.type, type);
  view.setUint8(ICMP4_OFFSET.code, code);
  view.setUint32(4, rest >>> 0);
  out.set(original, ICMP4_OFFSET.header);
  view.setUint16(ICMP4_OFFSET.checksum, finishChecksum(sumWords(out)));
  return out;
}
