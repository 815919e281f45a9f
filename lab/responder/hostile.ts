/**
 * The hostile packets of `--hostile`: for each {@linkcode HostileVariant},
 * what is sent toward a probe's source before its genuine answer.
 *
 * @module
 */

import type { HostileVariant, ResponderConfig } from "./config.ts";
import {
  icmpMessage,
  IP_ICMP,
  IP_ICMPV6,
  IP_TCP,
  IP_UDP,
  ipPacket,
  pseudoChecksum,
  pseudoRandom,
  setChecksum,
  spoofedEcho,
  spoofedIcmp,
  spoofedSynAck,
} from "./craft.ts";
import type { Expired } from "./expired.ts";
import { PLAIN_QUOTE, timeExceeded } from "./time_exceeded.ts";

/**
 * One hostile packet: an ICMP message this router sends on its raw ICMP
 * socket (the kernel adds the IP header), or a whole IP packet for the
 * IPPROTO_RAW socket.
 */
export type HostilePacket =
  | {
    /** An ICMP / ICMPv6 message. */
    kind: "icmp";
    /** What it is, for the log. */
    label: string;
    /** The message (IPv6: checksum 0, the kernel fills it in). */
    message: Uint8Array;
  }
  | {
    /** A whole IP packet, header included. */
    kind: "ip";
    /** What it is, for the log. */
    label: string;
    /** The packet. */
    packet: Uint8Array;
  };

/** Length of the hostile 1400-byte ICMP messages of `garbage`. */
export const OVERSIZED = 1400;

/** The probe's transport header offset and protocol, or null (IPv6 extension headers). */
function transport(probe: Expired): { offset: number; protocol: number } | null {
  if (probe.family === 4) return { offset: (probe.packet[0]! & 0xf) * 4, protocol: probe.protocol };
  return [IP_TCP, IP_UDP, IP_ICMPV6].includes(probe.protocol)
    ? { offset: 40, protocol: probe.protocol }
    : null;
}

/** Whether the probe is an ICMP echo request. */
function isEchoRequest(probe: Expired): boolean {
  const t = transport(probe);
  if (!t || t.offset + 8 > probe.packet.length) return false;
  const type = probe.packet[t.offset];
  return probe.family === 4 ? t.protocol === IP_ICMP && type === 8 : t.protocol === IP_ICMPV6 &&
    type === 128;
}

/** The probe as a time-exceeded would quote it (plain layout), as a copy to alter. */
function plainQuote(probe: Expired): Uint8Array {
  return probe.packet.slice(0, Math.min(probe.packet.length, PLAIN_QUOTE[probe.family]));
}

/**
 * The hostile packets sent for `probe` before its genuine answer (see
 * {@linkcode HostileVariant}). `router` is this router's address toward the
 * probe's source (the source of its own answers); `seed` varies the random
 * bytes of `garbage` from one probe to the next.
 */
export function hostilePackets(
  variant: HostileVariant,
  probe: Expired,
  config: ResponderConfig,
  router: Uint8Array,
  seed = 1,
): HostilePacket[] {
  const family = probe.family;
  const te = family === 4 ? 11 : 3;
  const none = new Uint8Array(4);
  const icmp = (label: string, message: Uint8Array): HostilePacket => ({
    kind: "icmp",
    label,
    message,
  });
  const ip = (label: string, packet: Uint8Array): HostilePacket => ({ kind: "ip", label, packet });
  const quoting = (label: string, quote: Uint8Array, type = te, code = 0, rest = none) =>
    icmp(label, icmpMessage(family, type, code, rest, quote));
  const t = transport(probe);
  switch (variant) {
    case "truncated": {
      const headerLength = family === 4 ? (probe.packet[0]! & 0xf) * 4 : 40;
      return [
        quoting(
          "ip-header+4",
          probe.packet.slice(0, Math.min(headerLength + 4, probe.packet.length)),
        ),
        quoting("20-bytes", probe.packet.slice(0, 20)),
      ];
    }
    case "bad-checksum": {
      if (family === 4) {
        return [icmp("bad-checksum", icmpMessage(4, te, 0, none, plainQuote(probe), true))];
      }
      const message = icmpMessage(6, te, 0, none, plainQuote(probe));
      setChecksum(message, 2, pseudoChecksum(message, router, probe.source, IP_ICMPV6), true);
      return [ip("bad-checksum", ipPacket(6, router, probe.source, IP_ICMPV6, message))];
    }
    case "altered-quote": {
      if (!t) return [];
      const flip = (label: string, at: number, mask: number, size: 2 | 4): HostilePacket => {
        const quote = plainQuote(probe);
        const view = new DataView(quote.buffer);
        if (size === 2) view.setUint16(at, view.getUint16(at) ^ mask);
        else view.setUint32(at, (view.getUint32(at) ^ mask) >>> 0);
        return quoting(label, quote);
      };
      const o = t.offset;
      if (o + 8 > probe.packet.length) return [];
      if (t.protocol === IP_UDP) {
        return [
          flip("udp-source-port", o, 0x8000, 2),
          flip("udp-destination-port", o + 2, 0x8000, 2),
        ];
      }
      if (t.protocol === IP_TCP) {
        return [
          flip("tcp-source-port", o, 0x8000, 2),
          flip("tcp-destination-port", o + 2, 0x8000, 2),
          flip("tcp-sequence", o + 4, 0x8000_0000, 4),
        ];
      }
      if (isEchoRequest(probe)) {
        return [flip("echo-identifier", o + 4, 0x8000, 2), flip("echo-sequence", o + 6, 0x8000, 2)];
      }
      return [];
    }
    case "altered-payload": {
      const quote = plainQuote(probe);
      if (!t || quote.length <= t.offset + 8) return [];
      quote[quote.length - 1]! ^= 0xff;
      return [quoting("last-byte", quote)];
    }
    case "bad-ip-header": {
      if (family !== 4) return [];
      const quote = plainQuote(probe);
      quote[0] = 0x6f;
      const padded = new Uint8Array(Math.max(128, quote.length));
      padded.set(quote);
      return [quoting("version-ihl-0x6f", quote), quoting("version-ihl-0x6f-padded", padded)];
    }
    case "unknown-type":
      return [quoting("type-99", plainQuote(probe), 99)];
    case "garbage": {
      const header = (t?.offset ?? (family === 4 ? 20 : 40)) + 8;
      const oversized = new Uint8Array(OVERSIZED - 8);
      oversized.set(probe.packet.subarray(0, Math.min(header, probe.packet.length)));
      const tail = Math.min(header, probe.packet.length);
      oversized.set(pseudoRandom(oversized.length - tail, seed * 3 + 1), tail);
      return [
        quoting("random", pseudoRandom(60, seed * 3)),
        quoting("oversized-quote", oversized),
        quoting("oversized-random", pseudoRandom(OVERSIZED - 8, seed * 3 + 2)),
      ];
    }
    case "spoofed-echo-reply": {
      if (!t || !isEchoRequest(probe)) return [];
      const view = new DataView(probe.packet.buffer, probe.packet.byteOffset + t.offset);
      const ident = view.getUint16(4);
      const sequence = view.getUint16(6);
      const payload = probe.packet.subarray(t.offset + 8);
      const reply = family === 4 ? 0 : 129;
      const request = family === 4 ? 8 : 128;
      return [
        ip("bad-checksum", spoofedEcho(probe, reply, ident, sequence, payload, true)),
        ...[1, 2, 3].map((k) =>
          ip(`sequence+${k}`, spoofedEcho(probe, reply, ident, (sequence + k) & 0xffff, payload))
        ),
        ip("other-identifier", spoofedEcho(probe, reply, ident ^ 0x8000, sequence, payload)),
        // An echo reply cut to 4 bytes (the IP length says 4 too).
        ip("4-bytes", spoofedIcmp(probe, Uint8Array.of(reply, 0, 0, 0))),
        ip("echo-request", spoofedEcho(probe, request, ident, sequence, payload)),
      ];
    }
    case "spoofed-tcp-reply":
    case "spoofed-tcp-checksum": {
      if (!t || t.protocol !== IP_TCP || t.offset + 8 > probe.packet.length) return [];
      const view = new DataView(probe.packet.buffer, probe.packet.byteOffset + t.offset);
      const port = view.getUint16(0);
      const service = view.getUint16(2);
      const acknowledgment = view.getUint32(4) + 1;
      const right = { sourcePort: service, destinationPort: port, acknowledgment };
      if (variant === "spoofed-tcp-checksum") {
        return [ip("bad-checksum", spoofedSynAck(probe, right, true))];
      }
      return [
        ip(
          "wrong-acknowledgment",
          spoofedSynAck(probe, { ...right, acknowledgment: acknowledgment + 1 }),
        ),
        ip("other-port", spoofedSynAck(probe, { ...right, destinationPort: port ^ 0x8000 })),
        ip("other-service", spoofedSynAck(probe, { ...right, sourcePort: service ^ 0x8000 })),
      ];
    }
    case "ignored-types":
      if (family !== 4) return [];
      return [
        quoting("redirect", plainQuote(probe), 5, 1),
        quoting("source-quench", plainQuote(probe), 4, 0),
      ];
    case "duplicates": {
      const copy = timeExceeded(family, probe.packet, config);
      return [icmp("copy", copy), icmp("copy", copy)];
    }
  }
}
