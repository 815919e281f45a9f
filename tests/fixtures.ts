/**
 * Ready-made values of the data model for unit tests that build traces by
 * hand.
 *
 * @module
 */
import type { ProbeResult, TraceSettings, TraceStart } from "../src/core/model.ts";

/** Settings of a trace (Linux traceroute's timing by default); `over` replaces fields. */
export function traceSettings(over: Partial<TraceSettings> = {}): TraceSettings {
  return {
    timing: "classic",
    simultaneous: 16,
    wait: { max: 5000, here: 3, near: 10, min: 0 },
    sendWait: 0,
    port: 0,
    methodOptions: [],
    dontFragment: false,
    mtuDiscovery: false,
    tos: 0,
    flowLabel: 0,
    source: null,
    sourcePort: 0,
    interface: null,
    gateways: [],
    resolveNames: false,
    asLookups: null,
    privileges: "none",
    paris: false,
    flow: 0,
    ...over,
  };
}

/**
 * The facts of a trace's start: IPv4 `dst.lab` (198.18.9.9), default method,
 * 30 hops, 3 queries, 60 bytes; `over` replaces fields.
 */
export function traceStart(over: Partial<TraceStart> = {}): TraceStart {
  return {
    target: { host: "dst.lab", address: "198.18.9.9", family: 4 },
    method: "default",
    firstHop: 1,
    maxHops: 30,
    queries: 3,
    packetSize: 60,
    startedAt: "2026-11-21T00:00:00.000Z",
    settings: traceSettings(),
    ...over,
  };
}

/** The result of probe `index` (of TTL `ttl`) that nothing answered; `over` replaces fields. */
export function probeResult(
  ttl: number,
  index: number,
  over: Partial<ProbeResult> = {},
): ProbeResult {
  return {
    ttl,
    index,
    address: null,
    rtt: null,
    annotation: "",
    final: false,
    icmp: null,
    replyTtl: null,
    moved: false,
    reprobed: false,
    tcpFlags: null,
    extensions: null,
    ...over,
  };
}
