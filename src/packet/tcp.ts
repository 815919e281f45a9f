/**
 * The TCP header (RFC 9293) and the options Linux traceroute puts in its
 * SYN probes.
 *
 * @module
 */
import { finishChecksum, pseudoHeaderSum, sumWords } from "./checksum.ts";

/** Byte offsets in a TCP header. */
export const TCP = {
  sourcePort: 0,
  destinationPort: 2,
  sequence: 4,
  acknowledgment: 8,
  dataOffset: 12,
  flags: 13,
  window: 14,
  checksum: 16,
  urgent: 18,
  /** Length of a header without options. */
  header: 20,
  /** The IP protocol number. */
  protocol: 6,
} as const;

/** TCP flag bits. */
export const TCP_FLAGS = {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  psh: 0x08,
  ack: 0x10,
  urg: 0x20,
  ece: 0x40,
  cwr: 0x80,
} as const;

/** A flag's name, as Linux traceroute's `-O` keywords and `-O info` spell them. */
export type TcpFlagName = keyof typeof TCP_FLAGS;

/** Flag names in Linux traceroute's order: fin, syn, rst, psh, ack, urg, ece, cwr. */
export const TCP_FLAG_ORDER: readonly TcpFlagName[] = [
  "fin",
  "syn",
  "rst",
  "psh",
  "ack",
  "urg",
  "ece",
  "cwr",
];

/** The names of the flags set in `flags`, in Linux traceroute's order. */
export function tcpFlagNames(flags: number): TcpFlagName[] {
  return TCP_FLAG_ORDER.filter((name) => (flags & TCP_FLAGS[name]) !== 0);
}

/** The first 8 bytes of a TCP header: what an ICMP error is sure to quote. */
export interface TcpQuote {
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Sequence number. */
  sequence: number;
}

/** A decoded TCP header. */
export interface TcpHeader extends TcpQuote {
  /** Acknowledgment number. */
  acknowledgment: number;
  /** Header length in bytes (data offset × 4). */
  headerLength: number;
  /** Flag bits. */
  flags: number;
  /** Window. */
  window: number;
  /** Checksum field. */
  checksum: number;
}

/** Decodes ports and sequence from a quoted header (8 bytes or more), or null. */
export function decodeTcpQuote(bytes: Uint8Array): TcpQuote | null {
  if (bytes.length < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    sourcePort: view.getUint16(TCP.sourcePort),
    destinationPort: view.getUint16(TCP.destinationPort),
    sequence: view.getUint32(TCP.sequence),
  };
}

/** Decodes a full TCP header (20 bytes or more, data offset in range), or null. */
export function decodeTcp(bytes: Uint8Array): TcpHeader | null {
  if (bytes.length < TCP.header) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const headerLength = (view.getUint8(TCP.dataOffset) >> 4) * 4;
  if (headerLength < TCP.header || headerLength > bytes.length) return null;
  return {
    ...decodeTcpQuote(bytes)!,
    acknowledgment: view.getUint32(TCP.acknowledgment),
    headerLength,
    flags: view.getUint8(TCP.flags),
    window: view.getUint16(TCP.window),
    checksum: view.getUint16(TCP.checksum),
  };
}

/** What goes into the options of a probe. */
export interface TcpOptionSet {
  /** Maximum segment size (sent only with SYN), or null. */
  mss: number | null;
  /** SACK permitted. */
  sack: boolean;
  /** Timestamps: the value and echo fields, or null. */
  timestamps: { value: number; echo: number } | null;
  /** Window scaling (shift 2, as Linux traceroute sends). */
  windowScaling: boolean;
}

/**
 * Encodes TCP options in Linux traceroute's layout: MSS; then SACK-permitted
 * (or two NOPs) before timestamps, or two NOPs and SACK-permitted alone; then
 * NOP and window scale. The result is a multiple of 4 bytes.
 */
export function encodeTcpOptions(set: TcpOptionSet): Uint8Array {
  const out: number[] = [];
  if (set.mss !== null) out.push(2, 4, (set.mss >> 8) & 0xff, set.mss & 0xff);
  const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  if (set.timestamps) {
    out.push(...(set.sack ? [4, 2] : [1, 1]), 8, 10);
    out.push(...u32(set.timestamps.value), ...u32(set.timestamps.echo));
  } else if (set.sack) {
    out.push(1, 1, 4, 2);
  }
  if (set.windowScaling) out.push(1, 3, 3, 2);
  return new Uint8Array(out);
}

/** A segment to encode. */
export interface TcpSegment {
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Sequence number. */
  sequence: number;
  /** Acknowledgment number. */
  acknowledgment: number;
  /** Flag bits. */
  flags: number;
  /** Window. */
  window: number;
  /** Encoded options (a multiple of 4 bytes). */
  options: Uint8Array;
}

/**
 * Encodes a TCP segment without payload, with its checksum over the
 * pseudo-header of `source` and `destination` (4 or 16 bytes each). A zero
 * checksum is sent as 0xffff, as Linux traceroute's in_csum does.
 */
export function encodeTcp(
  segment: TcpSegment,
  source: Uint8Array,
  destination: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(TCP.header + segment.options.length);
  const view = new DataView(out.buffer);
  view.setUint16(TCP.sourcePort, segment.sourcePort);
  view.setUint16(TCP.destinationPort, segment.destinationPort);
  view.setUint32(TCP.sequence, segment.sequence >>> 0);
  view.setUint32(TCP.acknowledgment, segment.acknowledgment >>> 0);
  view.setUint8(TCP.dataOffset, (out.length / 4) << 4);
  view.setUint8(TCP.flags, segment.flags & 0xff);
  view.setUint16(TCP.window, segment.window & 0xffff);
  out.set(segment.options, TCP.header);
  let sum = finishChecksum(
    sumWords(out, pseudoHeaderSum(source, destination, TCP.protocol, out.length)),
  );
  if (sum === 0) sum = 0xffff;
  view.setUint16(TCP.checksum, sum);
  return out;
}
