/**
 * TCP SYN probes, half-open (`-T`, `-M tcp`): Linux traceroute's tcp module.
 * A raw socket sends a SYN (or the flags `-O` asks for) with the options the
 * kernel's sysctls enable; the port is held by a bound socket, so the
 * kernel resets any SYN-ACK. Needs CAP_NET_RAW.
 *
 * Beyond Linux traceroute, a reply must also acknowledge this probe's
 * sequence number (RFC 9293 §3.10.7), and an ICMP error must quote it.
 *
 * @module
 */
import { parseCUnsigned, parseCUnsignedPrefix } from "../core/c_numbers.ts";
import {
  decodeTcp,
  decodeTcpQuote,
  encodeTcp,
  encodeTcpOptions,
  TCP,
  TCP_FLAG_ORDER,
  TCP_FLAGS,
  tcpFlagNames,
} from "../packet/tcp.ts";
import type { Socket } from "../core/transport.ts";
import { type HalfOpenEntry, type HalfOpenProtocol, HalfOpenSession } from "./half_open.ts";
import type { Method, MethodContext, MethodKeyword } from "../core/method.ts";
import { random32 } from "../packet/payload.ts";

/** The TCP settings a trace probes with. */
export interface TcpProbeSettings {
  /** Flag bits of each probe. */
  flags: number;
  /** Send the MSS option (SYN only). */
  mss: boolean;
  /** MSS value chosen with `-O mss=N`, else 0 for path MTU minus headers. */
  mssValue: number;
  /** SACK permitted. */
  sack: boolean;
  /** Timestamps. */
  timestamps: boolean;
  /** Window scaling. */
  windowScaling: boolean;
}

/** Reads a tcp sysctl of this network namespace: true when it is "1" (never prompts). */
export function tcpSysctl(name: string): boolean {
  const path = `/proc/sys/net/ipv4/tcp_${name}`;
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return false;
    return Deno.readTextFileSync(path).startsWith("1");
  } catch {
    return false;
  }
}

/**
 * Linux traceroute's rules for the probe: flags from the keywords (SYN when
 * none; SYN+ECE+CWR with ecn); the options from the keywords, or from the
 * sysctls when no flag or option keyword was given (or with `sysctl`).
 */
export function tcpProbeSettings(
  keywords: ReadonlyMap<string, string>,
  sysctl: (name: string) => boolean = tcpSysctl,
): TcpProbeSettings {
  let flags = 0;
  let explicitFlags = false;
  // In the order given: flags=N replaces the flag bits so far, later ones add.
  for (const [name, value] of keywords) {
    if (name === "flags") {
      flags = parseCUnsignedPrefix(value)! & 0xff;
      explicitFlags = true;
    } else if ((TCP_FLAG_ORDER as readonly string[]).includes(name)) {
      flags |= TCP_FLAGS[name as keyof typeof TCP_FLAGS];
    }
  }
  let ecn = keywords.has("ecn");
  let sack = keywords.has("sack");
  let timestamps = keywords.has("timestamps");
  let windowScaling = keywords.has("window_scaling");
  const anything = flags !== 0 || explicitFlags || ecn || sack || timestamps || windowScaling;
  if (!anything || keywords.has("sysctl")) {
    ecn ||= sysctl("ecn");
    sack ||= sysctl("sack");
    timestamps ||= sysctl("timestamps");
    windowScaling ||= sysctl("window_scaling");
  }
  if (flags === 0 && !explicitFlags) {
    flags = TCP_FLAGS.syn;
    if (ecn) flags |= TCP_FLAGS.ece | TCP_FLAGS.cwr;
  }
  const mssValue = keywords.has("mss") ? parseCUnsigned(keywords.get("mss")!)! & 0xffff : 0;
  return { flags, mss: (flags & TCP_FLAGS.syn) !== 0, mssValue, sack, timestamps, windowScaling };
}

/**
 * Whether a segment from the destination answers a probe: a reset to a
 * segment with ACK carries its acknowledgment number as sequence; anything
 * else must acknowledge the probe's sequence plus one for SYN and for FIN.
 */
export function acknowledges(
  reply: { flags: number; sequence: number; acknowledgment: number },
  probe: {
    flags: number;
    sequence: number;
    acknowledgment: number;
  },
): boolean {
  if (probe.flags & TCP_FLAGS.ack) {
    return (reply.flags & TCP_FLAGS.rst) !== 0 && reply.sequence === probe.acknowledgment;
  }
  const consumed = ((probe.flags & TCP_FLAGS.syn) ? 1 : 0) +
    ((probe.flags & TCP_FLAGS.fin) ? 1 : 0);
  return (reply.flags & TCP_FLAGS.ack) !== 0 &&
    reply.acknowledgment === ((probe.sequence + consumed) >>> 0);
}

function tcpProtocol(context: MethodContext): HalfOpenProtocol {
  const settings = tcpProbeSettings(context.keywords);
  const ipHeader = context.family === 4 ? 20 : 40;
  let mss = 576 - ipHeader - TCP.header;
  const optionsFor = () =>
    encodeTcpOptions({
      mss: settings.mss ? settings.mssValue || mss : null,
      sack: settings.sack,
      timestamps: settings.timestamps
        ? { value: random32(), echo: settings.flags & TCP_FLAGS.ack ? random32() : 0 }
        : null,
      windowScaling: settings.windowScaling,
    });
  const destinationPort = context.port || tcpMethod.port.default;
  // Linux traceroute's probes acknowledge nothing (acknowledgment number 0).
  const acknowledgment = 0;
  return {
    method: "tcp",
    protocol: TCP.protocol,
    holdKind: "stream",
    length: TCP.header + optionsFor().length,
    prepare(raw: Socket) {
      let mtu = 576;
      try {
        mtu = Math.max(raw.getInt("mtu"), 576);
      } catch {
        // No path MTU known: 576, as Linux traceroute assumes.
      }
      mss = mtu - ipHeader - TCP.header;
    },
    build(port, sequence, source, destination) {
      return encodeTcp(
        {
          sourcePort: port,
          destinationPort,
          sequence,
          acknowledgment,
          flags: settings.flags,
          window: 4 * mss,
          options: optionsFor(),
        },
        source,
        destination,
      );
    },
    quoted: decodeTcpQuote,
    replyPorts: decodeTcpQuote,
    checksumOffset: 16,
    checksumCoverage: (bytes) => bytes.length,
    reply(bytes: Uint8Array, entry: HalfOpenEntry) {
      const tcp = decodeTcp(bytes);
      if (!tcp) return null;
      const probe = { flags: settings.flags, sequence: entry.sequence, acknowledgment };
      return acknowledges(tcp, probe) ? tcpFlagNames(tcp.flags) : null;
    },
  };
}

const flag = (name: string, help: string): MethodKeyword => ({ name, help });

/** Half-open TCP probes (`-T`). */
export const tcpMethod: Method = {
  name: "tcp",
  headerLength: 0,
  port: { meaning: "port", default: 80 },
  paris: true,
  onePerTime: false,
  shares: false,
  privilege: "raw",
  replies: ["syn-ack", "rst"],
  keywords: [
    flag("syn", "Set tcp flag SYN (default if no other tcp flags specified)"),
    flag("ack", "Set tcp flag ACK,"),
    flag("fin", "FIN,"),
    flag("rst", "RST,"),
    flag("psh", "PSH,"),
    flag("urg", "URG,"),
    flag("ece", "ECE,"),
    flag("cwr", "CWR"),
    {
      name: "flags",
      value: "NUM",
      help: "Set tcp flags exactly to value %s",
      abbrev: true,
      accepts: (v) => parseCUnsignedPrefix(v) !== null,
    },
    flag(
      "ecn",
      "Send syn packet with tcp flags ECE and CWR (for Explicit Congestion Notification, rfc3168)",
    ),
    flag("sack", "Use sack,"),
    { name: "timestamps", help: "timestamps,", abbrev: true },
    { name: "window_scaling", help: "window_scaling option for tcp", abbrev: true },
    flag(
      "sysctl",
      'Use current sysctl (/proc/sys/net/*) setting for the tcp options and ecn. Always set by default (with "syn") if nothing else specified',
    ),
    flag("reuse", "Allow to reuse local port numbers for the huge workloads (SO_REUSEADDR)"),
    {
      name: "mss",
      value: "NUM",
      help: "Use value of %s for maxseg tcp option (when syn)",
      accepts: (v) => parseCUnsigned(v) !== null,
    },
    flag(
      "info",
      "Print tcp flags of final tcp replies when target host is reached. Useful to determine whether an application listens the port etc.",
    ),
  ],
  open(context) {
    return new HalfOpenSession(context, tcpProtocol(context), context.port || this.port.default);
  },
};
