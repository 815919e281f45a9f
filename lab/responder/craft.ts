/**
 * Building packets byte by byte: ICMP messages with right or wrong
 * checksums, whole IPv4 / IPv6 packets, and replies spoofed from a probe's
 * target (echo messages, SYN-ACKs); plus repeatable pseudo-random bytes.
 *
 * @module
 */

import {
  finishChecksum,
  internetChecksum,
  pseudoHeaderSum,
  sumWords,
} from "../../src/packet/checksum.ts";
import type { Expired } from "./expired.ts";

/** IP protocol number of ICMP. */
export const IP_ICMP = 1;
/** IP protocol number of TCP. */
export const IP_TCP = 6;
/** IP protocol number of UDP. */
export const IP_UDP = 17;
/** IP protocol number of ICMPv6. */
export const IP_ICMPV6 = 58;

/**
 * An ICMP message: type, code, the 4-byte rest of the header, `body`. IPv4:
 * with its checksum (wrong when `badChecksum`); IPv6: checksum 0.
 */
export function icmpMessage(
  family: 4 | 6,
  type: number,
  code: number,
  rest: Uint8Array,
  body: Uint8Array,
  badChecksum = false,
): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  out[0] = type;
  out[1] = code;
  out.set(rest.subarray(0, 4), 4);
  out.set(body, 8);
  if (family === 4) setChecksum(out, 2, internetChecksum(out), badChecksum);
  return out;
}

/** Writes `valid` at `offset`, or a wrong value (never 0 or 0xffff) when `bad`. */
export function setChecksum(bytes: Uint8Array, offset: number, valid: number, bad: boolean): void {
  let value = valid;
  if (bad) {
    value = valid ^ 0x5a5a;
    if (value === 0 || value === 0xffff) value = valid ^ 0x1111;
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint16(offset, value);
}

/** The checksum of a transport message (TCP, ICMPv6) with its pseudo-header. */
export function pseudoChecksum(
  message: Uint8Array,
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
): number {
  return finishChecksum(
    sumWords(message, pseudoHeaderSum(source, destination, protocol, message.length)),
  );
}

/** A whole IP packet around `payload` (TTL / hop limit 64). */
export function ipPacket(
  family: 4 | 6,
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
  payload: Uint8Array,
): Uint8Array {
  if (family === 4) {
    const out = new Uint8Array(20 + payload.length);
    const view = new DataView(out.buffer);
    out[0] = 0x45;
    view.setUint16(2, out.length);
    out[8] = 64;
    out[9] = protocol;
    out.set(source, 12);
    out.set(destination, 16);
    view.setUint16(10, internetChecksum(out.subarray(0, 20)));
    out.set(payload, 20);
    return out;
  }
  const out = new Uint8Array(40 + payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x60;
  view.setUint16(4, payload.length);
  out[6] = protocol;
  out[7] = 64;
  out.set(source, 8);
  out.set(destination, 24);
  out.set(payload, 40);
  return out;
}

/**
 * A spoofed ICMP / ICMPv6 message from the probe's target to its source, its
 * checksum filled in here (wrong when `badChecksum`).
 */
export function spoofedIcmp(probe: Expired, message: Uint8Array, badChecksum = false): Uint8Array {
  const valid = probe.family === 4
    ? internetChecksum(message)
    : pseudoChecksum(message, probe.destination, probe.source, IP_ICMPV6);
  setChecksum(message, 2, valid, badChecksum);
  const protocol = probe.family === 4 ? IP_ICMP : IP_ICMPV6;
  return ipPacket(probe.family, probe.destination, probe.source, protocol, message);
}

/** A spoofed echo message (`type`) from the probe's target to its source. */
export function spoofedEcho(
  probe: Expired,
  type: number,
  ident: number,
  sequence: number,
  payload: Uint8Array,
  badChecksum = false,
): Uint8Array {
  const icmp = new Uint8Array(8 + payload.length);
  const view = new DataView(icmp.buffer);
  icmp[0] = type;
  view.setUint16(4, ident);
  view.setUint16(6, sequence);
  icmp.set(payload, 8);
  return spoofedIcmp(probe, icmp, badChecksum);
}

/** A spoofed 20-byte SYN-ACK from the probe's target to its source. */
export function spoofedSynAck(
  probe: Expired,
  fields: { sourcePort: number; destinationPort: number; acknowledgment: number },
  badChecksum = false,
): Uint8Array {
  const tcp = new Uint8Array(20);
  const view = new DataView(tcp.buffer);
  view.setUint16(0, fields.sourcePort);
  view.setUint16(2, fields.destinationPort);
  view.setUint32(4, 0x48570001);
  view.setUint32(8, fields.acknowledgment >>> 0);
  tcp[12] = 5 << 4;
  tcp[13] = 0x12; // SYN, ACK
  view.setUint16(14, 65535);
  setChecksum(
    tcp,
    16,
    pseudoChecksum(tcp, probe.destination, probe.source, IP_TCP),
    badChecksum,
  );
  return ipPacket(probe.family, probe.destination, probe.source, IP_TCP, tcp);
}

/** xorshift32: the same "random" bytes on every run. */
export function pseudoRandom(length: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 0x2545f491;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
