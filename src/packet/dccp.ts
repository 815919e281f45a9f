/**
 * The DCCP generic header with extended sequence numbers and a Request
 * (RFC 4340 §5.1, §5.2), as Linux traceroute's `-D` sends it.
 *
 * @module
 */
import { finishChecksum, pseudoHeaderSum, sumWords } from "./checksum.ts";

/** Byte offsets in a DCCP Request with extended sequence numbers. */
export const DCCP = {
  sourcePort: 0,
  destinationPort: 2,
  dataOffset: 4,
  ccvalCscov: 5,
  checksum: 6,
  /** reserved (3 bits), type (4 bits), X (1 bit) */
  typeX: 8,
  sequenceHigh: 10,
  sequenceLow: 12,
  serviceCode: 16,
  /** Length of a Request. */
  request: 20,
  /** The IP protocol number. */
  protocol: 33,
  /** Packet type of a Request. */
  typeRequest: 0,
} as const;

/** Ports of a (possibly quoted) DCCP header, or null when under 4 bytes. */
export function decodeDccpPorts(
  bytes: Uint8Array,
): { sourcePort: number; destinationPort: number } | null {
  if (bytes.length < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    sourcePort: view.getUint16(DCCP.sourcePort),
    destinationPort: view.getUint16(DCCP.destinationPort),
  };
}

/** A Request to encode. */
export interface DccpRequest {
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Low 32 bits of the 48-bit sequence number (the high 16 are zero). */
  sequence: number;
  /** Service code. */
  serviceCode: number;
}

/**
 * Encodes a DCCP-Request (20 bytes) with its checksum over the pseudo-header
 * (coverage 0: the whole packet).
 */
export function encodeDccpRequest(
  request: DccpRequest,
  source: Uint8Array,
  destination: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(DCCP.request);
  const view = new DataView(out.buffer);
  view.setUint16(DCCP.sourcePort, request.sourcePort);
  view.setUint16(DCCP.destinationPort, request.destinationPort);
  view.setUint8(DCCP.dataOffset, DCCP.request / 4);
  view.setUint8(DCCP.typeX, (DCCP.typeRequest << 1) | 1);
  view.setUint32(DCCP.sequenceLow, request.sequence >>> 0);
  view.setUint32(DCCP.serviceCode, request.serviceCode >>> 0);
  let sum = finishChecksum(
    sumWords(out, pseudoHeaderSum(source, destination, DCCP.protocol, out.length)),
  );
  if (sum === 0) sum = 0xffff;
  view.setUint16(DCCP.checksum, sum);
  return out;
}
