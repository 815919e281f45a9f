/**
 * ICMP echo probes (`-I`): a raw socket when the process may open one, else
 * an ICMP datagram ("ping") socket, as Linux traceroute does. One socket for
 * all probes, connected to the target; probes are told apart by the echo
 * sequence number and this trace's identifier.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { Probe } from "../core/probe.ts";
import { decodeICMPv4, ICMP4, icmpv4ChecksumValid, writeICMPv4Echo } from "../packet/icmpv4.ts";
import {
  decodeICMPv6,
  ICMP6,
  icmpv6Checksum,
  IPPROTO_ICMPV6,
  writeICMPv6Echo,
} from "../packet/icmpv6.ts";
import { addressBytes } from "../packet/address.ts";
import type { IgnoreReason } from "../core/statistics.ts";
import type { Datagram, QueuedSend, Socket } from "../core/transport.ts";
import type { SystemError } from "../core/errors.ts";
import type { Arrival, Match, Method, MethodContext, MethodSession } from "../core/method.ts";
import { probePayload } from "../packet/payload.ts";
import { quotesExactly } from "./quote.ts";
import {
  openRawSocket,
  rawPayload,
  REPORTED_LATER,
  sendProbe,
  targetEndpoint,
  TRY_LATER,
} from "./sockets.ts";
import { compensationWord, finishChecksum, sumWords } from "../packet/checksum.ts";

const IPPROTO_ICMP = 1;
const ECHO_HEADER = 8;
/** Bytes after the echo header that keep a flow-stable probe's checksum constant. */
const PARIS_COMPENSATION = 2;
/** ICMP echo sequence numbers: 16 bits. */
const SEQUENCES = 65536;

/** Identifiers of raw-socket ICMP traces running in this process. */
const identsInUse = new Set<number>();

function protocolOf(family: Family): number {
  return family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
}

/**
 * Opens the socket as Linux traceroute does: the ICMP datagram socket and the
 * raw one are both tried (unless `-O raw` / `-O dgram` picks one), and raw
 * wins when both open.
 */
function openSocket(context: MethodContext): { socket: Socket; raw: boolean } {
  const { transport, family, keywords } = context;
  const rawOnly = keywords.has("raw");
  const dgramOnly = keywords.has("dgram");
  let dgram: Socket | null = null;
  if (!rawOnly) {
    try {
      dgram = transport.socket(family, "dgram", protocolOf(family));
    } catch (e) {
      if (dgramOnly) throw e;
    }
  }
  if (dgramOnly) return { socket: dgram!, raw: false };
  try {
    const raw = openRawSocket(transport, family, protocolOf(family), "icmp");
    dgram?.close();
    return { socket: raw, raw: true };
  } catch (e) {
    if (rawOnly || !dgram) throw e;
    return { socket: dgram, raw: false };
  }
}

/**
 * A raw ICMP socket gets a copy of every ICMP message that arrives, and with
 * IP_RECVERR an error about one of its probes comes twice: as data, which
 * matches nothing, and in the error queue, which is read. Shared by many
 * targets, where that doubles what is read, the socket takes only echo
 * replies as data (ICMP_FILTER, ICMP6_FILTER); errors still come through the
 * error queue. Where the kernel has no such filter, everything comes as before.
 */
function passOnlyEchoReplies(socket: Socket, family: Family): void {
  try {
    if (family === 4) {
      socket.setInt("icmpFilter", ~(1 << ICMP4.echoReply));
    } else {
      const filter = new Uint8Array(32).fill(0xff); // a bit per type, set: blocked
      filter[ICMP6.echoReply >> 3]! &= ~(1 << (ICMP6.echoReply & 7));
      socket.setBytes("icmp6Filter", filter);
    }
  } catch {
    // No filter here: the messages it would have kept out are read and set aside.
  }
}

class IcmpSession implements MethodSession {
  dataLength: number;
  readonly socketPerProbe = false;
  readonly reading: { limit: number; untilMatch: boolean };
  #context: MethodContext;
  #flow: number;
  #socket: Socket;
  #raw: boolean;
  #ident: number;
  #nextSequence: number;
  #lastTtl = 0;
  #packet: Uint8Array;
  #local: Uint8Array | null = null;
  /**
   * Probes in flight by sequence number (0 is never used), and beside them, by the same
   * number, each one's own bytes (flow-stable probing: they differ in the compensation word)
   * and its send queued on the transport's sending thread: arrays, not maps, so a probe costs
   * no table growing and shrinking (a shared socket's are made whole at once: thousands of
   * probes a second go through it).
   */
  #probeAt: Array<Probe | undefined>;
  #packetAt: Array<Uint8Array | undefined>;
  #queuedAt: Array<QueuedSend | undefined>;
  /** Probes in #probeAt. */
  #inFlight = 0;
  #sequenceOf = new Map<Probe, number>();
  /** Serving many targets: each probe names its own, and sequence numbers in use are skipped. */
  #shared: boolean;
  /** Flow-stable probing: each probe carries its own bytes. */
  #paris: boolean;
  /** A queued send's failure, by target: that trace's next send throws it. */
  #sendFailures = new Map<string, SystemError>();

  constructor(context: MethodContext) {
    this.#context = context;
    this.#flow = context.paris?.flow ?? 0;
    this.#paris = context.paris != null;
    const slots = context.shared ? SEQUENCES : 0;
    this.#probeAt = new Array(slots);
    this.#packetAt = new Array(slots);
    this.#queuedAt = new Array(slots);
    this.dataLength = Math.max(context.dataLength, this.#minimum);
    this.#packet = probePayload(this.dataLength, ECHO_HEADER);
    this.#nextSequence = context.port || icmpMethod.port.default;
    const { socket, raw } = openSocket(context);
    this.#socket = socket;
    this.#raw = raw;
    this.#shared = context.shared ?? false;
    // Shared by many targets, a wake-up may find hundreds of replies waiting.
    this.reading = { limit: this.#shared ? 1024 : 64, untilMatch: false };
    try {
      context.tune(socket);
      if (this.#shared) {
        // Room for the answers of thousands of probes: past net.core.rmem_max where the process
        // may (CAP_NET_ADMIN), else as much as it allows.
        try {
          socket.setInt("rcvBufForce", 4 << 20);
        } catch {
          try {
            socket.setInt("rcvBuf", 4 << 20);
          } catch {
            // A smaller buffer will do.
          }
        }
      }
      // Shared by many targets: unconnected, each probe sent to its own.
      if (!this.#shared) socket.connect(targetEndpoint(context, 0));
      if (this.#shared && raw) passOnlyEchoReplies(socket, context.family);
      socket.setInt("recvErr", 1);
      if (raw) {
        // Linux traceroute uses the pid; a second trace in this process needs its own.
        let ident = context.transport.pid() & 0xffff;
        while (identsInUse.has(ident)) ident = (ident + 1) & 0xffff;
        this.#ident = ident;
        identsInUse.add(ident);
      } else {
        this.#ident = socket.localEndpoint().port;
      }
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  sockets(): readonly Socket[] {
    return this.#socket.closed ? [] : [this.#socket];
  }

  /** The echo header, and with `paris` the compensation word after it. */
  get #minimum(): number {
    return ECHO_HEADER + (this.#paris ? PARIS_COMPENSATION : 0);
  }

  resize(dataLength: number): void {
    this.dataLength = Math.max(dataLength, this.#minimum);
    this.#packet = probePayload(this.dataLength, ECHO_HEADER);
  }

  send(probe: Probe): number | null {
    const { family, transport } = this.#context;
    const failed = probe.target === null ? undefined : this.#sendFailures.get(probe.target);
    if (failed) {
      this.#sendFailures.delete(probe.target!);
      throw failed;
    }
    const later = this.#shared ? this.#socket.sendLater : undefined;
    if (!later && probe.ttl !== this.#lastTtl) {
      this.#socket.setInt("ttl", probe.ttl);
      this.#lastTtl = probe.ttl;
    }
    if (!this.#raw && !later) {
      // Each ICMP error also leaves a pending error on a ping socket, and the
      // next send would return it instead of sending (Linux traceroute then
      // counts the probe as sent and shows "*"). Collect it first. (The
      // sending thread of sendLater tries again after such errors itself.)
      this.#socket.takeError();
    }
    let sequence = this.#nextSequence & 0xffff;
    if (this.#shared) {
      // Many targets' probes in flight at once: never reuse a sequence in use, nor 0.
      while (sequence === 0 || this.#probeAt[sequence]) sequence = (sequence + 1) & 0xffff;
      this.#nextSequence = sequence;
    }
    const packet = this.#paris ? this.#parisPacket(probe, sequence) : this.#packet;
    if (!this.#paris) {
      if (family === 4) writeICMPv4Echo(packet, ICMP4.echo, this.#ident, sequence);
      else writeICMPv6Echo(packet, ICMP6.echoRequest, this.#ident, sequence);
    }
    const to = this.#shared ? { address: probe.target ?? "", port: 0 } : undefined;
    let sentAt: number | null;
    let queued: QueuedSend | undefined;
    if (later) {
      // Many targets: the send runs on the transport's sending thread; its time is asked for
      // when the answer comes.
      queued = later.call(this.#socket, packet, to!, probe.ttl);
      sentAt = queued.queuedAt;
    } else {
      sentAt = sendProbe(this.#socket, packet, () => transport.now(), to);
    }
    if (sentAt === null) return null;
    // Sequence 0 never matches, as in Linux traceroute (its table has no seq 0); a shared
    // socket, the only one that queues, never sends it.
    if (sequence !== 0) {
      if (!this.#probeAt[sequence]) this.#inFlight++;
      this.#probeAt[sequence] = probe;
      if (this.#paris) this.#packetAt[sequence] = packet;
      this.#queuedAt[sequence] = queued;
      this.#sequenceOf.set(probe, sequence);
    }
    this.#nextSequence++;
    return sentAt;
  }

  /**
   * A flow-stable echo request: the word after the header compensates for
   * the sequence number, so every probe of the flow has the same checksum
   * (routers that balance ICMP per flow hash its first four bytes). With a
   * datagram socket the kernel puts its own identifier in, and computes the
   * checksum: a constant identifier keeps it constant too. Flows differ in
   * the checksum.
   */
  #parisPacket(probe: Probe, sequence: number): Uint8Array {
    const packet = this.#packet.slice();
    const family = this.#context.family;
    const type = family === 4 ? ICMP4.echo : ICMP6.echoRequest;
    packet[ECHO_HEADER] = 0;
    packet[ECHO_HEADER + 1] = 0;
    if (family === 4) writeICMPv4Echo(packet, type, this.#ident, sequence);
    else writeICMPv6Echo(packet, type, this.#ident, sequence);
    packet[2] = 0;
    packet[3] = 0;
    const flow = this.#flow + probe.flow;
    const target = 0x4000 + (flow % 0xbfff);
    const word = compensationWord(sumWords(packet), target);
    packet[ECHO_HEADER] = word >> 8;
    packet[ECHO_HEADER + 1] = word & 0xff;
    if (family === 4) {
      const checksum = finishChecksum(sumWords(packet));
      packet[2] = checksum >> 8;
      packet[3] = checksum & 0xff;
    }
    return packet;
  }

  /** The echo header inside a message: a quoted request, or a received reply. */
  #echoOf(datagram: Datagram, errorQueue: boolean): Uint8Array | null {
    const bytes = !errorQueue && this.#raw
      ? rawPayload(datagram, this.#context.family)
      : datagram.data;
    return bytes && bytes.length >= ECHO_HEADER ? bytes : null;
  }

  match(arrival: Arrival): Match | IgnoreReason {
    if (arrival.kind !== "datagram") return "unknown-probe";
    const { datagram, errorQueue } = arrival;
    const bytes = this.#echoOf(datagram, errorQueue);
    if (!bytes) {
      // A local error (EMSGSIZE with -F / --mtu) quotes nothing: it is about
      // the probe in flight, when there is exactly one.
      if (errorQueue && datagram.error?.origin === "local" && this.#inFlight === 1) {
        const [probe] = this.#sequenceOf.keys();
        return { probe: probe! };
      }
      return "malformed";
    }
    const family = this.#context.family;
    const message = family === 4 ? decodeICMPv4(bytes) : decodeICMPv6(bytes);
    if (!message) return "malformed";
    const echoReply = family === 4 ? ICMP4.echoReply : ICMP6.echoReply;
    const echoRequest = family === 4 ? ICMP4.echo : ICMP6.echoRequest;
    // Normal data must be an echo reply; the error queue quotes our request.
    if (message.type !== (errorQueue ? echoRequest : echoReply) || message.code !== 0) {
      return "not-a-reply";
    }
    if (message.ident !== this.#ident) return "foreign";
    const probe = this.#probeAt[message.sequence];
    if (!probe) return "unknown-probe";
    // Shared: the reply's peer (its sender, or the error's original destination) must be the
    // probe's target; a connected socket sees no other.
    if (this.#shared && datagram.from?.address !== probe.target) return "foreign";
    if (errorQueue) {
      // The payload quoted must be the probe's (its header is checked above).
      const sent = this.#packetAt[message.sequence] ?? this.#packet;
      if (!quotesExactly(bytes, sent, this.#context.ipHeaderLength, ECHO_HEADER)) {
        return "quote-mismatch";
      }
    } else if (this.#raw && !this.#checksumValid(bytes, datagram)) {
      // A raw socket may see replies before the kernel checks them.
      return "checksum";
    }
    const sentAt = this.#queuedAt[message.sequence]?.sentAt();
    return sentAt == null ? { probe } : { probe, sentAt };
  }

  #checksumValid(bytes: Uint8Array, datagram: Datagram): boolean {
    if (this.#context.family === 4) return icmpv4ChecksumValid(bytes);
    if (!datagram.from) return false;
    // Unconnected, the address a reply came to is not known here; the kernel checks ICMPv6
    // checksums of raw sockets itself.
    if (this.#shared) return true;
    this.#local ??= addressBytes(this.#socket.localEndpoint().address);
    return icmpv6Checksum(bytes, addressBytes(datagram.from.address), this.#local) === 0;
  }

  release(probe: Probe): void {
    const sequence = this.#sequenceOf.get(probe);
    if (sequence === undefined) return;
    this.#sequenceOf.delete(probe);
    // A sequence taken again after wrapping round (one socket, 65,536 probes later) is the
    // later probe's now.
    if (this.#probeAt[sequence] !== probe) return;
    const queued = this.#queuedAt[sequence];
    this.#probeAt[sequence] = undefined;
    this.#packetAt[sequence] = undefined;
    this.#queuedAt[sequence] = undefined;
    this.#inFlight--;
    if (queued) {
      // A send that failed for a reason no reply will tell ends its trace's next send, as a
      // failure at once would have (one the kernel asks to retry is a lost probe).
      const error = queued.error();
      if (
        error && probe.target !== null && !TRY_LATER.has(error.code) &&
        !REPORTED_LATER.has(error.code)
      ) {
        this.#sendFailures.set(probe.target, error);
      }
    }
  }

  close(): void {
    if (this.#raw) identsInUse.delete(this.#ident);
    this.#socket.close();
    this.#probeAt.fill(undefined);
    this.#packetAt.fill(undefined);
    this.#queuedAt.fill(undefined);
    this.#inFlight = 0;
    this.#sequenceOf.clear();
  }
}

/** ICMP echo probes (`-I`, `-M icmp`). */
export const icmpMethod: Method = {
  name: "icmp",
  headerLength: 0,
  port: { meaning: "first sequence", default: 1 },
  paris: true,
  onePerTime: false,
  shares: true,
  privilege: "raw-or-ping",
  replies: ["echo-reply"],
  keywords: [
    {
      name: "raw",
      help: "Use raw sockets way only. Default is try this way first (probably not allowed " +
        "for unprivileged users), then try dgram",
      exclusive: true,
    },
    {
      name: "dgram",
      help: "Use dgram sockets way only. May be not implemented by old kernels or restricted " +
        "by sysadmins",
      exclusive: true,
    },
  ],
  open(context) {
    return new IcmpSession(context);
  },
};
