/**
 * Trace options: what a caller may give, what they become once resolved,
 * and their defaults (those of Linux traceroute 2.1.2, and hopwise's
 * adaptive timing). resolve_options.ts applies and checks them.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { Resolver } from "../lookup/resolver.ts";
import type { AsSourceSpec } from "../lookup/identity_sources.ts";

export { DEFAULT_WHOIS } from "./lookup_options.ts";
import type { Transport } from "../core/transport.ts";
import type { MethodName } from "../core/model.ts";

/** The adaptive wait of `-w MAX,HERE,NEAR`. */
export interface WaitOptions {
  /** Longest wait for a reply, in milliseconds (Linux: 5 s). */
  max: number;
  /**
   * Wait at most HERE times the round trip of a probe of the same hop that
   * has answered (0 turns the rule off; Linux: 3).
   */
  here: number;
  /**
   * Else wait at most NEAR times the round trip of a later probe that has
   * answered (0 turns the rule off; Linux: 10).
   */
  near: number;
  /**
   * Least wait that HERE and NEAR give, in milliseconds (0 in Linux
   * traceroute's timing; hopwise's adaptive timing gives slow routers at
   * least this long).
   */
  min?: number;
}

/**
 * How probes are paced. `classic`: Linux traceroute's rules and defaults
 * (16 probes in flight, waits 5 s, 3, 10). `adaptive`: the same rules with
 * every probe of the trace in flight at once and shorter waits for a silent
 * hop once a later hop has answered (see ADAPTIVE).
 */
export type Timing = "adaptive" | "classic";

/** Options of `trace()`. Every one is optional. */
export interface TraceOptions {
  /** IP version to use (`-4`, `-6`); by default IPv4 when the name has both. */
  family?: Family;
  /** Probe method (`-M`); `"default"` is UDP to port 33434 + 1 per probe. */
  method?: MethodName;
  /** Method keywords (`-O`), such as `["raw"]` for icmp. */
  methodOptions?: string[];
  /** First TTL (`-f`), 1 by default. */
  firstHop?: number;
  /** Largest TTL (`-m`), 30 by default, at most 255. */
  maxHops?: number;
  /** Probes per hop (`-q`), 3 by default, 1 to 10. */
  queries?: number;
  /**
   * How probes are paced: `adaptive` by default, `classic` (Linux
   * traceroute's) when `simultaneous`, `wait` or `sendWait` is given.
   */
  timing?: Timing;
  /** Probes in flight at once (`-N`); 16 in classic timing, see ADAPTIVE otherwise. */
  simultaneous?: number;
  /** Adaptive wait (`-w`); 5000 ms, 3, 10 in classic timing, see ADAPTIVE otherwise. */
  wait?: Partial<WaitOptions>;
  /** Least time between two sends in milliseconds (`-z`), 0 by default. */
  sendWait?: number;
  /**
   * Port (`-p`): for `default` the first destination port (33434), for
   * `icmp` the first sequence number (1).
   */
  port?: number;
  /** Source address to bind (`-s`). */
  source?: string;
  /** Network interface to send through (`-i`, SO_BINDTODEVICE). */
  interface?: string;
  /** IPv4 TOS or IPv6 traffic class (`-t`), 0 to 255. */
  tos?: number;
  /** Set the don't-fragment bit / forbid fragmentation (`-F`). */
  dontFragment?: boolean;
  /** Source port (`--sport`); forces one probe at a time, as in Linux traceroute. */
  sourcePort?: number;
  /** Firewall mark for outgoing packets (`--fwmark`, SO_MARK). */
  mark?: number;
  /** Send only to hosts on an attached network (`-r`, SO_DONTROUTE). */
  dontRoute?: boolean;
  /** Socket-level debugging (`-d`, SO_DEBUG). */
  debug?: boolean;
  /**
   * Path MTU discovery (`--mtu`): probes start at `packetLength` (65000 by
   * default) with fragmentation forbidden, one at a time, and shrink to each
   * MTU reported; the probe after a change carries annotation `F=<mtu>`.
   */
  mtuDiscovery?: boolean;
  /** Decode ICMP extensions, such as MPLS label stacks (`-e`). */
  extensions?: boolean;
  /**
   * Route through these gateways (`-g`): an IPv4 loose source route (at
   * most 8), or an IPv6 routing header (at most 127).
   */
  gateways?: string[];
  /** The IPv6 routing header type for `gateways` (default 2). */
  routingHeaderType?: number;
  /** IPv6 flow label (`-l`), 20 bits. */
  flowLabel?: number;
  /**
   * Look up each responder's origin AS in a routing registry over whois
   * (`-A`): true for whois.radb.net, or the server to ask.
   */
  asLookups?: boolean | { server: string; service?: string };
  /**
   * Where AS numbers come from (implies `asLookups`): `"whois"` (the default:
   * the server of `asLookups`), `"dns"` or `"dns:ZONE"` (Team Cymru's DNS
   * interface, or a mirror of it under ZONE), or else the path of a
   * MaxMind-format ASN database (read before anything is sent).
   */
  asSource?: string;
  /**
   * The path of a MaxMind-format City or Country database: each responder's
   * country, city and coordinates (read before anything is sent).
   */
  geoip?: string;
  /**
   * Flow-stable probing (`--paris`): every probe of the trace carries the same
   * flow identifier (addresses, protocol, ports; for ICMP the same identifier
   * and checksum), so routers that balance load per flow keep it on one path.
   * For the `default`, `udp`, `icmp` and `tcp` methods.
   */
  paris?: boolean;
  /**
   * Which flow a `paris` trace takes (0 by default): traces with different
   * flows differ in the source port (UDP, TCP) or the ICMP checksum.
   */
  flow?: number;
  /**
   * Whole packet size including the IP header (`packet_len`); raised to the
   * method's minimum when smaller; at most 65000.
   */
  packetLength?: number;
  /** Look up names of responders (reverse DNS); true by default. */
  resolveNames?: boolean;
  /**
   * The first N hops' responders, the target's address excepted, are not
   * looked up: no name, AS or place question leaves the machine about them
   * (the command line's `--privacy N` sets it, and hides them; 0 by default).
   */
  privateHops?: number;
  /**
   * Once the sockets are open, drop every privilege of the whole process
   * (leave uid 0, or clear the capabilities of every thread) before reading
   * any reply. Irreversible for the process, so false by default; the
   * command line turns it on. Skipped when the method opens a socket per
   * probe that needs privilege (`mark`, `debug`, a `sourcePort` below 1024).
   */
  dropPrivileges?: boolean;
  /** Stops the trace; the iterator then ends with reason `aborted`. */
  signal?: AbortSignal;
  /** Sockets to use; the kernel's by default. For tests and embedding. */
  transport?: Transport;
  /** Host and reverse lookups; the system resolver by default. */
  resolver?: Resolver;
  /**
   * Where a failing AS or place source says so, once (the command line: standard error); the
   * library itself never prints.
   */
  warn?: (line: string) => void;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  /** IP version forced, or 0 to choose from the name. */
  family: Family | 0;
  /** Probe method. */
  method: MethodName;
  /** Method keywords. */
  methodOptions: string[];
  /** First TTL. */
  firstHop: number;
  /** Largest TTL. */
  maxHops: number;
  /** Probes per hop. */
  queries: number;
  /** How probes are paced. */
  timing: Timing;
  /** Probes in flight at once. */
  simultaneous: number;
  /** Adaptive wait (with `min`, 0 in classic timing). */
  wait: Required<WaitOptions>;
  /** Least time between sends (ms). */
  sendWait: number;
  /** Port or first sequence, 0 for the method's default. */
  port: number;
  /** Source address, or null. */
  source: string | null;
  /** Interface, or null. */
  interface: string | null;
  /** TOS / traffic class. */
  tos: number;
  /** Don't fragment. */
  dontFragment: boolean;
  /** Source port, 0 for any. */
  sourcePort: number;
  /** Firewall mark, 0 for none. */
  mark: number;
  /** SO_DONTROUTE. */
  dontRoute: boolean;
  /** SO_DEBUG. */
  debug: boolean;
  /** --mtu. */
  mtuDiscovery: boolean;
  /** -e. */
  extensions: boolean;
  /** Gateway addresses (literals), possibly empty. */
  gateways: string[];
  /** IPv6 routing header type. */
  routingHeaderType: number;
  /** IPv6 flow label. */
  flowLabel: number;
  /** Whois server for AS lookups, or null when off or from another source. */
  asLookups: { server: string; service: string } | null;
  /** Where AS numbers come from, or null when off. */
  asSource: AsSourceSpec | null;
  /** The place database's path, or null. */
  geoip: string | null;
  /** Requested packet length, or null for the default. */
  packetLength: number | null;
  /** Reverse lookups on. */
  resolveNames: boolean;
  /** Hops whose responders are not looked up (the target's address excepted). */
  privateHops: number;
  /** Drop privileges once the sockets are open. */
  dropPrivileges: boolean;
  /** Flow-stable probing. */
  paris: boolean;
  /** The flow of a paris trace. */
  flow: number;
}

/** Linux traceroute's defaults. */
export const DEFAULTS = {
  firstHop: 1,
  maxHops: 30,
  queries: 3,
  simultaneous: 16,
  wait: { max: 5000, here: 3, near: 10 },
  sendWait: 0,
  /** Data after the IP header when no packet_len is given. */
  dataLength: 40,
  /** Largest packet_len accepted. */
  maxPacketLength: 65000,
  /** Largest TTL accepted. */
  maxTtl: 255,
  /** Largest probes per hop accepted. */
  maxQueries: 10,
} as const;

/**
 * hopwise's adaptive timing, used unless `-N`, `-w`, `-z` or `--classic` is
 * given: every probe of the trace in flight at once (up to 96), so a path
 * whose hops all answer takes about one round trip to its destination; and a
 * silent hop waits 1.5 times the round trip of a later hop that has answered
 * (at least 20 ms), where Linux traceroute waits ten times: its reply, had
 * it sent one, would have come before the later hop's, over a shorter path,
 * so half that round trip again is slack for a router slow to answer. The
 * hops shown are the same; only the time spent waiting differs.
 */
export const ADAPTIVE = {
  simultaneous: 96,
  wait: { max: 5000, here: 3, near: 1.5, min: 20 },
} as const;
