/**
 * The UDP header (RFC 768).
 *
 * @module
 */
import { finishChecksum, pseudoHeaderSum, sumWords } from "./checksum.ts";

/** Byte offsets in a UDP header. */
export const UDP = {
  sourcePort: 0,
  destinationPort: 2,
  length: 4,
  checksum: 6,
  /** Header length. */
  header: 8,
  /** The IP protocol number. */
  protocol: 17,
} as const;

/** A decoded UDP header. */
export interface UDPHeader {
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Length field (header + data). */
  length: number;
  /** Checksum field. */
  checksum: number;
}

/** Decodes a UDP header (the first 8 bytes), or null when too short. */
export function decodeUDP(bytes: Uint8Array): UDPHeader | null {
  if (bytes.length < UDP.header) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    sourcePort: view.getUint16(UDP.sourcePort),
    destinationPort: view.getUint16(UDP.destinationPort),
    length: view.getUint16(UDP.length),
    checksum: view.getUint16(UDP.checksum),
  };
}

/**
 * Encodes a UDP datagram (header + `payload`) with its checksum over the
 * pseudo-header of `source` and `destination` (4 or 16 bytes each).
 */
export function encodeUDP(
  sourcePort: number,
  destinationPort: number,
  payload: Uint8Array,
  source: Uint8Array,
  destination: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(UDP.header + payload.length);
  const view = new DataView(out.buffer);
  view.setUint16(UDP.sourcePort, sourcePort);
  view.setUint16(UDP.destinationPort, destinationPort);
  view.setUint16(UDP.length, out.length);
  out.set(payload, UDP.header);
  let sum = finishChecksum(
    sumWords(out, pseudoHeaderSum(source, destination, UDP.protocol, out.length)),
  );
  if (sum === 0) sum = 0xffff;
  view.setUint16(UDP.checksum, sum);
  return out;
}
