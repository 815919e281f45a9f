/**
 * The view of a trace the `--explain` detectors read: {@linkcode TraceView}
 * (the trace with its target, method, family and the port it probed) and
 * small questions asked of hops and replies. Nothing here judges a trace:
 * that is the detectors'.
 *
 * @module
 */
import { method } from "../methods/mod.ts";
import { INITIAL_TTLS, ttlToHops } from "../core/reply_ttl.ts";
import type { Hop, MethodName, ProbeResult, Trace } from "../core/model.ts";
import type { FindingEvidence } from "./model.ts";
import type { AddressIdentity } from "../core/identity.ts";
import { identityText } from "../lookup/identity_text.ts";

/** The least difference, in hops, between return and forward path that `return-path` reports. */
export const RETURN_PATH_THRESHOLD = 2;

/** The initial TTLs a reply's TTL is reckoned from, in words ("64, 128 or 255"). */
export const INITIAL_TTLS_TEXT = `${INITIAL_TTLS.slice(0, -1).join(", ")} or ${
  INITIAL_TTLS.at(-1)
}`;

/**
 * A trace with the questions the findings ask of it.
 *
 * @example
 * ```ts ignore
 * import { TraceView } from "./view.ts";
 * declare const trace: import("../core/model.ts").Trace;
 * const view = new TraceView(trace);
 * view.finalHop?.ttl; // the hop whose final reply ended the trace
 * ```
 */
export class TraceView {
  /** The trace read. */
  readonly trace: Trace;
  /** The target's address. */
  readonly target: string;
  /** The trace's method. */
  readonly method: MethodName;
  /** The target's address family. */
  readonly family: 4 | 6;
  #identities: Map<string, AddressIdentity> | null = null;

  /** A view of `trace`. */
  constructor(trace: Trace) {
    this.trace = trace;
    this.target = trace.target.address;
    this.method = trace.method;
    this.family = trace.target.family;
  }

  /**
   * An address as a finding names it: with its network and place where the
   * lookups (`--as-source`, `--geoip`) know them, `198.18.5.2 (AS64502
   * Example-Transit, DE)`; else the address alone.
   */
  named(address: string): string {
    if (this.#identities === null) {
      this.#identities = new Map();
      for (const hop of this.hops) {
        for (const p of hop.probes) {
          if (p.address !== null && p.identity) this.#identities.set(p.address, p.identity);
        }
      }
    }
    const known = identityText(this.#identities.get(address));
    return known === null ? address : `${address} (${known})`;
  }

  /** The trace's hops, in order. */
  get hops(): Hop[] {
    return this.trace.hops;
  }

  /** The hop whose final reply ended the trace, or null. */
  get finalHop(): Hop | null {
    const last = this.hops.at(-1);
    return last && last.probes.some((p) => p.final && p.address !== null) ? last : null;
  }

  /**
   * The destination port probed: the one given, else the method's default
   * where `-p` means a port (0 for `icmp` and `raw`, where it does not).
   */
  get port(): number {
    if (this.trace.settings.port) return this.trace.settings.port;
    const { meaning, default: port } = method(this.method).port;
    return meaning === "port" || meaning === "first port" ? port : 0;
  }

  /** The method sends UDP datagrams (`default`, `udp`, `udplite`). */
  get udp(): boolean {
    return this.method === "default" || this.method === "udp" || this.method === "udplite";
  }

  /** The method is a TCP one (`tcp`, `tcpconn`). */
  get tcp(): boolean {
    return this.method === "tcp" || this.method === "tcpconn";
  }

  /** The evidence entry for `probe` at `hop`. */
  evidence(hop: number, probe: ProbeResult): FindingEvidence {
    return { method: this.method, hop, address: probe.address, replyTtl: probe.replyTtl };
  }

  /** The evidence entry for a hop without any answer. */
  silence(hop: number): FindingEvidence {
    return { method: this.method, hop, address: null, replyTtl: null };
  }

  /** A time-exceeded in transit (ICMP 11/0, ICMPv6 3/0). */
  timeExceeded(probe: ProbeResult): boolean {
    const type = this.family === 4 ? 11 : 3;
    return probe.icmp !== null && probe.icmp.type === type && probe.icmp.code === 0;
  }

  /** A port unreachable (ICMP 3/3, ICMPv6 1/4). */
  portUnreachable(probe: ProbeResult): boolean {
    return probe.icmp !== null &&
      (this.family === 4
        ? probe.icmp.type === 3 && probe.icmp.code === 3
        : probe.icmp.type === 1 && probe.icmp.code === 4);
  }
}

/** The probes of a hop that got an answer. */
export function answered(hop: Hop): ProbeResult[] {
  return hop.probes.filter((p) => p.address !== null);
}

/** The hop was probed and no probe got an answer. */
export function silent(hop: Hop): boolean {
  return hop.probes.length > 0 && hop.probes.every((p) => p.address === null);
}

/** The hop had at least one answer. */
export function answering(hop: Hop): boolean {
  return hop.probes.some((p) => p.address !== null);
}

/** The distinct addresses that answered a hop, in order. */
export function addressesOf(hop: Hop): string[] {
  return [...new Set(answered(hop).map((p) => p.address!))];
}

/** The address most probes of a hop answered from (the first on a tie), or null. */
export function principal(hop: Hop): string | null {
  const counts = new Map<string, number>();
  for (const p of answered(hop)) counts.set(p.address!, (counts.get(p.address!) ?? 0) + 1);
  let best: string | null = null;
  let most = 0;
  for (const [address, n] of counts) {
    if (n > most) [best, most] = [address, n];
  }
  return best;
}

/** How a TCP destination answered: "SYN-ACK", "RST" or "connection answered". */
export function tcpAnswer(probe: ProbeResult): string {
  const flags = probe.tcpFlags ?? [];
  if (flags.includes("syn") && flags.includes("ack")) return "SYN-ACK";
  if (flags.includes("rst")) return "RST";
  return "connection answered";
}

/**
 * How many hops a reply travelled back, from the TTL left in it: the sender's
 * initial TTL (the smallest of 64, 128 and 255 not below it) minus what is
 * left, plus one (the sender's own hop). Null without a reply TTL.
 *
 * @example
 * ```ts
 * import { returnHops } from "./view.ts";
 * returnHops(61); // 4
 * returnHops(null); // null
 * ```
 */
export function returnHops(replyTtl: number | null): number | null {
  return replyTtl === null || replyTtl <= 0 ? null : ttlToHops(replyTtl);
}
