/**
 * TCP probes by full connect() (`-M tcpconn`): Linux traceroute's tcpconn
 * module. Each probe is a non-blocking connect() with the TTL set; reaching
 * the destination completes it (port open: the application sees a connection
 * that is closed at once) or is refused (RST: port closed).
 *
 * Linux traceroute reads the ICMP errors on a raw ICMP socket, so its
 * tcpconn needs CAP_NET_RAW. hopwise sets IP_RECVERR on the connecting
 * socket instead: the kernel queues the ICMP error of a connection in
 * SYN-SENT there, after checking the sequence number it quotes. No privilege
 * is needed.
 *
 * @module
 */
import type { Probe } from "../core/probe.ts";
import type { IgnoreReason } from "../core/statistics.ts";
import { SystemError } from "../core/errors.ts";
import type { Socket } from "../core/transport.ts";
import type { Arrival, Match, Method, MethodContext, MethodSession } from "../core/method.ts";
import { targetEndpoint } from "./sockets.ts";
import { ProbeSockets } from "./sockets.ts";

class TcpConnSession implements MethodSession {
  readonly dataLength: number;
  readonly socketPerProbe = true;
  readonly reading = { limit: 8, untilMatch: true };
  #context: MethodContext;
  #port: number;
  #sockets = new ProbeSockets<Probe>();

  constructor(context: MethodContext) {
    this.#context = context;
    this.#port = context.port || tcpconnMethod.port.default;
    // The size Linux traceroute's header shows (the SYN itself is the kernel's).
    this.dataLength = context.dataLength;
  }

  sockets(): readonly Socket[] {
    return this.#sockets.sockets();
  }

  send(probe: Probe): number | null {
    const { transport, family } = this.#context;
    const socket = transport.socket(family, "stream", 0);
    let sentAt: number;
    try {
      this.#context.tune(socket);
      socket.setInt("ttl", probe.ttl);
      socket.setInt("recvErr", 1);
      socket.watchWritable = true;
      sentAt = transport.now();
      try {
        socket.connect(targetEndpoint(this.#context, this.#port));
      } catch (e) {
        if (!(e instanceof SystemError && e.code === "EINPROGRESS")) throw e;
      }
    } catch (e) {
      socket.close();
      throw e;
    }
    this.#sockets.add(probe, socket, probe);
    return sentAt;
  }

  match(arrival: Arrival): Match | IgnoreReason {
    const probe = this.#sockets.get(arrival.socket);
    if (!probe) return "unknown-probe";
    if (arrival.kind === "connection") {
      if (arrival.outcome === "refused") {
        // Refused: the destination reset the SYN.
        return { probe, receivedAt: arrival.seenAt, tcpFlags: ["rst"] };
      }
      // Connected: the destination answered SYN-ACK; the kernel measured
      // the handshake's round trip (else the time it was seen stands in).
      const receivedAt = arrival.handshakeRtt !== null && probe.sentAt !== null
        ? probe.sentAt + arrival.handshakeRtt
        : arrival.seenAt;
      return { probe, receivedAt, tcpFlags: ["syn", "ack"] };
    }
    // An ICMP error about the SYN: the kernel queued it with the offender.
    const { datagram, errorQueue } = arrival;
    if (!errorQueue || !datagram.error || datagram.from?.port !== this.#port) return "foreign";
    return { probe };
  }

  release(probe: Probe): void {
    this.#sockets.release(probe);
  }

  close(): void {
    this.#sockets.close();
  }
}

/** TCP probes by full connect() (`-M tcpconn`); no privilege needed. */
export const tcpconnMethod: Method = {
  name: "tcpconn",
  headerLength: 0,
  port: { meaning: "port", default: 80 },
  paris: false,
  onePerTime: false,
  shares: false,
  privilege: "none",
  replies: ["syn-ack", "rst"],
  keywords: [],
  open(context) {
    return new TcpConnSession(context);
  },
};
