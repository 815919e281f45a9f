/**
 * Half-open probing, shared by `tcp` and `dccp`: a raw socket sends packets
 * built here; each probe's source port is reserved by a socket bound to it
 * and held until the probe is done, so no one else on this host uses it and
 * the kernel answers the destination's reply (SYN-ACK, DCCP-Response) with a
 * reset: the destination application never sees a connection.
 *
 * Replies are matched by what they carry: an ICMP error by the ports (and,
 * for TCP, the sequence number) in the quoted header; a reply from the
 * destination by its ports and what the protocol lets us check (TCP's
 * acknowledgment number).
 *
 * @module
 */
import { addressBytes } from "../packet/address.ts";
import type { Probe } from "../core/probe.ts";
import { SystemError } from "../core/errors.ts";
import type { MethodName } from "../core/model.ts";
import type { Socket, SocketKind } from "../core/transport.ts";
import type { Arrival, Match, MethodContext, MethodSession } from "../core/method.ts";
import { random32 } from "../packet/payload.ts";
import { quotesExactly } from "./quote.ts";
import { openRawSocket, rawPayload, sendProbe, targetEndpoint } from "./sockets.ts";
import type { IgnoreReason } from "../core/statistics.ts";
import { checksumValid, pseudoHeaderSum } from "../packet/checksum.ts";

/** A probe in flight: its port, sequence number and the socket holding the port. */
export interface HalfOpenEntry {
  /** The probe. */
  probe: Probe;
  /** Its source port. */
  port: number;
  /** Its sequence number. */
  sequence: number;
  /** The socket reserving the port, if one could be opened. */
  hold: Socket | null;
  /** The probe's bytes as sent (quotes are checked against them). */
  packet: Uint8Array;
}

/** What differs between the protocols. */
export interface HalfOpenProtocol {
  /** The method name (for privilege errors). */
  method: MethodName;
  /** IP protocol number. */
  protocol: number;
  /** Socket kind that reserves a port. */
  holdKind: SocketKind;
  /** Bytes of each probe (what the header calls the packet after the IP header). */
  length: number;
  /** Called once the raw socket is connected (TCP reads the path MTU for its MSS). */
  prepare?(raw: Socket): void;
  /** Builds the probe packet. */
  build(port: number, sequence: number, source: Uint8Array, destination: Uint8Array): Uint8Array;
  /** Ports and sequence of a quoted header (sequence null if it does not carry one). */
  quoted(
    bytes: Uint8Array,
  ): { sourcePort: number; destinationPort: number; sequence: number | null } | null;
  /**
   * Checks a packet from the destination against the probe it names; returns
   * its TCP flag names for `-O info` (or [] when not TCP), or null to ignore it.
   */
  reply(bytes: Uint8Array, entry: HalfOpenEntry): string[] | null;
  /** Ports of a packet from the destination (theirs first), or null. */
  replyPorts(bytes: Uint8Array): { sourcePort: number; destinationPort: number } | null;
  /** Where the checksum of a packet from the destination sits. */
  checksumOffset: number;
  /** How many leading bytes of a packet from the destination its checksum covers. */
  checksumCoverage(bytes: Uint8Array): number;
}

/**
 * Whether a packet the raw socket got from `from` to `to` has a good
 * transport checksum (the raw socket sees packets before the protocol checks
 * them). A packet the kernel sent to itself (over lo) may still carry the
 * pseudo-header sum it leaves for checksum offload (CHECKSUM_PARTIAL): that
 * counts too. The checksum guards against corruption and garbage, not
 * forgery: whoever can forge a reply can also compute its checksum.
 */
export function replyChecksumValid(
  bytes: Uint8Array,
  spec: Pick<HalfOpenProtocol, "protocol" | "checksumOffset" | "checksumCoverage">,
  from: Uint8Array,
  to: Uint8Array,
): boolean {
  if (bytes.length < spec.checksumOffset + 2) return false;
  const pseudo = pseudoHeaderSum(from, to, spec.protocol, bytes.length);
  const covered = Math.min(bytes.length, spec.checksumCoverage(bytes));
  if (checksumValid(bytes.subarray(0, covered), pseudo)) return true;
  const field = (bytes[spec.checksumOffset]! << 8) | bytes[spec.checksumOffset + 1]!;
  return field === pseudo;
}

/** Errors that mean the kernel cannot make the kind of socket that reserves a port. */
const NO_SUCH_SOCKET = new Set([
  "ESOCKTNOSUPPORT",
  "EPROTONOSUPPORT",
  "EAFNOSUPPORT",
  "EPROTOTYPE",
]);

/** A half-open session over one raw socket. */
export class HalfOpenSession implements MethodSession {
  readonly dataLength: number;
  /** A held socket per probe, except with `paris` (one per flow). */
  readonly socketPerProbe: boolean;
  readonly reading = { limit: 64, untilMatch: false };
  #context: MethodContext;
  #spec: HalfOpenProtocol;
  #raw: Socket;
  #destinationPort: number;
  #source: Uint8Array;
  #destination: Uint8Array;
  #lastTtl = 0;
  #byPort = new Map<number, HalfOpenEntry>();
  #byProbe = new Map<Probe, HalfOpenEntry>();
  /** Set when the kernel has no socket kind to reserve ports with (DCCP since Linux 6.16). */
  #pickPorts = false;
  /**
   * Flow-stable probing: each flow's source port, reserved for the whole
   * trace; probes are then told apart by their sequence numbers alone.
   */
  #flows: Map<number, { port: number; hold: Socket | null }> | null;
  #bySequence = new Map<number, HalfOpenEntry>();

  /**
   * Opens the raw socket, bound and connected to the target.
   *
   * @throws {PrivilegeError} without CAP_NET_RAW
   */
  constructor(context: MethodContext, spec: HalfOpenProtocol, destinationPort: number) {
    this.#context = context;
    this.#spec = spec;
    this.#destinationPort = destinationPort;
    this.#flows = context.paris ? new Map() : null;
    this.socketPerProbe = !context.paris;
    this.dataLength = spec.length;
    this.#raw = openRawSocket(context.transport, context.family, spec.protocol, spec.method);
    try {
      context.tune(this.#raw);
      this.#raw.connect(targetEndpoint(context, 0));
      this.#source = addressBytes(this.#raw.localEndpoint().address);
      this.#destination = addressBytes(context.target);
      this.#raw.setInt("recvErr", 1);
      spec.prepare?.(this.#raw);
    } catch (e) {
      this.#raw.close();
      throw e;
    }
  }

  sockets(): readonly Socket[] {
    return this.#raw.closed ? [] : [this.#raw];
  }

  /** A port reserved by a held socket, or (without such sockets) one unused by this trace. */
  #reservePort(): { port: number; hold: Socket | null } {
    const { transport, family, local } = this.#context;
    if (!this.#pickPorts) {
      let hold: Socket;
      try {
        hold = transport.socket(family, this.#spec.holdKind, 0);
      } catch (e) {
        if (!(e instanceof SystemError && NO_SUCH_SOCKET.has(e.code))) throw e;
        this.#pickPorts = true;
        return this.#reservePort();
      }
      try {
        if (this.#context.keywords.has("reuse")) hold.setInt("reuseAddr", 1);
        if (local.interface !== null) {
          hold.setBytes("bindToDevice", new TextEncoder().encode(local.interface + "\0"));
        }
        hold.bind({
          address: local.source ?? (family === 4 ? "0.0.0.0" : "::"),
          port: local.port,
        });
        return { port: hold.localEndpoint().port, hold };
      } catch (e) {
        hold.close();
        throw e;
      }
    }
    if (local.port) return { port: local.port, hold: null };
    for (;;) {
      const port = 32768 + (random32() % 28232);
      if (!this.#byPort.has(port)) return { port, hold: null };
    }
  }

  /** A flow's source port, reserved on first use. */
  #flowPort(flow: number): number {
    let entry = this.#flows!.get(flow);
    if (!entry) {
      entry = this.#reservePort();
      this.#flows!.set(flow, entry);
    }
    return entry.port;
  }

  send(probe: Probe): number | null {
    const { port, hold } = this.#flows
      ? { port: this.#flowPort((this.#context.paris?.flow ?? 0) + probe.flow), hold: null }
      : this.#reservePort();
    let sequence = random32();
    while (this.#bySequence.has(sequence)) sequence = random32();
    const packet = this.#spec.build(port, sequence, this.#source, this.#destination);
    let sentAt: number | null;
    try {
      if (probe.ttl !== this.#lastTtl) {
        this.#raw.setInt("ttl", probe.ttl);
        this.#lastTtl = probe.ttl;
      }
      sentAt = sendProbe(this.#raw, packet, () => this.#context.transport.now());
    } catch (e) {
      hold?.close();
      throw e;
    }
    if (sentAt === null) {
      hold?.close();
      return null;
    }
    const entry: HalfOpenEntry = { probe, port, sequence, hold, packet };
    if (this.#flows) this.#bySequence.set(sequence, entry);
    else this.#byPort.set(port, entry);
    this.#byProbe.set(probe, entry);
    return sentAt;
  }

  /** The probe an error quotes: by port, or with `paris` by sequence number. */
  #quoted(quote: { sourcePort: number; sequence: number | null }): HalfOpenEntry | undefined {
    if (!this.#flows) return this.#byPort.get(quote.sourcePort);
    const entry = quote.sequence === null ? undefined : this.#bySequence.get(quote.sequence);
    return entry?.port === quote.sourcePort ? entry : undefined;
  }

  #match(
    bytes: Uint8Array | null,
    errorQueue: boolean,
  ): { entry: HalfOpenEntry; flags: string[] } | IgnoreReason {
    if (!bytes) return "malformed";
    if (errorQueue) {
      const quote = this.#spec.quoted(bytes);
      if (!quote) return "malformed";
      if (quote.destinationPort !== this.#destinationPort) return "foreign";
      const entry = this.#quoted(quote);
      if (!entry) return "unknown-probe";
      // The quote (ports, sequence, and whatever more the router kept) must be the probe's.
      if (!quotesExactly(bytes, entry.packet, this.#context.ipHeaderLength)) {
        return "quote-mismatch";
      }
      return { entry, flags: [] };
    }
    const ports = this.#spec.replyPorts(bytes);
    if (!ports) return "malformed";
    if (ports.sourcePort !== this.#destinationPort) return "foreign";
    if (this.#flows) {
      // One port for the flow's probes: the reply's acknowledgment names one.
      const entries = [...this.#bySequence.values()].filter((e) =>
        e.port === ports.destinationPort
      );
      if (entries.length === 0) return "unknown-probe";
      if (!replyChecksumValid(bytes, this.#spec, this.#destination, this.#source)) {
        return "checksum";
      }
      for (const entry of entries) {
        const flags = this.#spec.reply(bytes, entry);
        if (flags) return { entry, flags };
      }
      return "foreign";
    }
    const entry = this.#byPort.get(ports.destinationPort);
    if (!entry) return "unknown-probe";
    if (!replyChecksumValid(bytes, this.#spec, this.#destination, this.#source)) return "checksum";
    const flags = this.#spec.reply(bytes, entry);
    return flags ? { entry, flags } : "foreign";
  }

  match(arrival: Arrival): Match | IgnoreReason {
    if (arrival.kind !== "datagram") return "unknown-probe";
    const { datagram, errorQueue } = arrival;
    const { family, target } = this.#context;
    // Errors name the original destination; replies come from it.
    if (datagram.from?.address !== target) return "foreign";
    const bytes = errorQueue ? datagram.data : rawPayload(datagram, family);
    const found = this.#match(bytes, errorQueue);
    if (typeof found === "string") return found;
    return errorQueue
      ? { probe: found.entry.probe }
      : { probe: found.entry.probe, tcpFlags: found.flags };
  }

  release(probe: Probe): void {
    const entry = this.#byProbe.get(probe);
    if (!entry) return;
    entry.hold?.close();
    this.#byProbe.delete(probe);
    if (this.#flows) this.#bySequence.delete(entry.sequence);
    else this.#byPort.delete(entry.port);
  }

  close(): void {
    for (const entry of this.#byProbe.values()) entry.hold?.close();
    for (const flow of this.#flows?.values() ?? []) flow.hold?.close();
    this.#flows?.clear();
    this.#byProbe.clear();
    this.#byPort.clear();
    this.#bySequence.clear();
    this.#raw.close();
  }
}
