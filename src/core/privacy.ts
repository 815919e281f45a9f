/**
 * `--privacy N`: the first N hops' responders hidden before anything is
 * formatted, so that every output (classic, JSON, JSON Lines, report, CSV,
 * live screen, findings) is made from data that no longer holds them. A
 * hidden responder's address becomes {@linkcode HIDDEN}, and its name, AS
 * path and identity are dropped; hop numbers, round trips, annotations and
 * every count stay. The source address (`-s`) and the source-route gateways
 * (`-g`) are hidden too. The target stays as given.
 *
 * Pure functions, written once here: the command line applies them to a
 * run's events, and a library caller may do the same.
 *
 * @module
 */
import type { AddressStatsJson, FlowStatsJson, HopStatsJson } from "../stats/mod.ts";
import type { Hop, ProbeResult, Trace, TraceEvent, TraceStart } from "./model.ts";
import type { CycleResult, WatchEvent, WatchSnapshot } from "./watch_model.ts";

/** What a hidden address (or source) shows as, in every output. */
export const HIDDEN = "hidden";

/** Whether `hops` hides anything (0 hides nothing). */
function hiding(hops: number): boolean {
  return hops > 0;
}

/** A probe result with its responder hidden when its TTL is among the first `hops`. */
export function hideProbe(probe: ProbeResult, hops: number): ProbeResult {
  if (probe.ttl > hops || probe.address === null) return probe;
  const { name: _name, asPath: _asPath, identity: _identity, ...rest } = probe;
  return { ...rest, address: HIDDEN };
}

function hideHop(hop: Hop, hops: number): Hop {
  return hop.ttl > hops ? hop : { ttl: hop.ttl, probes: hop.probes.map((p) => hideProbe(p, hops)) };
}

/** A trace's start with its source and gateways hidden (when `hops` hides anything). */
export function hideStart<T extends TraceStart>(start: T, hops: number): T {
  if (!hiding(hops)) return start;
  const { settings } = start;
  return {
    ...start,
    settings: {
      ...settings,
      source: settings.source === null ? null : HIDDEN,
      gateways: settings.gateways.map(() => HIDDEN),
    },
  };
}

/** A trace event with the first `hops` hops' responders (and the source) hidden. */
export function hideTraceEvent(event: TraceEvent, hops: number): TraceEvent {
  if (!hiding(hops)) return event;
  switch (event.type) {
    case "start":
      return hideStart(event, hops);
    case "probe":
      return { type: "probe", probe: hideProbe(event.probe, hops) };
    case "hop":
      return { type: "hop", hop: hideHop(event.hop, hops) };
    case "end":
      return event;
  }
}

/** A whole trace with the first `hops` hops' responders (and the source) hidden. */
export function hideTrace<T extends Trace>(trace: T, hops: number): T {
  if (!hiding(hops)) return trace;
  return { ...hideStart(trace, hops), hops: trace.hops.map((h) => hideHop(h, hops)) };
}

function hideAddressStats(a: AddressStatsJson): AddressStatsJson {
  return a.address === null ? a : { ...a, address: HIDDEN };
}

function hideFlow(flow: FlowStatsJson): FlowStatsJson {
  return {
    ...flow,
    lastAddress: flow.lastAddress === null ? null : HIDDEN,
    addresses: flow.addresses.map(hideAddressStats),
  };
}

function hideHopStats(hop: HopStatsJson): HopStatsJson {
  return {
    ...hop,
    lastAddress: hop.lastAddress === null ? null : HIDDEN,
    addresses: hop.addresses.map(hideAddressStats),
    flows: hop.flows.map(hideFlow),
  };
}

/** `record` without the keys in `drop`. */
function without<V>(record: Record<string, V>, drop: ReadonlySet<string>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !drop.has(key)));
}

/**
 * A continuous run's snapshot with the first `hops` hops' responders hidden:
 * their addresses (per hop, per flow) become {@linkcode HIDDEN}, and the
 * names, AS paths and identities of addresses seen only there are dropped.
 */
export function hideSnapshot(snapshot: WatchSnapshot, hops: number): WatchSnapshot {
  if (!hiding(hops)) return snapshot;
  const shown = new Set<string>();
  const hidden = new Set<string>();
  for (const hop of snapshot.hops) {
    const into = hop.ttl > hops ? shown : hidden;
    const all = [hop.lastAddress, ...hop.addresses.map((a) => a.address)];
    for (const flow of hop.flows) {
      all.push(
        flow.lastAddress,
        ...flow.addresses.map((a) => a.address),
      );
    }
    for (const address of all) if (address !== null) into.add(address);
  }
  const drop = new Set([...hidden].filter((a) => !shown.has(a)));
  return {
    ...snapshot,
    hops: snapshot.hops.map((h) => (h.ttl > hops ? h : hideHopStats(h))),
    names: without(snapshot.names, drop),
    asPaths: without(snapshot.asPaths, drop),
    ...(snapshot.identities ? { identities: without(snapshot.identities, drop) } : {}),
  };
}

/** A settled cycle with the first `hops` hops' responders hidden. */
export function hideCycle(cycle: CycleResult, hops: number): CycleResult {
  if (!hiding(hops)) return cycle;
  return {
    ...cycle,
    probes: cycle.probes.map((p) =>
      p.ttl > hops || p.address === null ? p : { ...p, address: HIDDEN }
    ),
  };
}

/** A continuous run's event with the first `hops` hops' responders (and the source) hidden. */
export function hideWatchEvent(event: WatchEvent, hops: number): WatchEvent {
  if (!hiding(hops)) return event;
  switch (event.type) {
    case "start":
      return { ...event, start: hideStart(event.start, hops) };
    case "cycle":
      return { type: "cycle", cycle: hideCycle(event.cycle, hops) };
    case "snapshot":
      return { type: "snapshot", snapshot: hideSnapshot(event.snapshot, hops) };
    case "end":
      return { ...event, snapshot: hideSnapshot(event.snapshot, hops) };
  }
}
