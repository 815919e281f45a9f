/**
 * What an ICMP error or a local error means for a probe: Linux traceroute's
 * annotations and whether the reply ends the trace. Written once here; the
 * methods only match replies to probes.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import { ICMP4 } from "../packet/icmpv4.ts";
import { ICMP6 } from "../packet/icmpv6.ts";

/** The meaning of a reply: its annotation and that it is final. */
export interface Classification {
  /** `""` (destination reached) or `!H`, `!N`, ... */
  annotation: string;
  /** Always true: every error other than time-exceeded in transit is final. */
  final: true;
}

const V4_UNREACH: Record<number, string> = {
  0: "!N", // net
  6: "!N", // net unknown
  8: "!N", // source host isolated
  11: "!N", // net unreachable for TOS
  1: "!H", // host
  7: "!H", // host unknown
  12: "!H", // host unreachable for TOS
  9: "!X", // net administratively prohibited
  10: "!X", // host administratively prohibited
  13: "!X", // communication administratively prohibited
  3: "", // port: the destination answered
  2: "!P", // protocol
  5: "!S", // source route failed
  14: "!V", // host precedence violation
  15: "!C", // precedence cutoff
};

const V6_UNREACH: Record<number, string> = {
  0: "!N", // no route
  2: "!H", // beyond scope
  3: "!H", // address unreachable
  1: "!X", // administratively prohibited
  4: "", // port: the destination answered
};

/**
 * Classifies an ICMP error about a probe. Returns null for time exceeded in
 * transit: an ordinary hop, neither final nor annotated.
 *
 * @param info ee_info: the MTU for "fragmentation needed" / "packet too big"
 */
export function classifyIcmp(
  family: Family,
  type: number,
  code: number,
  info: number,
): Classification | null {
  if (family === 4) {
    if (type === ICMP4.timeExceeded && code === 0) return null;
    if (type === ICMP4.destUnreach) {
      if (code === 4) return { annotation: `!F-${info}`, final: true };
      return { annotation: V4_UNREACH[code] ?? `!<${code}>`, final: true };
    }
  } else {
    if (type === ICMP6.timeExceeded && code === 0) return null;
    if (type === ICMP6.destUnreach) {
      return { annotation: V6_UNREACH[code] ?? `!<${code}>`, final: true };
    }
    if (type === ICMP6.packetTooBig) return { annotation: `!F-${info}`, final: true };
  }
  return { annotation: `!<${type}-${code}>`, final: true };
}

/**
 * Classifies a local error (origin local, e.g. EMSGSIZE when a DF packet is
 * larger than the path MTU known here). Returns null for errors that end the
 * run, as Linux traceroute's `local recverr` does.
 */
export function classifyLocal(errno: string, info: number): Classification | null {
  if (errno === "EMSGSIZE" && info !== 0) return { annotation: `!F-${info}`, final: true };
  return null;
}

/** ICMP types that are never about a probe's fate (IPv4 source quench, redirect). */
export function ignoredIcmp(family: Family, type: number): boolean {
  return family === 4 && (type === ICMP4.sourceQuench || type === ICMP4.redirect);
}
