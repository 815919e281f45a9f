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
import type { Probe } from "../engine/probe.ts";
import { SystemError } from "../errors.ts";
import type { Readiness, Socket } from "../transport.ts";
import type { Method, MethodContext, MethodSession, RawReply } from "./method.ts";
import { readReady, targetEndpoint } from "./method.ts";

interface Connection {
  probe: Probe;
  socket: Socket;
}

class TcpConnSession implements MethodSession {
  readonly dataLength: number;
  readonly socketPerProbe = true;
  #context: MethodContext;
  #port: number;
  #bySocket = new Map<Socket, Connection>();
  #byProbe = new Map<Probe, Connection>();

  constructor(context: MethodContext) {
    this.#context = context;
    this.#port = context.port || 80;
    // The size Linux traceroute's header shows (the SYN itself is the kernel's).
    this.dataLength = context.dataLength;
  }

  sockets(): readonly Socket[] {
    return [...this.#bySocket.keys()];
  }

  send(probe: Probe): boolean {
    const { transport, family } = this.#context;
    const socket = transport.socket(family, "stream", 0);
    try {
      this.#context.tune(socket);
      socket.setInt("ttl", probe.ttl);
      socket.setInt("recvErr", 1);
      socket.watchWritable = true;
      probe.sentAt = transport.now();
      try {
        socket.connect(targetEndpoint(this.#context, this.#port));
      } catch (e) {
        if (!(e instanceof SystemError && e.code === "EINPROGRESS")) throw e;
      }
    } catch (e) {
      socket.close();
      throw e;
    }
    const connection = { probe, socket };
    this.#bySocket.set(socket, connection);
    this.#byProbe.set(probe, connection);
    return true;
  }

  receive(ready: Readiness): RawReply[] {
    const connection = this.#bySocket.get(ready.socket);
    if (!connection) return [];
    const { probe, socket } = connection;
    // An ICMP error about the SYN: the kernel queued it with the offender.
    const statistics = this.#context.statistics;
    for (
      const { datagram, errorQueue } of readReady({ ...ready, readable: false }, 8, statistics)
    ) {
      if (!errorQueue || !datagram.error || datagram.from?.port !== this.#port) {
        statistics.ignore("foreign");
        continue;
      }
      return [{
        probe,
        receivedAt: datagram.receivedAt,
        from: null,
        replyTtl: datagram.ttl,
        error: datagram.error,
        final: false,
        payload: datagram.data,
      }];
    }
    if (!ready.error && !ready.writable) return [];
    const pending = socket.takeError();
    const reached = { probe, from: this.#context.target, replyTtl: null, error: null, final: true };
    if (pending === "ECONNREFUSED") {
      // Refused: the destination reset the SYN.
      return [{ ...reached, receivedAt: this.#context.transport.now(), tcpFlags: ["rst"] }];
    }
    if (pending === null && ready.writable) {
      // Connected: the kernel measured the handshake's round trip.
      let rtt = 0;
      try {
        rtt = socket.tcpRtt();
      } catch {
        // No TCP_INFO: fall back to the time the connection was seen.
      }
      const receivedAt = rtt > 0 && probe.sentAt !== null
        ? probe.sentAt + rtt
        : this.#context.transport.now();
      // Connected: the destination answered SYN-ACK.
      return [{ ...reached, receivedAt, tcpFlags: ["syn", "ack"] }];
    }
    return [];
  }

  release(probe: Probe): void {
    const connection = this.#byProbe.get(probe);
    if (!connection) return;
    connection.socket.close();
    this.#byProbe.delete(probe);
    this.#bySocket.delete(connection.socket);
  }

  close(): void {
    for (const socket of this.#bySocket.keys()) socket.close();
    this.#bySocket.clear();
    this.#byProbe.clear();
  }
}

/** TCP probes by full connect() (`-M tcpconn`); no privilege needed. */
export const tcpconnMethod: Method = {
  name: "tcpconn",
  headerLength: 0,
  onePerTime: false,
  keywords: [],
  open(context) {
    return new TcpConnSession(context);
  },
};
