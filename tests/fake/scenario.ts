/**
 * The fake network's replies: a scenario says who answers at each TTL, after
 * how long, with what; {@linkcode ScenarioReplies} works out the answers to
 * a probe and queues them where the kernel would. ICMP errors arrive on the
 * error queue of the socket that sent the probe with the original payload
 * and destination; raw IPv4 sockets get the IP header; ICMP datagram sockets
 * use their port as the echo identifier. As in Linux, every raw ICMP socket
 * of the family gets a copy of an echo reply, and (with IP_RECVERR) of an
 * ICMP error about an echo request, when it is unconnected or connected to
 * the packet's peer (raw_v4_match); a ping socket gets only the replies to
 * its own identifier.
 *
 * @module
 */
import { addressBytes, type Family } from "../../src/packet/address.ts";
import { decodeICMPv4, ICMP4, writeICMPv4Echo } from "../../src/packet/icmpv4.ts";
import { decodeICMPv6, ICMP6, writeICMPv6Echo } from "../../src/packet/icmpv6.ts";
import { encodeIPv4 } from "../../src/packet/ipv4.ts";
import type { Datagram, Endpoint, ExtendedError } from "../../src/core/transport.ts";
import type { FakeSocket, Queued } from "./socket.ts";

/** How one TTL answers. */
export interface HopBehaviour {
  /** The responder, or null for a silent hop. */
  address: string | null;
  /** A responder per place within the hop (load balancing), overriding `address`. */
  addresses?: Array<string | null>;
  /** Round-trip time in ms (default 1). */
  rtt?: number;
  /** Places within the hop (0-based) whose probes get no answer. */
  drop?: number[];
  /** TTLs whose probes get no answer (for entries that answer several TTLs). */
  dropTtls?: number[];
  /** Answer with this ICMP message instead of the usual one. */
  icmp?: { type: number; code: number; info?: number };
  /** TTL of the replies as they arrive (default 65 - the responder's distance). */
  replyTtl?: number;
  /** Extra delay in ms for some places: { "1": 4000 }. */
  delay?: Record<string, number>;
  /** Send every answer twice. */
  duplicate?: boolean;
  /**
   * Rate-limit the answers as Linux does ICMP errors: a token bucket of
   * `burst` tokens (default 6) holding `initial` at the start (default
   * `burst`), one token back every `interval` ms (default 1000); an answer
   * takes a token, and without one the probe goes unanswered. The bucket is
   * this entry's (all the TTLs it answers share it).
   */
  rateLimit?: { burst?: number; initial?: number; interval?: number };
}

/** A virtual network as seen from the source. */
export interface Scenario {
  /** IP version. */
  family: Family;
  /** The source's own address. */
  source: string;
  /** The target address. */
  target: string;
  /**
   * Behaviour per TTL (index 0 = TTL 1). TTLs past the end behave like the
   * last entry, which is normally the target itself.
   */
  hops: HopBehaviour[];
  /** Raw sockets may be opened (default true). */
  rawAllowed?: boolean;
  /** ICMP datagram sockets may be opened (default false, Linux's default sysctl). */
  pingAllowed?: boolean;
  /** Interfaces that exist (default ["lo", "eth0"]). */
  interfaces?: string[];
  /** Other targets and their paths, as `hops` is the path to `target`. */
  routes?: Record<string, HopBehaviour[]>;
}

/** A probe as the network sees it leave. */
export interface Outgoing {
  /** The socket it was sent on. */
  socket: FakeSocket;
  /** Where to. */
  destination: Endpoint;
  /** The transport payload. */
  data: Uint8Array;
  /** Virtual send time. */
  at: number;
  /** Its TTL. */
  ttl: number;
  /** How many probes went to the same destination with the same TTL before it. */
  place: number;
}

/** The answers of a scenario's network, with the state they keep (rate-limit buckets). */
export class ScenarioReplies {
  readonly #scenario: Scenario;
  #buckets = new Map<HopBehaviour, { tokens: number; at: number }>();

  constructor(scenario: Scenario) {
    this.#scenario = scenario;
  }

  /** Works out the answer to `probe`, and queues it on the sockets (of `open`) that get it. */
  answer(probe: Outgoing, open: readonly FakeSocket[]): void {
    const { socket, destination, data, at, ttl, place } = probe;
    const hops = this.#route(destination.address);
    if (!hops) return;
    const { hop, isTarget } = this.#behaviour(hops, ttl);
    const responder = hop.addresses ? hop.addresses[place % hop.addresses.length] : hop.address;
    if (!responder || hop.drop?.includes(place) || hop.dropTtls?.includes(ttl)) return;
    if (hop.rateLimit && !this.#takeToken(hop, at + (hop.rtt ?? 1) / 2)) return;
    const arrives = at + (hop.rtt ?? 1) + (hop.delay?.[String(place)] ?? 0);
    const replyTtl = hop.replyTtl ?? 65 - Math.min(ttl, hops.length);
    const family = this.#scenario.family;
    const icmpProtocol = family === 4 ? 1 : 58;
    const copies = hop.duplicate ? 2 : 1;

    const isEcho = socket.protocol === icmpProtocol;
    if (isTarget && !hop.icmp && isEcho) {
      // The sender gets its reply; so does every other raw ICMP socket that
      // would take a packet from the responder.
      const reply = this.#echoReply(socket, data, responder);
      for (const receiver of new Set([socket, ...rawIcmpSockets(open, family, responder)])) {
        const datagram: Datagram = {
          data: this.#asReceived(receiver, reply, replyTtl, responder),
          from: { address: responder, port: 0 },
          receivedAt: arrives,
          ttl: replyTtl,
          error: null,
          truncated: false,
        };
        for (let i = 0; i < copies; i++) {
          receiver.queue.push({ at: arrives, errorQueue: false, datagram });
        }
      }
      return;
    }
    let icmp = hop.icmp;
    if (!icmp) {
      if (isTarget) icmp = family === 4 ? { type: 3, code: 3 } : { type: 1, code: 4 };
      else icmp = family === 4 ? { type: 11, code: 0 } : { type: 3, code: 0 };
    }
    const error: ExtendedError = {
      errno: icmp.type === 11 || icmp.type === 3 && family === 6 ? "EHOSTUNREACH" : "ECONNREFUSED",
      description: "",
      origin: family === 4 ? "icmp" : "icmp6",
      type: icmp.type,
      code: icmp.code,
      info: icmp.info ?? 0,
      offender: responder,
    };
    const queued: Queued = {
      at: arrives,
      errorQueue: true,
      datagram: {
        data,
        from: { address: destination.address, port: destination.port },
        receivedAt: arrives,
        ttl: replyTtl,
        error,
        truncated: false,
      },
    };
    // The error goes to the sender's error queue (with IP_RECVERR); one about
    // an echo request also to every raw ICMP socket that would take packets
    // of the request's destination.
    const receivers = [
      socket,
      ...(isEcho ? rawIcmpSockets(open, family, destination.address) : []),
    ];
    for (const receiver of new Set(receivers)) {
      if (!receiver.recvErr) continue;
      for (let i = 0; i < copies; i++) receiver.queue.push({ ...queued });
      receiver.pending = { code: error.errno, at: queued.at };
    }
  }

  /** A token from the hop's bucket at time `at`, if it has one. */
  #takeToken(hop: HopBehaviour, at: number): boolean {
    const { burst = 6, initial = burst, interval = 1000 } = hop.rateLimit!;
    const bucket = this.#buckets.get(hop) ?? { tokens: initial, at: 0 };
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, at - bucket.at) / interval);
    bucket.at = Math.max(bucket.at, at);
    this.#buckets.set(hop, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** The path to `destination`, or null for an address the network does not know. */
  #route(destination: string): HopBehaviour[] | null {
    if (destination === this.#scenario.target) return this.#scenario.hops;
    const routes = this.#scenario.routes;
    return routes && Object.hasOwn(routes, destination) ? routes[destination]! : null;
  }

  #behaviour(hops: HopBehaviour[], ttl: number): { hop: HopBehaviour; isTarget: boolean } {
    const index = Math.min(ttl, hops.length) - 1;
    return { hop: hops[index]!, isTarget: ttl >= hops.length };
  }

  /** The echo reply to `request` (sent on `socket`), without an IP header. */
  #echoReply(socket: FakeSocket, request: Uint8Array, from: string): Uint8Array {
    const reply = request.slice();
    if (this.#scenario.family === 4) {
      const echo = decodeICMPv4(request)!;
      const ident = socket.kind === "dgram" ? socket.localEndpoint().port : echo.ident;
      writeICMPv4Echo(reply, ICMP4.echoReply, ident, echo.sequence);
    } else {
      const echo = decodeICMPv6(request)!;
      const ident = socket.kind === "dgram" ? socket.localEndpoint().port : echo.ident;
      writeICMPv6Echo(reply, ICMP6.echoReply, ident, echo.sequence, {
        source: addressBytes(from),
        destination: addressBytes(this.#scenario.source),
      });
    }
    return reply;
  }

  /** An ICMP message as `receiver` reads it: raw IPv4 sockets get the IP header too. */
  #asReceived(receiver: FakeSocket, icmp: Uint8Array, ttl: number, from: string): Uint8Array {
    if (this.#scenario.family !== 4 || receiver.kind !== "raw") return icmp;
    const ip = encodeIPv4({
      payloadLength: icmp.length,
      ttl,
      protocol: 1,
      source: addressBytes(from),
      destination: addressBytes(this.#scenario.source),
    });
    const data = new Uint8Array(ip.length + icmp.length);
    data.set(ip);
    data.set(icmp, ip.length);
    return data;
  }
}

/**
 * The raw ICMP sockets of `family` (among `open`) that get a copy of an ICMP
 * packet whose peer is `peer` (Linux's raw_v4_match: any, unless connected
 * elsewhere).
 */
function rawIcmpSockets(open: readonly FakeSocket[], family: Family, peer: string): FakeSocket[] {
  const protocol = family === 4 ? 1 : 58;
  return open.filter((s) =>
    !s.closed && s.kind === "raw" && s.family === family && s.protocol === protocol &&
    (s.remote === null || s.remote.address === peer)
  );
}
