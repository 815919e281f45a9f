/**
 * Opening one trace's method for a target, from its run configuration:
 * build the IP options, ask the whois server's address (`-A`), size the
 * probes and open the method's sockets. The run sequence (run.ts) calls it
 * for every trace of a run, then settles privileges once for all of them.
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import type { MethodSession } from "../core/method.ts";
import type { Target } from "../core/model.ts";
import type { Transport } from "../core/transport.ts";
import type { ChannelSettings } from "../engine/channel.ts";
import { DEFAULTS } from "../config/options.ts";
import type { RunConfig } from "../config/run_config.ts";
import type { ResolvedOptions } from "../config/options.ts";
import { checkGateways } from "../config/resolve_options.ts";
import type { Resolver } from "../lookup/resolver.ts";
import type { AddressLookups, HopLookups, LookupChoice } from "../lookup/hop_lookups.ts";
import { addressBytes, type Family, familyOf } from "../packet/address.ts";
import { sourceRoute } from "./ip_options.ts";
import type { PrivilegeNeeds } from "./privileges.ts";
import { tuneSocket } from "./tune_socket.ts";

/**
 * Who a trace's probes go to: one target, or, for a setup that serves many
 * targets over one unconnected socket, any target of a family (each probe
 * then carries its own).
 */
export type Destination =
  | { readonly kind: "one"; readonly target: Target }
  | { readonly kind: "any"; readonly family: Family };

/** One trace's method, open for its destination, with what a run needs around it. */
export interface TraceSetup extends PrivilegeNeeds {
  /** The run configuration. */
  readonly config: RunConfig;
  /** Who its probes go to. */
  readonly destination: Destination;
  /** The IP version. */
  readonly family: Family;
  /** The method's open session (builds, sends and matches probes). */
  readonly methodSession: MethodSession;
  /** What the prober records its answers with. */
  readonly channelSettings: ChannelSettings;
  /** Size of each probe, IP header included. */
  readonly packetSize: number;
  /** Resolves reverse names (when looked up). */
  readonly resolver: Resolver;
  /** What the trace looks up of its responders (names, AS numbers, places), over the process's caches. */
  readonly lookups: AddressLookups;
  /** Closes the method's sockets. */
  close(): void;
}

/** IP header length for a family. */
function ipHeaderLength(family: Family): number {
  return family === 4 ? 20 : 40;
}

/** What a trace with `options` looks up of its responders. */
export function lookupChoice(
  options: Pick<ResolvedOptions, "resolveNames" | "asSource" | "geoip" | "privateHops">,
): LookupChoice {
  return {
    names: options.resolveNames,
    as: options.asSource,
    geo: options.geoip,
    privateHops: options.privateHops,
  };
}

/** Whether a method's setup can serve many targets over one socket with `config`. */
export function canShare(config: RunConfig): boolean {
  const { options } = config;
  return config.method.shares && options.gateways.length === 0 && options.flowLabel === 0 &&
    !options.mtuDiscovery;
}

/**
 * Opens the method of `config` for `destination` over `transport`.
 *
 * @throws {OptionError} when the source address or gateways are not of the destination's IP version
 * @throws {ResolveError} when the whois server of `-A` does not resolve
 * @throws {OptionError} when a database of `asSource` or `geoip` cannot be read
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws {SystemError} when a socket call fails
 */
export async function openTrace(
  destination: Destination,
  config: RunConfig,
  context: {
    transport: Transport;
    resolver: Resolver;
    lookups: HopLookups;
    warn: (line: string) => void;
  },
): Promise<TraceSetup> {
  const { options, method } = config;
  const shared = destination.kind === "any";
  const family = shared ? destination.family : destination.target.family;
  if (!shared && options.family && options.family !== family) {
    throw new OptionError(
      "family",
      `Target ${destination.target.address} is not IPv${options.family}`,
    );
  }
  if (options.source !== null && familyOf(options.source) !== family) {
    throw new OptionError(
      "source",
      `Option "source" ${options.source} is not of the target's IP version`,
    );
  }
  checkGateways(options.gateways, family);
  const targetBytes = shared
    ? new Uint8Array(family === 4 ? 4 : 16)
    : addressBytes(destination.target.address);
  const ipOptions = sourceRoute(options.gateways, options.routingHeaderType, family, targetBytes);
  // With a whois server to ask, resolve it now, and open the databases: failure ends the run
  // before it starts.
  const lookups = await context.lookups.forChoice(lookupChoice(options), context.warn);

  const ipHeader = ipHeaderLength(family) + (ipOptions?.length ?? 0);
  const headerLength = ipHeader + method.headerLength;
  const packetLength = options.packetLength ??
    (options.mtuDiscovery ? DEFAULTS.maxPacketLength : null);
  const dataLength = packetLength === null
    ? Math.max(0, DEFAULTS.dataLength - method.headerLength)
    : Math.max(0, packetLength - headerLength);
  const address = shared ? "" : destination.target.address;
  const methodSession = method.open({
    ipHeaderLength: ipHeader,
    transport: context.transport,
    family,
    target: address,
    shared,
    port: options.port,
    flowInfo: family === 6 && (options.tos || options.flowLabel)
      ? ((options.tos & 0xff) << 20 | options.flowLabel) >>> 0
      : 0,
    dataLength,
    paris: options.paris ? { flow: options.flow } : null,
    local: { source: options.source, port: options.sourcePort, interface: options.interface },
    keywords: config.keywords,
    tune: (socket) => tuneSocket(socket, options, { family, ipOptions, target: targetBytes }),
  });
  return {
    config,
    options,
    destination,
    family,
    methodSession,
    socketPerProbe: methodSession.socketPerProbe,
    channelSettings: {
      family,
      target: address,
      headerLength,
      extensions: options.extensions,
      mtuDiscovery: options.mtuDiscovery,
      sendWait: options.sendWait,
    },
    packetSize: headerLength + methodSession.dataLength,
    resolver: context.resolver,
    lookups,
    close: () => methodSession.close(),
  };
}
