/**
 * UDP probes through one connected datagram socket per probe, with errors
 * from IP_RECVERR / IPV6_RECVERR: no privilege needed. The kernel matches
 * each ICMP error to the socket of the probe it quotes.
 *
 * `default`: destination port 33434 + 1 per probe sent (Linux traceroute's
 * classic method). `udp` (`-U`): one constant port, 53 by default.
 * `udplite` (`-UL`): UDP-Lite (RFC 3828) to one constant port, 53 by
 * default, its checksum covering `-O coverage=N` bytes (8: the header).
 * With `paris`, default and udp probes keep one flow (see paris_udp.ts).
 *
 * @module
 */
import type { Probe } from "../core/probe.ts";
import type { IgnoreReason } from "../core/statistics.ts";
import { parseCUnsigned } from "../core/c_numbers.ts";
import type { Socket } from "../core/transport.ts";
import type { Arrival, Match, Method, MethodContext, MethodSession } from "../core/method.ts";
import { ParisUdpSession } from "./paris_udp.ts";
import { probePayload } from "../packet/payload.ts";
import { quotesExactly } from "./quote.ts";
import { sendProbe, targetEndpoint } from "./sockets.ts";
import { ProbeSockets } from "./sockets.ts";

/** The UDP protocol number. */
export const IPPROTO_UDP = 17;
/** The UDP-Lite protocol number. */
const IPPROTO_UDPLITE = 136;
/** UDP-Lite's smallest coverage: the 8-byte header. */
const MIN_COVERAGE = 8;

/** A probe's socket and the port it was sent to. */
interface Entry {
  probe: Probe;
  port: number;
}

/** One connected datagram socket per probe. */
export class UdpSession implements MethodSession {
  dataLength: number;
  readonly socketPerProbe = true;
  readonly reading = { limit: 16, untilMatch: true };
  #context: MethodContext;
  #payload: Uint8Array;
  #nextPort: number;
  #perProbePort: boolean;
  #protocol: number;
  #coverage: number | null;
  #sockets = new ProbeSockets<Entry>();

  /**
   * Checks that the common socket settings take (a missing interface or a
   * foreign source address fails now, before the first probe: Linux
   * traceroute finds them only after printing its header).
   */
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
    const check = context.transport.socket(context.family, "dgram", protocol);
    try {
      context.tune(check);
    } finally {
      check.close();
    }
  }

  sockets(): readonly Socket[] {
    return this.#sockets.sockets();
  }

  resize(dataLength: number): void {
    this.dataLength = dataLength;
    this.#payload = probePayload(dataLength);
  }

  send(probe: Probe): number | null {
    const { transport, family } = this.#context;
    const port = this.#nextPort & 0xffff;
    const socket = transport.socket(family, "dgram", this.#protocol);
    let sentAt: number | null;
    try {
      this.#context.tune(socket);
      if (this.#coverage !== null) {
        socket.setInt("udpliteSendCoverage", this.#coverage);
        socket.setInt("udpliteRecvCoverage", MIN_COVERAGE);
      }
      socket.setInt("ttl", probe.ttl);
      socket.connect(targetEndpoint(this.#context, port));
      socket.setInt("recvErr", 1);
      sentAt = sendProbe(socket, this.#payload, () => transport.now());
    } catch (e) {
      socket.close();
      throw e;
    }
    if (sentAt === null) {
      socket.close();
      return null;
    }
    this.#sockets.add(probe, socket, { probe, port });
    if (this.#perProbePort) this.#nextPort++;
    return sentAt;
  }

  match(arrival: Arrival): Match | IgnoreReason {
    const entry = this.#sockets.get(arrival.socket);
    if (!entry || arrival.kind !== "datagram") return "unknown-probe";
    const { datagram, errorQueue } = arrival;
    if (!datagram.from || datagram.from.port !== entry.port) return "foreign";
    // The error queue returns the quoted datagram after its UDP header: our payload.
    if (
      errorQueue && !quotesExactly(datagram.data, this.#payload, this.#context.ipHeaderLength + 8)
    ) {
      return "quote-mismatch";
    }
    return { probe: entry.probe };
  }

  release(probe: Probe): void {
    this.#sockets.release(probe);
  }

  close(): void {
    this.#sockets.close();
  }
}

/**
 * A plain UDP method (default or udp): one socket per probe, its port + 1 per
 * probe when `perProbePort`, or with `paris` one flow (see paris_udp.ts).
 */
function plainUdpMethod(
  name: "default" | "udp",
  port: Method["port"],
  perProbePort: boolean,
): Method {
  return {
    name,
    headerLength: 8,
    port,
    paris: true,
    onePerTime: false,
    shares: false,
    privilege: "none",
    replies: ["port-unreachable", "data"],
    keywords: [],
    open(context) {
      const first = context.port || port.default;
      if (context.paris) return new ParisUdpSession(context, first);
      return new UdpSession(context, first, perProbePort);
    },
  };
}

/**
 * Linux traceroute's classic method: UDP to port 33434, + 1 per probe. With
 * `paris`, every probe goes to port 33434 (or `-p`) from one source port.
 */
export const defaultMethod: Method = plainUdpMethod(
  "default",
  { meaning: "first port", default: 33434 },
  true,
);

/** UDP-Lite to one constant port (`-UL`), 53 by default. */
export const udpliteMethod: Method = {
  name: "udplite",
  headerLength: 8,
  port: { meaning: "port", default: 53 },
  paris: false,
  onePerTime: false,
  shares: false,
  privilege: "none",
  replies: ["port-unreachable", "data"],
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
      context.port || this.port.default,
      false,
      IPPROTO_UDPLITE,
      coverage || MIN_COVERAGE,
    );
  },
};

/** UDP to one constant port (`-U`), 53 by default. */
export const udpMethod: Method = plainUdpMethod("udp", { meaning: "port", default: 53 }, false);
