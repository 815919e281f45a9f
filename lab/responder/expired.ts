/**
 * Telling probes from other packets: which captured packets the router
 * expires (rather than forwards or takes in) and would answer.
 *
 * @module
 */

/** A packet the router would expire: who to answer and what to quote. */
export interface Expired {
  /** IP version. */
  family: 4 | 6;
  /** The probe's source address (4 or 16 bytes): where the answer goes. */
  source: Uint8Array;
  /** The probe's destination address. */
  destination: Uint8Array;
  /** The probe from its IP header on, trimmed to its IP length. */
  packet: Uint8Array;
  /** Its upper-layer protocol (IPv6: the first next header). */
  protocol: number;
  /** Its TOS / traffic class byte. */
  tos: number;
}

/** ICMPv4 types about which the kernel sends no error: errors and unknown types. */
const ICMP4_NO_ERROR = new Set([3, 4, 5, 11, 12]);

function isLabSource(family: 4 | 6, address: Uint8Array): boolean {
  if (family === 4) return address[0] === 198 && (address[1]! & 0xfe) === 18;
  return address[0] === 0x20 && address[1] === 0x01 && address[2] === 0x0d && address[3] === 0xb8;
}

/**
 * Whether `packet` (from its IP header on, as an AF_PACKET SOCK_DGRAM socket
 * reads it) is one the router expires rather than forwards or takes in, and
 * that it would answer; `isLocal` says whether an address is the router's own.
 * Null when it is not.
 */
export function expired(
  packet: Uint8Array,
  isLocal: (address: Uint8Array) => boolean,
): Expired | null {
  const version = (packet[0] ?? 0) >> 4;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (version === 4) {
    const headerLength = (packet[0]! & 0xf) * 4;
    if (packet.length < 20 || headerLength < 20 || packet.length < headerLength) return null;
    const total = view.getUint16(2);
    if (total < headerLength || total > packet.length) return null;
    if (packet[8]! > 1) return null;
    if ((view.getUint16(6) & 0x1fff) !== 0) return null; // not the first fragment
    const source = packet.slice(12, 16);
    const destination = packet.slice(16, 20);
    if (!isLabSource(4, source) || destination[0]! >= 224 || isLocal(destination)) return null;
    const protocol = packet[9]!;
    if (protocol === 1) {
      const type = packet[headerLength];
      if (type === undefined || ICMP4_NO_ERROR.has(type) || type > 18) return null;
    }
    return {
      family: 4,
      source,
      destination,
      packet: packet.slice(0, total),
      protocol,
      tos: packet[1]!,
    };
  }
  if (version === 6) {
    if (packet.length < 40) return null;
    const total = 40 + view.getUint16(4);
    if (total > packet.length) return null;
    if (packet[7]! > 1) return null;
    const source = packet.slice(8, 24);
    const destination = packet.slice(24, 40);
    if (!isLabSource(6, source) || destination[0] === 0xff) return null;
    if (destination[0] === 0xfe && (destination[1]! & 0xc0) === 0x80) return null;
    if (isLocal(destination)) return null;
    const protocol = packet[6]!;
    if (protocol === 58 && (packet[40] ?? 0) < 128) return null; // an ICMPv6 error
    return {
      family: 6,
      source,
      destination,
      packet: packet.slice(0, total),
      protocol,
      tos: (view.getUint16(0) >> 4) & 0xff,
    };
  }
  return null;
}
