/**
 * Flow-stable UDP (`paris`, for the default and udp methods): every probe of
 * a flow leaves through one socket, so source port, destination port,
 * addresses (and the IPv6 flow label the kernel derives from them) are the
 * same, and a router that balances load per flow sends them all one way.
 * Flows differ in their socket's source port. Probes are told apart by a
 * 16-bit identifier in the first two bytes of their payload, which ICMP
 * errors quote back (the error queue returns the quoted datagram after its
 * UDP header); a router that quotes no payload leaves the probe unknown
 * unless it is the only one in flight on its flow.
 *
 * @module
 */
import type { Probe } from "../core/probe.ts";
import type { IgnoreReason } from "../core/statistics.ts";
import type { Socket } from "../core/transport.ts";
import type { Arrival, Match, MethodContext, MethodSession } from "../core/method.ts";
import { probePayload } from "../packet/payload.ts";
import { quotesExactly } from "./quote.ts";
import { sendOnLongLived, targetEndpoint } from "./sockets.ts";

/** Bytes of payload a flow-stable UDP probe needs for its identifier. */
const PARIS_ID = 2;
/** The UDP protocol number. */
const IPPROTO_UDP = 17;

/** A probe in flight: its bytes and its flow's socket. */
interface Entry {
  probe: Probe;
  payload: Uint8Array;
  socket: Socket;
}

/** One socket per flow; probes told apart by a payload identifier. */
export class ParisUdpSession implements MethodSession {
  dataLength: number;
  readonly socketPerProbe = false;
  readonly reading = { limit: 64, untilMatch: false };
  #context: MethodContext;
  #flow: number;
  #port: number;
  #template: Uint8Array;
  #flows = new Map<number, { socket: Socket; ttl: number }>();
  #byId = new Map<number, Entry>();
  #idOf = new Map<Probe, number>();
  #nextId = 1;

  /** Opens the trace's own flow now, so a missing interface or a foreign source fails at once. */
  constructor(context: MethodContext, port: number) {
    this.#context = context;
    this.#flow = context.paris?.flow ?? 0;
    this.#port = port;
    this.dataLength = Math.max(PARIS_ID, context.dataLength);
    this.#template = probePayload(this.dataLength);
    this.#flowSocket(this.#flow);
  }

  #flowSocket(flow: number): { socket: Socket; ttl: number } {
    let entry = this.#flows.get(flow);
    if (entry) return entry;
    const socket = this.#context.transport.socket(this.#context.family, "dgram", IPPROTO_UDP);
    try {
      this.#context.tune(socket);
      socket.connect(targetEndpoint(this.#context, this.#port));
      socket.setInt("recvErr", 1);
    } catch (e) {
      socket.close();
      throw e;
    }
    entry = { socket, ttl: 0 };
    this.#flows.set(flow, entry);
    return entry;
  }

  sockets(): readonly Socket[] {
    return [...this.#flows.values()].map((f) => f.socket);
  }

  resize(dataLength: number): void {
    this.dataLength = Math.max(PARIS_ID, dataLength);
    this.#template = probePayload(this.dataLength);
  }

  send(probe: Probe): number | null {
    const flow = this.#flowSocket(this.#flow + probe.flow);
    if (flow.ttl !== probe.ttl) {
      flow.socket.setInt("ttl", probe.ttl);
      flow.ttl = probe.ttl;
    }
    let id = this.#nextId;
    while (this.#byId.has(id)) id = id === 0xffff ? 1 : id + 1;
    const payload = this.#template.slice();
    payload[0] = id >> 8;
    payload[1] = id & 0xff;
    const sentAt = sendOnLongLived(flow.socket, payload, () => this.#context.transport.now());
    if (sentAt === null) return null;
    this.#nextId = id === 0xffff ? 1 : id + 1;
    this.#byId.set(id, { probe, payload, socket: flow.socket });
    this.#idOf.set(probe, id);
    return sentAt;
  }

  /** The probes in flight on `socket`. */
  #outstanding(socket: Socket): Probe[] {
    return [...this.#byId.values()].filter((e) => e.socket === socket).map((e) => e.probe);
  }

  match(arrival: Arrival): Match | IgnoreReason {
    if (arrival.kind !== "datagram") return "unknown-probe";
    const { datagram, errorQueue, socket } = arrival;
    if (!datagram.from || datagram.from.port !== this.#port) return "foreign";
    let probe: Probe | undefined;
    if (!errorQueue) {
      // A datagram from the destination's application: it answers the
      // nearest probe of this flow that is still waiting.
      probe = this.#outstanding(socket).sort((a, b) => a.ttl - b.ttl)[0];
    } else if (datagram.data.length >= PARIS_ID) {
      const entry = this.#byId.get((datagram.data[0]! << 8) | datagram.data[1]!);
      if (entry && entry.socket === socket) {
        if (!quotesExactly(datagram.data, entry.payload, this.#context.ipHeaderLength + 8)) {
          return "quote-mismatch";
        }
        probe = entry.probe;
      }
    } else {
      // No payload quoted: only the one probe in flight can be meant.
      const waiting = this.#outstanding(socket);
      if (waiting.length === 1) probe = waiting[0];
    }
    return probe ? { probe } : "unknown-probe";
  }

  release(probe: Probe): void {
    const id = this.#idOf.get(probe);
    if (id === undefined) return;
    this.#idOf.delete(probe);
    this.#byId.delete(id);
  }

  close(): void {
    for (const { socket } of this.#flows.values()) socket.close();
    this.#flows.clear();
    this.#byId.clear();
    this.#idOf.clear();
  }
}
