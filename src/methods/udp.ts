/**
 * UDP probes through one connected datagram socket per probe, with errors
 * from IP_RECVERR / IPV6_RECVERR: no privilege needed. The kernel matches
 * each ICMP error to the socket of the probe it quotes.
 *
 * `default`: destination port 33434 + 1 per probe sent (Linux traceroute's
 * classic method). `udp` (`-U`): one constant port, 53 by default.
 * `udplite` (`-UL`): UDP-Lite (RFC 3828) to one constant port, 53 by
 * default, its checksum covering `-O coverage=N` bytes (8: the header).
 *
 * @module
 */
import type { Probe } from "../engine/probe.ts";
import { SystemError } from "../errors.ts";
import type { Readiness, Socket } from "../transport.ts";
import type { Method, MethodContext, MethodSession, RawReply } from "./method.ts";
import { datagramReply, probePayload, quotesExactly, readReady, targetEndpoint } from "./method.ts";
import { parseCUnsigned } from "../numbers.ts";

/** The UDP protocol number. */
const IPPROTO_UDP = 17;
/** The UDP-Lite protocol number. */
const IPPROTO_UDPLITE = 136;

/** Errors after which a send is retried later (Linux traceroute's do_send). */
const TRY_LATER = new Set(["ENOBUFS", "EAGAIN"]);
/** Errors a send shrugs off: the error queue says more (Linux traceroute's do_send). */
const REPORTED_LATER = new Set(["EMSGSIZE", "EHOSTUNREACH"]);

/**
 * Sends `data` on `socket`, following Linux traceroute's do_send: returns the
 * send time, or null when the kernel asks to try later.
 */
export function sendProbe(
  socket: Socket,
  data: Uint8Array,
  now: () => number,
  to?: { address: string; port: number },
): number | null {
  const before = now();
  try {
    return socket.send(data, to);
  } catch (e) {
    if (e instanceof SystemError) {
      if (TRY_LATER.has(e.code)) return null;
      if (REPORTED_LATER.has(e.code)) return before;
    }
    throw e;
  }
}

class UdpSession implements MethodSession {
  dataLength: number;
  readonly socketPerProbe = true;
  #context: MethodContext;
  #payload: Uint8Array;
  #nextPort: number;
  #perProbePort: boolean;
  #protocol: number;
  #coverage: number | null;
  #bySocket = new Map<Socket, { probe: Probe; port: number }>();
  #byProbe = new Map<Probe, Socket>();

  constructor(
    context: MethodContext,
    firstPort: number,
    perProbePort: boolean,
    protocol = IPPROTO_UDP,
    coverage: number | null = null,
  ) {
    this.#context = context;
    this.#protocol = protocol;
    this.#coverage = coverage;
    this.dataLength = context.dataLength;
    this.#payload = probePayload(context.dataLength);
    this.#nextPort = firstPort;
    this.#perProbePort = perProbePort;
    // Catch a missing interface or a foreign source address before the first
    // probe (Linux traceroute finds them only after printing its header).
    const check = context.transport.socket(context.family, "dgram", protocol);
    try {
      context.tune(check);
    } finally {
      check.close();
    }
  }

  sockets(): readonly Socket[] {
    return [...this.#bySocket.keys()];
  }

  resize(dataLength: number): void {
    this.dataLength = dataLength;
    this.#payload = probePayload(dataLength);
  }

  send(probe: Probe): boolean {
    const { transport, family } = this.#context;
    const port = this.#nextPort & 0xffff;
    const socket = transport.socket(family, "dgram", this.#protocol);
    try {
      this.#context.tune(socket);
      if (this.#coverage !== null) {
        socket.setInt("udpliteSendCoverage", this.#coverage);
        socket.setInt("udpliteRecvCoverage", MIN_COVERAGE);
      }
      socket.setInt("ttl", probe.ttl);
      socket.connect(targetEndpoint(this.#context, port));
      socket.setInt("recvErr", 1);
      const sentAt = sendProbe(socket, this.#payload, () => transport.now());
      if (sentAt === null) {
        socket.close();
        return false;
      }
      probe.sentAt = sentAt;
    } catch (e) {
      socket.close();
      throw e;
    }
    this.#bySocket.set(socket, { probe, port });
    this.#byProbe.set(probe, socket);
    if (this.#perProbePort) this.#nextPort++;
    return true;
  }

  receive(ready: Readiness): RawReply[] {
    const entry = this.#bySocket.get(ready.socket);
    if (!entry) return [];
    // Stop at the first reply that matches: the probe is then done and its
    // socket closed.
    const statistics = this.#context.statistics;
    for (const { datagram, errorQueue } of readReady(ready, 16, statistics)) {
      if (!datagram.from || datagram.from.port !== entry.port) {
        statistics.ignore("foreign");
        continue;
      }
      // The error queue returns the quoted datagram after its UDP header: our payload.
      if (
        errorQueue && !quotesExactly(datagram.data, this.#payload, this.#context.ipHeaderLength + 8)
      ) {
        statistics.ignore("quote-mismatch");
        continue;
      }
      return [datagramReply(entry.probe, datagram, errorQueue, datagram.from.address)];
    }
    return [];
  }

  release(probe: Probe): void {
    const socket = this.#byProbe.get(probe);
    if (!socket) return;
    socket.close();
    this.#byProbe.delete(probe);
    this.#bySocket.delete(socket);
  }

  close(): void {
    for (const socket of this.#bySocket.keys()) socket.close();
    this.#bySocket.clear();
    this.#byProbe.clear();
  }
}

/**
 * Flow-stable UDP (`paris`): every probe of a flow leaves through one socket,
 * so source port, destination port, addresses (and the IPv6 flow label the
 * kernel derives from them) are the same, and a router that balances load
 * per flow sends them all one way. Flows differ in their socket's source
 * port. Probes are told apart by a 16-bit identifier in the first two bytes
 * of their payload, which ICMP errors quote back (the error queue returns the
 * quoted datagram after its UDP header); a router that quotes no payload
 * leaves the probe unknown unless it is the only one in flight on its flow.
 */
class ParisUdpSession implements MethodSession {
  dataLength: number;
  readonly socketPerProbe = false;
  #context: MethodContext;
  #port: number;
  #template: Uint8Array;
  #flows = new Map<number, { socket: Socket; ttl: number }>();
  #byId = new Map<number, { probe: Probe; payload: Uint8Array; socket: Socket }>();
  #idOf = new Map<Probe, number>();
  #nextId = 1;

  constructor(context: MethodContext, port: number) {
    this.#context = context;
    this.#port = port;
    this.dataLength = Math.max(PARIS_ID, context.dataLength);
    this.#template = probePayload(this.dataLength);
    // As UdpSession: a missing interface or a foreign source fails now.
    this.#flow(context.options.flow);
  }

  #flow(flow: number): { socket: Socket; ttl: number } {
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

  send(probe: Probe): boolean {
    const flow = this.#flow(this.#context.options.flow + probe.flow);
    if (flow.ttl !== probe.ttl) {
      flow.socket.setInt("ttl", probe.ttl);
      flow.ttl = probe.ttl;
    }
    let id = this.#nextId;
    while (this.#byId.has(id)) id = id === 0xffff ? 1 : id + 1;
    const payload = this.#template.slice();
    payload[0] = id >> 8;
    payload[1] = id & 0xff;
    const sentAt = sendOnFlow(flow.socket, payload, () => this.#context.transport.now());
    if (sentAt === null) return false;
    probe.sentAt = sentAt;
    this.#nextId = id === 0xffff ? 1 : id + 1;
    this.#byId.set(id, { probe, payload, socket: flow.socket });
    this.#idOf.set(probe, id);
    return true;
  }

  /** The probes in flight on `socket`. */
  #outstanding(socket: Socket): Probe[] {
    return [...this.#byId.values()].filter((e) => e.socket === socket).map((e) => e.probe);
  }

  receive(ready: Readiness): RawReply[] {
    const replies: RawReply[] = [];
    const statistics = this.#context.statistics;
    for (const { datagram, errorQueue } of readReady(ready, 64, statistics)) {
      if (!datagram.from || datagram.from.port !== this.#port) {
        statistics.ignore("foreign");
        continue;
      }
      let probe: Probe | undefined;
      if (!errorQueue) {
        // A datagram from the destination's application: it answers the
        // nearest probe of this flow that is still waiting.
        probe = this.#outstanding(ready.socket).sort((a, b) => a.ttl - b.ttl)[0];
      } else if (datagram.data.length >= PARIS_ID) {
        const entry = this.#byId.get((datagram.data[0]! << 8) | datagram.data[1]!);
        if (entry && entry.socket === ready.socket) {
          if (!quotesExactly(datagram.data, entry.payload, this.#context.ipHeaderLength + 8)) {
            statistics.ignore("quote-mismatch");
            continue;
          }
          probe = entry.probe;
        }
      } else {
        // No payload quoted: only the one probe in flight can be meant.
        const waiting = this.#outstanding(ready.socket);
        if (waiting.length === 1) probe = waiting[0];
      }
      if (!probe) {
        statistics.ignore("unknown-probe");
        continue;
      }
      replies.push(datagramReply(probe, datagram, errorQueue, datagram.from.address));
    }
    return replies;
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

/**
 * Errors a send on a long-lived socket may return without sending: an ICMP
 * error for an earlier probe left the socket's pending error (sk_err) set,
 * and the next send reports and clears it (the error itself waits in the
 * error queue).
 */
const PENDING_ERRORS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EPROTO"]);

/**
 * Sends on a flow's socket as {@linkcode sendProbe} does, first trying again
 * (twice at most) when the send only reported an earlier probe's error.
 */
function sendOnFlow(socket: Socket, data: Uint8Array, now: () => number): number | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return socket.send(data);
    } catch (e) {
      if (!(e instanceof SystemError && PENDING_ERRORS.has(e.code))) throw e;
    }
  }
  return sendProbe(socket, data, now);
}

/** Bytes of payload a flow-stable UDP probe needs for its identifier. */
const PARIS_ID = 2;

/**
 * Linux traceroute's classic method: UDP to port 33434, + 1 per probe. With
 * `paris`, every probe goes to port 33434 (or `-p`) from one source port.
 */
export const defaultMethod: Method = {
  name: "default",
  headerLength: 8,
  onePerTime: false,
  keywords: [],
  open(context) {
    if (context.options.paris) return new ParisUdpSession(context, context.port || 33434);
    return new UdpSession(context, context.port || 33434, true);
  },
};

/** UDP-Lite's smallest coverage: the 8-byte header. */
const MIN_COVERAGE = 8;

/** UDP-Lite to one constant port (`-UL`), 53 by default. */
export const udpliteMethod: Method = {
  name: "udplite",
  headerLength: 8,
  onePerTime: false,
  keywords: [{
    name: "coverage",
    value: "NUM",
    // Linux traceroute prints its C macro here, unexpanded.
    help: "Set udplite send coverage to %s (default is (sizeof (struct udphdr)))",
    abbrev: true,
    accepts: (v) => parseCUnsigned(v) !== null,
  }],
  open(context) {
    const text = context.keywords.get("coverage");
    const coverage = text === undefined ? 0 : parseCUnsigned(text)!;
    return new UdpSession(
      context,
      context.port || 53,
      false,
      IPPROTO_UDPLITE,
      coverage || MIN_COVERAGE,
    );
  },
};

/** UDP to one constant port (`-U`), 53 by default. */
export const udpMethod: Method = {
  name: "udp",
  headerLength: 8,
  onePerTime: false,
  keywords: [],
  open(context) {
    if (context.options.paris) return new ParisUdpSession(context, context.port || 53);
    return new UdpSession(context, context.port || 53, false);
  },
};
