/**
 * The IPv6 fixed header (RFC 8200).
 *
 * @module
 */
import { formatIPv6 } from "./address.ts";

/** Byte offsets of the IPv6 header fields. */
export const IPV6 = {
  versionClassFlow: 0,
  payloadLength: 4,
  nextHeader: 6,
  hopLimit: 7,
  source: 8,
  destination: 24,
  /** Length of the fixed header. */
  length: 40,
} as const;

/** A decoded IPv6 fixed header. */
export interface IPv6Header {
  /** Traffic class. */
  trafficClass: number;
  /** Flow label (20 bits). */
  flowLabel: number;
  /** Payload length field. */
  payloadLength: number;
  /** Next header (protocol) number. */
  nextHeader: number;
  /** Hop limit. */
  hopLimit: number;
  /** Source address. */
  source: string;
  /** Destination address. */
  destination: string;
}

/** Decodes the IPv6 header at the start of `bytes`, or null when not IPv6 or too short. */
export function decodeIPv6(bytes: Uint8Array): IPv6Header | null {
  if (bytes.length < IPV6.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const first = view.getUint32(IPV6.versionClassFlow);
  if (first >>> 28 !== 6) return null;
  return {
    trafficClass: (first >>> 20) & 0xff,
    flowLabel: first & 0xfffff,
    payloadLength: view.getUint16(IPV6.payloadLength),
    nextHeader: view.getUint8(IPV6.nextHeader),
    hopLimit: view.getUint8(IPV6.hopLimit),
    source: formatIPv6(bytes.subarray(IPV6.source, IPV6.source + 16)),
    destination: formatIPv6(bytes.subarray(IPV6.destination, IPV6.destination + 16)),
  };
}

/** Fields for encoding an IPv6 fixed header. */
export interface IPv6Fields {
  /** Traffic class. */
  trafficClass?: number;
  /** Flow label. */
  flowLabel?: number;
  /** Payload length. */
  payloadLength: number;
  /** Next header number. */
  nextHeader: number;
  /** Hop limit. */
  hopLimit: number;
  /** Source address bytes (16). */
  source: Uint8Array;
  /** Destination address bytes (16). */
  destination: Uint8Array;
}

/** Encodes a 40-byte IPv6 fixed header. */
export function encodeIPv6(fields: IPv6Fields): Uint8Array {
  const out = new Uint8Array(IPV6.length);
  const view = new DataView(out.buffer);
  view.setUint32(
    IPV6.versionClassFlow,
    ((6 << 28) | ((fields.trafficClass ?? 0) << 20) | (fields.flowLabel ?? 0)) >>> 0,
  );
  view.setUint16(IPV6.payloadLength, fields.payloadLength);
  view.setUint8(IPV6.nextHeader, fields.nextHeader);
  view.setUint8(IPV6.hopLimit, fields.hopLimit);
  out.set(fields.source, IPV6.source);
  out.set(fields.destination, IPV6.destination);
  return out;
}
