/**
 * ICMPv6 (RFC 4443, RFC 4884 length).
 *
 * @module
 */
import { finishChecksum, pseudoHeaderSum, sumWords } from "./checksum.ts";

/** ICMPv6 message types hopwise meets. */
export const ICMP6 = {
  destUnreach: 1,
  packetTooBig: 2,
  timeExceeded: 3,
  parameterProblem: 4,
  echoRequest: 128,
  echoReply: 129,
} as const;

/** The ICMPv6 next-header number. */
export const IPPROTO_ICMPV6 = 58;

/** Byte offsets in an ICMPv6 header. */
export const ICMP6_OFFSET = {
  type: 0,
  code: 1,
  checksum: 2,
  ident: 4,
  sequence: 6,
  /** RFC 4884 length of the original datagram, in 64-bit words. */
  length: 4,
  /** Packet-too-big MTU (32 bits). */
  mtu: 4,
  /** Length of the fixed header. */
  header: 8,
} as const;

/** A decoded ICMPv6 message. */
export interface ICMPv6Message {
  /** Type. */
  type: number;
  /** Code. */
  code: number;
  /** Checksum field. */
  checksum: number;
  /** Echo identifier. */
  ident: number;
  /** Echo sequence number. */
  sequence: number;
  /** MTU, meaningful for packet-too-big. */
  mtu: number;
  /** RFC 4884 length byte (64-bit words), meaningful for errors. */
  length: number;
  /** Everything after the 8-byte header. */
  body: Uint8Array;
}

/** Decodes an ICMPv6 message, or returns null when shorter than its header. */
export function decodeICMPv6(bytes: Uint8Array): ICMPv6Message | null {
  if (bytes.length < ICMP6_OFFSET.header) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    type: view.getUint8(ICMP6_OFFSET.type),
    code: view.getUint8(ICMP6_OFFSET.code),
    checksum: view.getUint16(ICMP6_OFFSET.checksum),
    ident: view.getUint16(ICMP6_OFFSET.ident),
    sequence: view.getUint16(ICMP6_OFFSET.sequence),
    mtu: view.getUint32(ICMP6_OFFSET.mtu),
    length: view.getUint8(ICMP6_OFFSET.length),
    body: bytes.subarray(ICMP6_OFFSET.header),
  };
}

/** The ICMPv6 checksum of `message` between `source` and `destination` (16 bytes each). */
export function icmpv6Checksum(
  message: Uint8Array,
  source: Uint8Array,
  destination: Uint8Array,
): number {
  return finishChecksum(
    sumWords(message, pseudoHeaderSum(source, destination, IPPROTO_ICMPV6, message.length)),
  );
}

/**
 * Writes an echo request or reply header over the first 8 bytes of `message`.
 * The checksum is left zero unless both addresses are given: the kernel
 * computes it for ICMPv6 sockets.
 */
export function writeICMPv6Echo(
  message: Uint8Array,
  type: number,
  ident: number,
  sequence: number,
  addresses?: { source: Uint8Array; destination: Uint8Array },
): Uint8Array {
  const view = new DataView(message.buffer, message.byteOffset, message.length);
  view.setUint8(ICMP6_OFFSET.type, type);
  view.setUint8(ICMP6_OFFSET.code, 0);
  view.setUint16(ICMP6_OFFSET.checksum, 0);
  view.setUint16(ICMP6_OFFSET.ident, ident);
  view.setUint16(ICMP6_OFFSET.sequence, sequence);
  if (addresses) {
    view.setUint16(
      ICMP6_OFFSET.checksum,
      icmpv6Checksum(message, addresses.source, addresses.destination),
    );
  }
  return message;
}
