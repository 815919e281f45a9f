/**
 * The facts a trace starts with (the classic header's and the settings that
 * shape results), built from its run configuration: the one place a `start`
 * event is made.
 *
 * @module
 */
import type { Target, TraceStart } from "../core/model.ts";
import type { TraceSetup } from "./open.ts";
import type { PrivilegeState } from "./privileges.ts";
import { asSourceLabel } from "../lookup/identity_sources.ts";

/** The `start` event's facts of a trace to `target` through `setup`. */
export function traceStart(
  target: Target,
  setup: TraceSetup,
  privileges: PrivilegeState,
): TraceStart {
  const { options, timing, method, keywordWords } = setup.config;
  return {
    target: { ...target },
    method: method.name,
    firstHop: options.firstHop,
    maxHops: options.maxHops,
    queries: options.queries,
    packetSize: setup.packetSize,
    startedAt: new Date().toISOString(),
    settings: {
      timing: timing.timing,
      simultaneous: timing.simultaneous,
      wait: { ...timing.wait },
      sendWait: options.sendWait,
      port: options.port,
      methodOptions: [...keywordWords],
      dontFragment: options.dontFragment,
      mtuDiscovery: options.mtuDiscovery,
      tos: options.tos,
      flowLabel: options.flowLabel,
      source: options.source,
      sourcePort: options.sourcePort,
      interface: options.interface,
      gateways: [...options.gateways],
      resolveNames: options.resolveNames,
      asLookups: options.asSource ? asSourceLabel(options.asSource) : null,
      privileges,
      paris: options.paris,
      flow: options.flow,
    },
  };
}
