/**
 * What a service watching many targets (`--serve`) knows of each, at one
 * moment: the data the metrics, the `/api` documents and the service's page
 * are formatted from. Counters run from the service's start; the findings
 * cover the current window.
 *
 * @module
 */
import type { AddressIdentity } from "./identity.ts";

/** The upper bounds of the round-trip histogram's buckets, in seconds (0.1 ms to 10 s). */
export const RTT_BUCKETS_SECONDS: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** A hop of a watched target. */
export interface HopFigures {
  /** The TTL. */
  ttl: number;
  /** Probes sent with this TTL since the service started. */
  sent: number;
  /** Of those, answered. */
  received: number;
  /**
   * Answers per round-trip bucket: `rttBuckets[i]` counts the answers whose
   * round trip is at most `RTT_BUCKETS_SECONDS[i]` (cumulative, as
   * Prometheus's `le` buckets); answers above the last bound are in
   * `rttCount` only.
   */
  rttBuckets: number[];
  /** The sum of every answer's round trip, in seconds. */
  rttSum: number;
  /** Answers with a round trip. */
  rttCount: number;
  /** The last answer's round trip, in seconds, or null before any. */
  lastRtt: number | null;
  /** The addresses the hop answered from in the current window (at most a few), with their names. */
  addresses: Array<{ address: string; name: string | null; identity?: AddressIdentity }>;
  /** Addresses of the current window left out of `addresses`. */
  addressesOmitted: number;
}

/** A finding that holds now, by kind and hop. */
export interface FleetFinding {
  /** `rate-limited`, `loss`, `destination-loss`, `latency-jump`, `slow-responder`, `path-change`, `ecmp` or `fault`. */
  kind: string;
  /** The hop it concerns, or null for the whole path. */
  ttl: number | null;
  /** In words. */
  text: string;
}

/** One watched target. */
export interface TargetFigures {
  /** The target as configured (the `target` label). */
  target: string;
  /** Extra labels from the configuration (`site`, `service`, ...). */
  labels: Readonly<Record<string, string>>;
  /** The address it resolved to, or null. */
  address: string | null;
  /** The probe method. */
  method: string;
  /** It resolves and is being probed. */
  up: boolean;
  /** Why it is not up, or null. */
  downReason: string | null;
  /** The destination answered in the current window. */
  reached: boolean;
  /** The TTL the destination answers at, or null. */
  pathHops: number | null;
  /** Times the path changed since the service started. */
  pathChanges: number;
  /** Cycles run since the service started. */
  cycles: number;
  /** When the last cycle ended (ISO 8601), or null. */
  lastCycleAt: string | null;
  /** Its hops, by TTL. */
  hops: HopFigures[];
  /** The findings that hold now. */
  findings: FleetFinding[];
}

/** Everything a service knows at one moment. */
export interface FleetFigures {
  /** hopwise's version. */
  version: string;
  /** Probes sent since the service started, over every target. */
  probesSent: number;
  /** Sends that failed, by reason (the errno's name: `ENETUNREACH`, ...). */
  sendErrors: Readonly<Record<string, number>>;
  /** Every target, in configuration order. */
  targets: TargetFigures[];
}
