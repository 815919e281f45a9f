/**
 * Bare IP packets of one protocol (`-P proto`, `-M raw -O protocol=N`):
 * Linux traceroute's raw module. No transport header: the payload follows the
 * IP header. One probe at a time, with a fixed wait (replies cannot name
 * their probe). Needs CAP_NET_RAW.
 *
 * @module
 */
import { protocolNumber } from "../lookup/netdb.ts";
import { parseCUnsignedPrefix } from "../core/c_numbers.ts";
import type { Probe } from "../core/probe.ts";
import type { IgnoreReason } from "../core/statistics.ts";
import type { Socket } from "../core/transport.ts";
import type { Arrival, Match, Method, MethodContext, MethodSession } from "../core/method.ts";
import { probePayload } from "../packet/payload.ts";
import { quotesExactly } from "./quote.ts";
import { openRawSocket, sendProbe, targetEndpoint } from "./sockets.ts";

/** The protocol probed by default: 253, "for experimentation and testing" (RFC 3692). */
export const DEFAULT_RAW_PROTOCOL = 253;

/** A protocol number or name, as set_protocol reads it; null when neither. */
export function parseProtocol(text: string): number | null {
  const n = parseCUnsignedPrefix(text) ?? protocolNumber(text);
  return n === null ? null : n & 0xff;
}

class RawSession implements MethodSession {
  dataLength: number;
  readonly socketPerProbe = false;
  readonly reading = { limit: 64, untilMatch: false };
  #context: MethodContext;
  #socket: Socket;
  #payload: Uint8Array;
  #lastTtl = 0;
  #current: Probe | null = null;

  constructor(context: MethodContext, protocol: number) {
    this.#context = context;
    this.dataLength = context.dataLength;
    this.#payload = probePayload(context.dataLength);
    this.#socket = openRawSocket(context.transport, context.family, protocol, "raw");
    try {
      context.tune(this.#socket);
      this.#socket.connect(targetEndpoint(context, 0));
      this.#socket.setInt("recvErr", 1);
    } catch (e) {
      this.#socket.close();
      throw e;
    }
  }

  sockets(): readonly Socket[] {
    return this.#socket.closed ? [] : [this.#socket];
  }

  resize(dataLength: number): void {
    this.dataLength = dataLength;
    this.#payload = probePayload(dataLength);
  }

  send(probe: Probe): number | null {
    if (probe.ttl !== this.#lastTtl) {
      this.#socket.setInt("ttl", probe.ttl);
      this.#lastTtl = probe.ttl;
    }
    const sentAt = sendProbe(this.#socket, this.#payload, () => this.#context.transport.now());
    if (sentAt === null) return null;
    this.#current = probe;
    return sentAt;
  }

  match(arrival: Arrival): Match | IgnoreReason {
    if (arrival.kind !== "datagram") return "unknown-probe";
    const { datagram, errorQueue } = arrival;
    // Only one probe is in flight: whatever the target sends, or any error
    // about a packet to it, is about that probe.
    if (datagram.from?.address !== this.#context.target) return "foreign";
    if (!this.#current) return "unknown-probe";
    if (errorQueue && !quotesExactly(datagram.data, this.#payload, this.#context.ipHeaderLength)) {
      return "quote-mismatch";
    }
    return { probe: this.#current };
  }

  release(probe: Probe): void {
    if (this.#current === probe) this.#current = null;
  }

  close(): void {
    this.#socket.close();
    this.#current = null;
  }
}

/** Bare IP packets of one protocol (`-P`). */
export const rawMethod: Method = {
  name: "raw",
  headerLength: 0,
  port: { meaning: "protocol", default: DEFAULT_RAW_PROTOCOL },
  paris: false,
  onePerTime: true,
  shares: false,
  privilege: "raw",
  replies: ["protocol-unreachable", "data"],
  keywords: [{
    name: "protocol",
    value: "PROT",
    help: `Use protocol %s (default is ${DEFAULT_RAW_PROTOCOL})`,
    abbrev: true,
    accepts: (v) => parseProtocol(v) !== null,
  }],
  open(context) {
    const keyword = context.keywords.get("protocol");
    const protocol = context.port ||
      (keyword === undefined ? DEFAULT_RAW_PROTOCOL : parseProtocol(keyword)!);
    return new RawSession(context, protocol);
  },
};
