/**
 * The data model: what a trace finds, and the events that report it.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { IcmpExtensionObject } from "../packet/icmp_extension.ts";
import type { IgnoreReason, TraceStatistics } from "./statistics.ts";
import type { AddressIdentity } from "./identity.ts";

export type { IgnoreReason, TraceStatistics };

/** The probe methods, as Linux traceroute names them (`-M name`). */
export type MethodName =
  | "default"
  | "icmp"
  | "udp"
  | "tcp"
  | "tcpconn"
  | "udplite"
  | "dccp"
  | "raw";

/** What is being traced. */
export interface Target {
  /** The host as given (name or address literal). */
  host: string;
  /** The address traced. */
  address: string;
  /** Its IP version. */
  family: Family;
}

/** The ICMP message behind a reply. */
export interface IcmpInfo {
  /** ICMP (or ICMPv6) type. */
  type: number;
  /** ICMP code. */
  code: number;
}

/** The outcome of one probe, in print order. */
export interface ProbeResult {
  /** The TTL (hop number) it was sent with. */
  ttl: number;
  /** Its place within the hop, from 0. */
  index: number;
  /** Who answered, or null for no answer (`*`). */
  address: string | null;
  /**
   * The responder's name from reverse DNS: a string, null when it has none,
   * and absent when names are not looked up.
   */
  name?: string | null;
  /** Round-trip time in milliseconds (kernel timestamps), or null. */
  rtt: number | null;
  /**
   * Linux traceroute's annotation: `""`, `"!H"`, `"!N"`, `"!P"`, `"!S"`,
   * `"!X"`, `"!V"`, `"!C"`, `"!F-<mtu>"`, `"!<code>"`, `"!<type-code>"`.
   */
  annotation: string;
  /** The reply ends the trace (destination reached, or an unreachable). */
  final: boolean;
  /** The ICMP message that answered, when it was one. */
  icmp: IcmpInfo | null;
  /** The TTL left in the reply when it arrived, when known. */
  replyTtl: number | null;
  /**
   * This reply was moved here from a later probe by Linux traceroute's "smart
   * algorithm" (a final unreachable that belongs to this expired slot).
   */
  moved: boolean;
  /**
   * This probe was sent a second time, about a second after its hop went
   * unanswered, in case rate limiting had swallowed the replies (adaptive
   * timing); its RTT is the second probe's.
   */
  reprobed: boolean;
  /**
   * The flags of a TCP reply from the destination (SYN-ACK: `["syn", "ack"]`),
   * in Linux traceroute's order; null for other replies.
   */
  tcpFlags: string[] | null;
  /** ICMP extension objects of the reply (RFC 4884; looked for with `-e`), or null. */
  extensions: IcmpExtensionObject[] | null;
  /**
   * The origin AS(es) of the responder's most specific route object
   * (`AS64501`, `AS64501/AS64502`), `*` when none, `!!` when the whois
   * server could not be asked; absent when AS lookups are off.
   */
  asPath?: string;
  /**
   * Who the responder is and where (`--as-source`, `--geoip`), as far as the
   * lookups know; absent when those lookups are off or learnt nothing.
   */
  identity?: AddressIdentity;
}

/** One hop: every probe sent with its TTL. */
export interface Hop {
  /** The TTL. */
  ttl: number;
  /** Its probes, in order. */
  probes: ProbeResult[];
}

/**
 * Why a trace ended: a final reply with no annotation (`reached`), a final
 * unreachable (`unreachable`), the last TTL done (`max-hops`), or cancelled.
 */
export type StopReason = "reached" | "unreachable" | "max-hops" | "aborted";

/** The settings that shape a trace's results (beyond what the header shows). */
export interface TraceSettings {
  /** How probes were paced: hopwise's `adaptive` timing or Linux traceroute's (`classic`). */
  timing: "adaptive" | "classic";
  /** Probes in flight at once. */
  simultaneous: number;
  /** Adaptive wait: MAX in ms, HERE and NEAR factors, and the least wait they give in ms. */
  wait: { max: number; here: number; near: number; min: number };
  /** Least time between sends, ms. */
  sendWait: number;
  /** Destination port (or first port / sequence / protocol, by method). */
  port: number;
  /** Method keywords (`-O`). */
  methodOptions: string[];
  /** Fragmentation forbidden (`-F`, `--mtu`). */
  dontFragment: boolean;
  /** Path MTU discovery (`--mtu`). */
  mtuDiscovery: boolean;
  /** IPv4 TOS / IPv6 traffic class. */
  tos: number;
  /** IPv6 flow label. */
  flowLabel: number;
  /** Source address, or null. */
  source: string | null;
  /** Source port, or 0. */
  sourcePort: number;
  /** Interface, or null. */
  interface: string | null;
  /** Source-route gateways. */
  gateways: string[];
  /** Names were looked up. */
  resolveNames: boolean;
  /**
   * Where AS numbers come from, or null: the whois server (`server/service`),
   * `dns:ZONE` (Team Cymru's DNS interface), or an ASN database's path.
   */
  asLookups: string | null;
  /**
   * The process's privileges once the sockets were open: `none` (it had
   * none), `dropped` (it had some and dropped them before reading replies),
   * `kept` (it had some and kept them).
   */
  privileges: "none" | "dropped" | "kept";
  /** Flow-stable probing (`--paris`): every probe carries the same flow identifier. */
  paris: boolean;
  /** The flow of a paris trace (0 unless chosen). */
  flow: number;
}

/** The facts the classic header shows, and the settings that shape results. */
export interface TraceStart {
  /** The target. */
  target: Target;
  /** The method used. */
  method: MethodName;
  /** First TTL probed. */
  firstHop: number;
  /** Largest TTL probed. */
  maxHops: number;
  /** Probes per hop. */
  queries: number;
  /** Size of each probe packet, IP header included. */
  packetSize: number;
  /** When probing began (ISO 8601). */
  startedAt: string;
  /** The settings that shape the results. */
  settings: TraceSettings;
}

/** Events of a trace, yielded strictly in print order. */
export type TraceEvent =
  | ({ type: "start" } & TraceStart)
  | { type: "probe"; probe: ProbeResult }
  | { type: "hop"; hop: Hop }
  | { type: "end"; reason: StopReason; endedAt: string; statistics: TraceStatistics };

/** A whole trace. */
export interface Trace extends TraceStart {
  /** Every hop probed, in order. */
  hops: Hop[];
  /** Why it ended. */
  reason: StopReason;
  /** When it ended (ISO 8601). */
  endedAt: string;
  /** What became of the messages read: matched, or ignored and why. */
  statistics: TraceStatistics;
}
