/**
 * The data a continuous run reports: its settings, each cycle's result, and
 * snapshots of the statistics.
 *
 * @module
 */
import type { TraceStart } from "./model.ts";
import type { RunStatsJson } from "../stats/mod.ts";
import type { AddressIdentity } from "./identity.ts";

/** How a continuous run probes. */
export interface WatchSettings {
  /** Cycles to run (Infinity: until stopped). */
  cycles: number;
  /** Time from one cycle's start to the next's, ms. */
  interval: number;
  /** Probes per TTL and flow in each cycle. */
  queries: number;
  /** Flows (1 unless `--flows N`); with `paris`, every probe of a flow keeps its path. */
  flows: number;
  /** How long a probe waits for its answer, ms, or null for the run's own rule. */
  probeWait: number | null;
  /** Probes in flight at once, over every cycle. */
  simultaneous: number;
  /** Recent cycles kept per hop for the history strip. */
  history: number;
  /** A snapshot event every interval (at most every 100 ms); else only the end's. */
  snapshots: boolean;
}

/** One probe of a cycle, settled. */
export interface CycleProbe {
  /** Its TTL. */
  ttl: number;
  /** Its flow (0 without flows). */
  flow: number;
  /** Who answered, or null. */
  address: string | null;
  /** Round trip, ms, or null. */
  rtt: number | null;
  /** Linux traceroute's annotation (`!H`, ...), or "". */
  annotation: string;
  /** The answer ended the path (the destination, or an unreachable). */
  final: boolean;
  /** Its wait ended with no answer (or it could not be sent). */
  lost: boolean;
  /** Why it was lost when not silence: a send that failed (`send: Network is unreachable`). */
  reason: string | null;
  /**
   * Its responder's name as known when the cycle was handed out (null: it
   * has none); absent while not known yet, when names are not looked up, or
   * with no answer.
   */
  name?: string | null;
  /** Its responder's AS path (`-A`), when known by then. */
  asPath?: string;
  /** Who its responder is and where (`--as-source`, `--geoip`), when known by then. */
  identity?: AddressIdentity;
}

/** One cycle's result, once every probe of it is settled. */
export interface CycleResult {
  /** The cycle's number, from 0. */
  cycle: number;
  /** The last TTL it probed. */
  lastHop: number;
  /** Its probes, by TTL then place. */
  probes: CycleProbe[];
}

/** Why probes of a TTL were lost, when it was not silence. */
export interface WatchFault {
  /** The TTL. */
  ttl: number;
  /** The latest reason. */
  reason: string;
  /** The cycle it came in. */
  cycle: number;
  /** How many probes were lost so. */
  count: number;
}

/** The statistics of a continuous run at one moment. */
export interface WatchSnapshot {
  /** Cycles launched. */
  cycles: number;
  /** The run is paused. */
  paused: boolean;
  /** The TTL the destination answers at, when known. */
  destination: number | null;
  /** When (ISO 8601). */
  at: string;
  /** Per hop, address and flow. */
  hops: RunStatsJson;
  /** Reverse names found so far (address to name; null when none or not looked up). */
  names: Record<string, string | null>;
  /** Origin ASes found so far (`-A`). */
  asPaths: Record<string, string>;
  /** What the AS and geography lookups found so far, by address (absent when they are off). */
  identities?: Record<string, AddressIdentity>;
  /**
   * Responders first seen so lately that what is looked up of them has not
   * answered yet (at most the lookups' deadline); absent when there are none.
   * The service lists such an address once it has, so that its labels do not
   * change a moment after it appears.
   */
  pending?: string[];
  /** Losses that had a reason. */
  faults: WatchFault[];
}

/** Events of a continuous run. */
export type WatchEvent =
  | { type: "start"; start: TraceStart; watch: WatchSettings }
  | { type: "cycle"; cycle: CycleResult }
  | { type: "snapshot"; snapshot: WatchSnapshot }
  | { type: "end"; reason: "done" | "aborted"; snapshot: WatchSnapshot };
