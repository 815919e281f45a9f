/**
 * The IPv4 header (RFC 791).
 *
 * @module
 */
import { formatIPv4 } from "./address.ts";
import { internetChecksum } from "./checksum.ts";

/** Byte offsets of the IPv4 header fields. */
export const IPV4 = {
  versionIhl: 0,
  tos: 1,
  totalLength: 2,
  id: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  source: 12,
  destination: 16,
  /** Length of a header without options. */
  minLength: 20,
} as const;

/** A decoded IPv4 header. */
export interface IPv4Header {
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  /** Type of service / DSCP+ECN byte. */
  tos: number;
  /** Total length field. */
  totalLength: number;
  /** Identification. */
  id: number;
  /** Don't-fragment flag. */
  dontFragment: boolean;
  /** More-fragments flag. */
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  /** Time to live. */
  ttl: number;
  /** Protocol number of the payload. */
  protocol: number;
  /** Header checksum field. */
  checksum: number;
  /** Source address. */
  source: string;
  /** Destination address. */
  destination: string;
}

/**
 * Decodes the IPv4 header at the start of `bytes`, or returns null when the
 * bytes are too short or not IPv4.
 */
export function decodeIPv4(bytes: Uint8Array): IPv4Header | null {
  if (bytes.length < IPV4.minLength) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const versionIhl = view.getUint8(IPV4.versionIhl);
  if (versionIhl >> 4 !== 4) return null;
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4.minLength || headerLength > bytes.length) return null;
  const flagsFragment = view.getUint16(IPV4.flagsFragment);
  return {
    headerLength,
    tos: view.getUint8(IPV4.tos),
    totalLength: view.getUint16(IPV4.totalLength),
    id: view.getUint16(IPV4.id),
    dontFragment: (flagsFragment & 0x4000) !== 0,
    moreFragments: (flagsFragment & 0x2000) !== 0,
    fragmentOffset: (flagsFragment & 0x1fff) * 8,
    ttl: view.getUint8(IPV4.ttl),
    protocol: view.getUint8(IPV4.protocol),
    checksum: view.getUint16(IPV4.checksum),
    source: formatIPv4(bytes.subarray(IPV4.source, IPV4.source + 4)),
    destination: formatIPv4(bytes.subarray(IPV4.destination, IPV4.destination + 4)),
  };
}

/** Fields for encoding an IPv4 header without options. */
export interface IPv4Fields {
  /** Type of service. */
  tos?: number;
  /** Payload length in bytes. */
  payloadLength: number;
  /** Identification. */
  id?: number;
  /** Set the don't-fragment flag. */
  dontFragment?: boolean;
  /** Time to live. */
  ttl: number;
  /** Protocol number. */
  protocol: number;
  /** Source address bytes (4). */
  source: Uint8Array;
  /** Destination address bytes (4). */
  destination: Uint8Array;
}

/** Encodes a 20-byte IPv4 header with its checksum. */
export function encodeIPv4(fields: IPv4Fields): Uint8Array {
  const out = new Uint8Array(IPV4.minLength);
  const view = new DataView(out.buffer);
  view.setUint8(IPV4.versionIhl, 0x45);
  view.setUint8(IPV4.tos, fields.tos ?? 0);
  view.setUint16(IPV4.totalLength, IPV4.minLength + fields.payloadLength);
  view.setUint16(IPV4.id, fields.id ?? 0);
  view.setUint16(IPV4.flagsFragment, fields.dontFragment ? 0x4000 : 0);
  view.setUint8(IPV4.ttl, fields.ttl);
  view.setUint8(IPV4.protocol, fields.protocol);
  out.set(fields.source, IPV4.source);
  out.set(fields.destination, IPV4.destination);
  view.setUint16(IPV4.checksum, internetChecksum(out));
  return out;
}
