/**
 * Fuzz targets: random and mutated inputs for the packet decoders and the
 * reply matchers. Each target runs `count` cases from a seeded generator and
 * throws on the first broken invariant, naming the seed and case so it can be
 * replayed:
 *
 * - decoders never throw, whatever the bytes;
 * - a matcher never throws, and never takes a message as the reply to a
 *   probe unless the message names that probe exactly (identifier and
 *   sequence, or ports and sequence, and a quote equal to what was sent).
 *
 * @module
 */
import { addressBytes } from "../../src/packet/address.ts";
import { Probe } from "../../src/core/probe.ts";
import { asPathFromWhois } from "../../src/lookup/whois.ts";
import { icmpMethod } from "../../src/methods/icmp.ts";
import type { Match, MethodContext, MethodSession } from "../../src/core/method.ts";
import { tcpMethod } from "../../src/methods/tcp.ts";
import { replyChecksumValid } from "../../src/methods/half_open.ts";
import { decodeDccpPorts } from "../../src/packet/dccp.ts";
import {
  decodeExtensions,
  findExtensions,
  formatExtensions,
} from "../../src/packet/icmp_extension.ts";
import {
  decodeICMPv4,
  encodeICMPv4Error,
  ICMP4,
  writeICMPv4Echo,
} from "../../src/packet/icmpv4.ts";
import { decodeICMPv6, ICMP6, writeICMPv6Echo } from "../../src/packet/icmpv6.ts";
import { decodeIPv4, encodeIPv4 } from "../../src/packet/ipv4.ts";
import { decodeIPv6 } from "../../src/packet/ipv6.ts";
import { decodeTcp, decodeTcpQuote, encodeTcp, TCP_FLAGS } from "../../src/packet/tcp.ts";
import { decodeUDP } from "../../src/packet/udp.ts";
import { parseIPv4, parseIPv6 } from "../../src/packet/address.ts";
import { cDoublePrefix, parseCInt, parseCUnsigned } from "../../src/core/c_numbers.ts";
import type { Datagram, ExtendedError, Socket } from "../../src/core/transport.ts";
import { FakeTransport } from "../fake/transport.ts";

/** A small, fast, seeded generator (mulberry32). */
export class Rng {
  #state: number;
  /** Starts from `seed`. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A 32-bit unsigned integer. */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.below(256);
    return out;
  }
}

/** Mutates a copy of `bytes`: flips, sets, truncates, extends, or several of those. */
export function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  let out = bytes.slice();
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    switch (rng.below(6)) {
      case 0: // flip a bit
        if (out.length) out[rng.below(out.length)]! ^= 1 << rng.below(8);
        break;
      case 1: // set a byte
        if (out.length) out[rng.below(out.length)] = rng.below(256);
        break;
      case 2: // truncate
        out = out.subarray(0, rng.below(out.length + 1)).slice();
        break;
      case 3: { // extend with garbage
        const more = new Uint8Array(out.length + 1 + rng.below(64));
        more.set(out);
        more.set(rng.bytes(more.length - out.length), out.length);
        out = more;
        break;
      }
      case 4: // interesting values
        if (out.length) {
          out[rng.below(out.length)] = [0, 0xff, 0x7f, 0x80, 0x45, 0x60][rng.below(6)]!;
        }
        break;
      default: // leave it
        break;
    }
  }
  return out;
}

/** Ends a fuzz run on a broken invariant, naming the target, seed and case to replay it. */
export function fail(target: string, seed: number, index: number, what: string): never {
  throw new Error(`fuzz ${target}: seed ${seed}, case ${index}: ${what}`);
}

/** Every decoder and text parser, on random and mutated inputs: none may throw. */
export function fuzzDecoders(seed: number, count: number): void {
  const rng = new Rng(seed);
  const samples = [
    encodeIPv4({
      payloadLength: 8,
      ttl: 1,
      protocol: 17,
      source: addressBytes("198.18.0.2"),
      destination: addressBytes("198.18.9.9"),
    }),
    encodeICMPv4Error(11, 0, new Uint8Array(28).fill(0x45)),
    new Uint8Array(48).fill(0x60),
  ];
  const decoders: Array<(b: Uint8Array) => unknown> = [
    decodeIPv4,
    decodeIPv6,
    decodeICMPv4,
    decodeICMPv6,
    decodeUDP,
    decodeTcp,
    decodeTcpQuote,
    decodeDccpPorts,
    (b) => {
      const objects = decodeExtensions(b);
      if (objects) formatExtensions(objects);
    },
    (b) => findExtensions(b, 28, rng.below(200), 4),
    (b) => findExtensions(b, 48, rng.below(200), 8),
    (b) => asPathFromWhois(new TextDecoder().decode(b)),
    (b) => parseIPv4(new TextDecoder().decode(b)),
    (b) => parseIPv6(new TextDecoder().decode(b)),
    (b) => {
      const text = new TextDecoder().decode(b);
      parseCUnsigned(text);
      parseCInt(text);
      cDoublePrefix(text);
    },
  ];
  for (let i = 0; i < count; i++) {
    const input = rng.below(2) === 0
      ? rng.bytes(rng.below(160))
      : mutate(rng, samples[rng.below(samples.length)]!);
    for (const decode of decoders) {
      try {
        decode(input);
      } catch (e) {
        fail("decoders", seed, i, `threw ${e} on ${[...input].join(",")}`);
      }
    }
  }
}

function context(
  transport: FakeTransport,
  family: 4 | 6,
  target: string,
  keywords = new Map<string, string>(),
): MethodContext {
  return {
    transport,
    family,
    target,
    port: 0,
    flowInfo: 0,
    dataLength: 32,
    paris: null,
    local: { source: null, port: 0, interface: null },
    keywords,
    ipHeaderLength: family === 4 ? 20 : 40,
    tune: () => {},
  };
}

const TIME_EXCEEDED: Record<4 | 6, ExtendedError> = {
  4: {
    errno: "EHOSTUNREACH",
    description: "",
    origin: "icmp",
    type: 11,
    code: 0,
    info: 0,
    offender: "198.18.1.1",
  },
  6: {
    errno: "EHOSTUNREACH",
    description: "",
    origin: "icmp6",
    type: 3,
    code: 0,
    info: 0,
    offender: "2001:db8:1::1",
  },
};

function datagram(data: Uint8Array, from: string, error: ExtendedError | null): Datagram {
  return {
    data,
    from: { address: from, port: 0 },
    receivedAt: 1,
    ttl: 63,
    error,
    truncated: false,
  };
}

/**
 * The ICMP echo matcher (raw sockets, both families): genuine replies and
 * quotes for the probes in flight, mutated; a match must name its probe.
 */
export function fuzzIcmpMatcher(seed: number, count: number): { matched: number; cases: number } {
  const rng = new Rng(seed);
  let matched = 0;
  for (const family of [4, 6] as const) {
    const source = family === 4 ? "198.18.0.2" : "2001:db8::2";
    const target = family === 4 ? "198.18.9.9" : "2001:db8:9::9";
    const transport = new FakeTransport({ family, source, target, hops: [{ address: null }] });
    const ctx = context(transport, family, target);
    const session = icmpMethod.open(ctx);
    const probes = Array.from({ length: 8 }, (_, i) => slot(i));
    for (const p of probes) session.send(p);
    const [socket] = session.sockets();
    const sent = transport.sent.map((s) => s.data);
    for (let i = 0; i < count; i++) {
      const k = rng.below(sent.length);
      const request = sent[k]!;
      const errorQueue = rng.below(2) === 0;
      let genuine: Uint8Array;
      if (errorQueue) genuine = request.slice();
      else {
        const reply = request.slice();
        const view = new DataView(reply.buffer);
        if (family === 4) {
          writeICMPv4Echo(reply, ICMP4.echoReply, view.getUint16(4), view.getUint16(6));
        } else {
          writeICMPv6Echo(reply, ICMP6.echoReply, view.getUint16(4), view.getUint16(6), {
            source: addressBytes(target),
            destination: addressBytes(source),
          });
        }
        genuine = family === 4
          ? new Uint8Array([
            ...encodeIPv4({
              payloadLength: reply.length,
              ttl: 60,
              protocol: 1,
              source: addressBytes(target),
              destination: addressBytes(source),
            }),
            ...reply,
          ])
          : reply;
      }
      const input = rng.below(4) === 0 ? genuine : mutate(rng, genuine);
      let replies: Match[];
      try {
        replies = matches(
          session,
          socket!,
          errorQueue,
          datagram(input, target, errorQueue ? TIME_EXCEEDED[family] : null),
        );
      } catch (e) {
        fail(`icmp${family}`, seed, i, `threw ${e}`);
      }
      for (const reply of replies) {
        // It must name the probe it claims: the echo header inside the message.
        const icmp = errorQueue || family === 6 ? input : input.subarray((input[0]! & 0x0f) * 4);
        const view = new DataView(icmp.buffer, icmp.byteOffset, icmp.length);
        const sequence = view.getUint16(6);
        const expected = probes[
          sent.findIndex((s) => new DataView(s.buffer).getUint16(6) === sequence)
        ];
        if (reply.probe !== expected) fail(`icmp${family}`, seed, i, `matched another probe`);
        const ident = new DataView(request.buffer, request.byteOffset).getUint16(4);
        if (view.getUint16(4) !== ident) fail(`icmp${family}`, seed, i, "took another identifier");
        if (
          errorQueue &&
          !equalBytes(
            icmp.subarray(8, Math.min(icmp.length, request.length)),
            request.subarray(8, Math.min(icmp.length, request.length)),
          )
        ) {
          fail(`icmp${family}`, seed, i, "took a quote that differs from the probe");
        }
      }
      // Answered probes go back in flight for the next cases.
      matched += replies.length;
      for (const reply of replies) session.release(reply.probe);
      for (const reply of replies) reSend(session, reply.probe, transport, sent);
    }
    session.close();
  }
  return { matched, cases: 2 * count };
}

/** Slot `i` of a trace with three probes per hop. */
function slot(i: number): Probe {
  return new Probe({ slot: i, ttl: Math.floor(i / 3) + 1, place: i % 3 });
}

/** What the session's matcher says of one message: the match, or none. */
function matches(
  session: MethodSession,
  socket: Socket,
  errorQueue: boolean,
  message: Datagram,
): Match[] {
  const match = session.match({ kind: "datagram", socket, errorQueue, datagram: message });
  return typeof match === "string" ? [] : [match];
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Sends a released probe again, and records its new bytes. */
function reSend(
  session: MethodSession,
  probe: Probe,
  transport: FakeTransport,
  sent: Uint8Array[],
): void {
  const before = transport.sent.length;
  session.send(probe);
  const data = transport.sent[before]?.data;
  if (data) sent[probe.slot] = data;
}

/**
 * The TCP half-open matcher: replies (SYN-ACK, RST) and ICMP quotes of the
 * probes in flight, mutated; a match must carry the probe's ports, and a
 * quote its sequence number, and a reply must acknowledge it.
 */
export function fuzzTcpMatcher(seed: number, count: number): { matched: number; cases: number } {
  const rng = new Rng(seed);
  let matched = 0;
  const family = 4;
  const source = "198.18.0.2";
  const target = "198.18.9.9";
  const transport = new FakeTransport({ family, source, target, hops: [{ address: null }] });
  const session = tcpMethod.open(context(transport, family, target, new Map([["syn", ""]])));
  const probes = Array.from({ length: 8 }, (_, i) => slot(i));
  for (const p of probes) session.send(p);
  const [raw] = session.sockets();
  const segments = transport.sent.map((s) => s.data);
  for (let i = 0; i < count; i++) {
    const k = rng.below(segments.length);
    const probe = decodeTcp(segments[k]!)!;
    const errorQueue = rng.below(2) === 0;
    let genuine: Uint8Array;
    if (errorQueue) {
      genuine = segments[k]!.subarray(0, 8 + rng.below(segments[k]!.length - 7)).slice();
    } else {
      const flags = rng.below(2) === 0
        ? TCP_FLAGS.syn | TCP_FLAGS.ack
        : TCP_FLAGS.rst | TCP_FLAGS.ack;
      const reply = encodeTcp(
        {
          sourcePort: probe.destinationPort,
          destinationPort: probe.sourcePort,
          sequence: rng.next(),
          acknowledgment: (probe.sequence + 1) >>> 0,
          flags,
          window: 1000,
          options: new Uint8Array(),
        },
        addressBytes(target),
        addressBytes(source),
      );
      genuine = new Uint8Array([
        ...encodeIPv4({
          payloadLength: reply.length,
          ttl: 60,
          protocol: 6,
          source: addressBytes(target),
          destination: addressBytes(source),
        }),
        ...reply,
      ]);
    }
    const input = rng.below(4) === 0 ? genuine : mutate(rng, genuine);
    let replies: Match[];
    try {
      replies = matches(
        session,
        raw!,
        errorQueue,
        datagram(input, target, errorQueue ? TIME_EXCEEDED[4] : null),
      );
    } catch (e) {
      fail("tcp", seed, i, `threw ${e}`);
    }
    for (const reply of replies) {
      const tcp = errorQueue ? input : input.subarray((input[0]! & 0x0f) * 4);
      const quote = decodeTcpQuote(tcp)!;
      const index = segments.findIndex((s) => {
        const p = decodeTcp(s)!;
        return errorQueue
          ? p.sourcePort === quote.sourcePort && p.sequence === quote.sequence
          : p.sourcePort === quote.destinationPort;
      });
      if (reply.probe !== probes[index]) {
        fail("tcp", seed, i, "matched a probe the message does not name");
      }
      if (!errorQueue) {
        const header = decodeTcp(tcp)!;
        const sent = decodeTcp(segments[index]!)!;
        if (header.acknowledgment !== ((sent.sequence + 1) >>> 0)) {
          fail("tcp", seed, i, "took a reply that acknowledges nothing");
        }
        const tcpChecksum = { protocol: 6, checksumOffset: 16, checksumCoverage: () => tcp.length };
        if (!replyChecksumValid(tcp, tcpChecksum, addressBytes(target), addressBytes(source))) {
          fail("tcp", seed, i, "took a reply with a bad checksum");
        }
      }
    }
    matched += replies.length;
    for (const reply of replies) {
      session.release(reply.probe);
      const before = transport.sent.length;
      session.send(reply.probe);
      const data = transport.sent[before]?.data;
      if (data) segments[reply.probe.slot] = data;
    }
  }
  session.close();
  return { matched, cases: count };
}
