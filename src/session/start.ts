/**
 * The facts a trace starts with (the classic header's and the settings that
 * shape results), and the timing they imply: one probe at a time (a fixed
 * source port, a one-at-a-time method, `--mtu`) keeps Linux traceroute's
 * rules in either timing.
 *
 * @module
 */
import type { Method } from "../core/method.ts";
import type { ResolvedOptions } from "../config/options.ts";
import type { Target, TraceSettings, TraceStart } from "../core/model.ts";
import type { PrivilegeState } from "./privileges.ts";

/** The pieces of a start. */
export interface StartFacts {
  /** The target. */
  target: Target;
  /** The method. */
  method: Method;
  /** The options. */
  opts: ResolvedOptions;
  /** `-O` keywords as given, expanded. */
  methodOptions: readonly string[];
  /** The size of each probe, IP header included. */
  packetSize: number;
  /** What became of the process's privileges. */
  privileges: PrivilegeState;
}

/** The timing a trace runs with: its options' unless it must go one probe at a time. */
export function timingOf(
  method: Method,
  opts: ResolvedOptions,
): Pick<TraceSettings, "timing" | "simultaneous" | "wait"> {
  const fixedWait = method.onePerTime || opts.sourcePort !== 0;
  const oneAtATime = fixedWait || opts.mtuDiscovery;
  return {
    timing: oneAtATime ? "classic" : opts.timing,
    simultaneous: oneAtATime ? 1 : opts.simultaneous,
    wait: fixedWait
      ? { ...opts.wait, here: 0, near: 0 }
      : oneAtATime
      ? { ...opts.wait, min: 0 }
      : { ...opts.wait },
  };
}

/** The `start` event's facts. */
export function traceStart(facts: StartFacts): TraceStart {
  const { opts } = facts;
  return {
    target: { ...facts.target },
    method: facts.method.name,
    firstHop: opts.firstHop,
    maxHops: opts.maxHops,
    queries: opts.queries,
    packetSize: facts.packetSize,
    startedAt: new Date().toISOString(),
    settings: {
      ...timingOf(facts.method, opts),
      sendWait: opts.sendWait,
      port: opts.port,
      methodOptions: [...facts.methodOptions],
      dontFragment: opts.dontFragment,
      mtuDiscovery: opts.mtuDiscovery,
      tos: opts.tos,
      flowLabel: opts.flowLabel,
      source: opts.source,
      sourcePort: opts.sourcePort,
      interface: opts.interface,
      gateways: [...opts.gateways],
      resolveNames: opts.resolveNames,
      asLookups: opts.asLookups ? `${opts.asLookups.server}/${opts.asLookups.service}` : null,
      privileges: facts.privileges,
      paris: opts.paris,
      flow: opts.flow,
    },
  };
}
