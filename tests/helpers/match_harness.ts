/**
 * What the matcher tests of src/methods/ share: a silent fake network to
 * open sessions on, a MethodContext as the session step builds one, probes,
 * and arrivals built by hand.
 *
 * @module
 */
import { addressBytes, type Family } from "../../src/packet/address.ts";
import { Probe } from "../../src/core/probe.ts";
import { encodeIPv4 } from "../../src/packet/ipv4.ts";
import type { Endpoint, ErrorOrigin, ExtendedError, Socket } from "../../src/core/transport.ts";
import { FakeTransport, type Scenario } from "../fake/transport.ts";
import type { Arrival, Match, MethodContext, MethodSession } from "../../src/core/method.ts";
import type { IgnoreReason } from "../../src/core/statistics.ts";

/** Addresses by family: the source, the target, a router on the way, a stranger. */
export const ADDRESSES = {
  4: { source: "198.18.0.2", target: "198.18.9.9", router: "198.18.1.1", other: "198.18.7.7" },
  6: {
    source: "2001:db8::2",
    target: "2001:db8:9::9",
    router: "2001:db8:1::1",
    other: "2001:db8:7::7",
  },
} as const;

/** A network where nothing answers (the tests bring every message). */
export function silentNetwork(family: Family, over: Partial<Scenario> = {}): FakeTransport {
  const { source, target } = ADDRESSES[family];
  return new FakeTransport({ family, source, target, hops: [{ address: null }], ...over });
}

/** A context for `transport`'s target; `over` replaces fields. */
export function contextFor(
  transport: FakeTransport,
  over: Partial<MethodContext> = {},
): MethodContext {
  const family = transport.scenario.family;
  return {
    transport,
    family,
    target: transport.scenario.target,
    port: 0,
    flowInfo: 0,
    dataLength: 32,
    paris: null,
    local: { source: null, port: 0, interface: null },
    keywords: new Map(),
    ipHeaderLength: family === 4 ? 20 : 40,
    tune: () => {},
    ...over,
  };
}

/** Slot `place` of hop `ttl` (three per hop), of flow `flow`. */
export function probeAt(ttl: number, place = 0, flow = 0): Probe {
  return new Probe({ slot: (ttl - 1) * 3 + place, ttl, place, flow });
}

/**
 * Sends `probe` as the engine does (the probe is then in flight) and returns
 * the bytes the network saw and the socket it went out on (the newest, for
 * methods with a socket per probe).
 */
export function send(
  session: MethodSession,
  transport: FakeTransport,
  probe: Probe,
): { bytes: Uint8Array; socket: Socket } {
  const before = transport.sent.length;
  const at = session.send(probe);
  if (at === null) throw new Error("the fake kernel refused a send");
  probe.sent(at);
  const sockets = session.sockets();
  return { bytes: transport.sent[before]?.data ?? new Uint8Array(), socket: sockets.at(-1)! };
}

/** An ICMP error (time exceeded by default) as the error queue gives it. */
export function icmpError(
  family: Family,
  over: Partial<ExtendedError> = {},
): ExtendedError {
  const origin: ErrorOrigin = family === 4 ? "icmp" : "icmp6";
  return {
    errno: "EHOSTUNREACH",
    description: "No route to host",
    origin,
    type: family === 4 ? 11 : 3,
    code: 0,
    info: 0,
    offender: ADDRESSES[family].router,
    ...over,
  };
}

/** A message from the error queue: `quote` (what the kernel returns), about a packet to `to`. */
export function fromErrorQueue(
  socket: Socket,
  quote: Uint8Array,
  to: Endpoint,
  error: ExtendedError,
): Arrival {
  return {
    kind: "datagram",
    socket,
    errorQueue: true,
    datagram: { data: quote, from: to, receivedAt: 5, ttl: 63, error, truncated: false },
  };
}

/** A message from the normal queue, sent by `from`. */
export function fromData(socket: Socket, data: Uint8Array, from: Endpoint | null): Arrival {
  return {
    kind: "datagram",
    socket,
    errorQueue: false,
    datagram: { data, from, receivedAt: 5, ttl: 60, error: null, truncated: false },
  };
}

/** `payload` behind an IPv4 header from `from` to `to` (what a raw IPv4 socket reads). */
export function withIPv4(
  payload: Uint8Array,
  protocol: number,
  from: string,
  to: string,
): Uint8Array {
  const ip = encodeIPv4({
    payloadLength: payload.length,
    ttl: 60,
    protocol,
    source: addressBytes(from),
    destination: addressBytes(to),
  });
  const out = new Uint8Array(ip.length + payload.length);
  out.set(ip);
  out.set(payload, ip.length);
  return out;
}

/** A copy of `bytes` with byte `i` changed. */
export function flip(bytes: Uint8Array, i: number): Uint8Array {
  const out = bytes.slice();
  out[i]! ^= 0x01;
  return out;
}

/** What a match names: the probe (by slot) and the extras, or the ignore reason. */
export function named(match: Match | IgnoreReason): string | Record<string, unknown> {
  if (typeof match === "string") return match;
  const { probe, ...extras } = match;
  return { probe: `${probe.ttl}.${probe.place}`, ...extras };
}
