/**
 * The session step every mode starts with: check the options, resolve the
 * host once, find the method, parse `-O`, build the IP options, ask the
 * whois server's address (`-A`), and open the method's sockets. Privileges
 * are settled afterwards, once for every session a mode opens (see
 * privileges.ts).
 *
 * @module
 */
import { addressBytes, type Family, familyOf } from "../packet/address.ts";
import { OptionError } from "../core/errors.ts";
import type { Resolver } from "../lookup/resolver.ts";
import type { WhoisClient } from "../lookup/whois.ts";
import type { Method, MethodSession } from "../core/method.ts";
import { findMethod } from "../methods/mod.ts";
import { tuneSocket } from "./tune_socket.ts";
import {
  checkGateways,
  DEFAULTS,
  type ResolvedOptions,
  resolveOptions,
  type TraceOptions,
} from "../config/options.ts";
import type { ChannelSettings } from "../engine/channel.ts";
import type { Transport } from "../core/transport.ts";
import type { Target } from "../core/model.ts";
import { sourceRoute } from "./ip_options.ts";
import { parseKeywords } from "./keywords.ts";
import type { PrivilegeNeeds } from "./privileges.ts";
import { systemResolver } from "./kernel.ts";

/** An open method session for one target, with what a run needs around it. */
export interface Session extends PrivilegeNeeds {
  /** The options, resolved. */
  readonly opts: ResolvedOptions;
  /** The method. */
  readonly method: Method;
  /** The target. */
  readonly target: Target;
  /** `-O` keywords as given, abbreviations expanded. */
  readonly methodOptions: readonly string[];
  /** The method's session. */
  readonly methodSession: MethodSession;
  /** What the prober records its answers with. */
  readonly channel: ChannelSettings;
  /** Size of each probe, IP header included. */
  readonly packetSize: number;
  /** Resolves reverse names (when looked up). */
  readonly resolver: Resolver;
  /** The whois client of `-A`, or null. */
  readonly whois: WhoisClient | null;
  /** Closes the method's sockets. */
  close(): void;
}

/** IP header length for a family. */
function ipHeaderLength(family: Family): number {
  return family === 4 ? 20 : 40;
}

/**
 * Resolves `host` (a name or an address literal) to the target traced.
 *
 * @throws {ResolveError} when it does not resolve (to `family`, when given)
 */
export async function resolveTarget(
  host: string,
  family: Family | 0,
  resolver: Resolver = systemResolver(),
): Promise<Target> {
  const found = await resolver.lookupHost(host, family);
  return { host, address: found.address, family: found.family };
}

/**
 * Opens a session to `host` (resolved here, or already a Target) over
 * `transport`.
 *
 * @throws {TypeError | OptionError} for invalid options
 * @throws {ResolveError} when the host (or the whois server of `-A`) does not resolve
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws {SystemError} when a socket call fails
 */
export async function openSession(
  host: string | Target,
  options: TraceOptions,
  transport: Transport,
): Promise<Session> {
  const opts = resolveOptions(options);
  const resolver: Resolver = options.resolver ?? systemResolver();
  const target = typeof host === "string"
    ? await resolveTarget(host, opts.family, resolver)
    : { ...host };
  if (opts.family && opts.family !== target.family) {
    throw new OptionError("family", `Target ${target.address} is not IPv${opts.family}`);
  }
  return await open(target, opts, resolver, transport, false);
}

/**
 * A session that serves many targets of `family` over one unconnected
 * socket (`--targets`), when the method can share one and no option ties a
 * socket to one target (`-g`, `-l`, `--mtu`); null otherwise. Its `target`
 * has an empty address: each probe carries its own.
 *
 * @throws as {@linkcode openSession} does
 */
export async function openSharedSession(
  family: Family,
  options: TraceOptions,
  transport: Transport,
): Promise<Session | null> {
  const opts = resolveOptions(options);
  const method = findMethod(opts.method)!;
  if (!method.shares || opts.gateways.length > 0 || opts.flowLabel !== 0 || opts.mtuDiscovery) {
    return null;
  }
  const resolver: Resolver = options.resolver ?? systemResolver();
  return await open({ host: "", address: "", family }, opts, resolver, transport, true);
}

/** Opens the method's session for `target` (or, `shared`, for any of its family). */
async function open(
  target: Target,
  opts: ResolvedOptions,
  resolver: Resolver,
  transport: Transport,
  shared: boolean,
): Promise<Session> {
  const method = findMethod(opts.method)!;
  const keywords = await parseKeywords(method, opts.methodOptions);
  const family = target.family;
  if (opts.source !== null && familyOf(opts.source) !== family) {
    throw new OptionError(
      "source",
      `Option "source" ${opts.source} is not of the target's IP version`,
    );
  }
  checkGateways(opts.gateways, family);
  const targetBytes = shared ? new Uint8Array(family === 4 ? 4 : 16) : addressBytes(target.address);
  const ipOptions = sourceRoute(opts.gateways, opts.routingHeaderType, family, targetBytes);
  // With a whois server to ask, resolve it now: failure ends the run before it starts.
  let whois: WhoisClient | null = null;
  if (opts.asLookups) {
    const { WhoisClient } = await import("../lookup/whois.ts");
    whois = new WhoisClient(opts.asLookups.server, opts.asLookups.service, resolver);
    await whois.endpoint();
  }

  const ipHeader = ipHeaderLength(family) + (ipOptions?.length ?? 0);
  const headerLength = ipHeader + method.headerLength;
  const packetLength = opts.packetLength ?? (opts.mtuDiscovery ? DEFAULTS.maxPacketLength : null);
  const dataLength = packetLength === null
    ? Math.max(0, DEFAULTS.dataLength - method.headerLength)
    : Math.max(0, packetLength - headerLength);
  const methodSession = method.open({
    ipHeaderLength: ipHeader,
    transport,
    family,
    target: target.address,
    shared,
    port: opts.port,
    flowInfo: family === 6 && (opts.tos || opts.flowLabel)
      ? ((opts.tos & 0xff) << 20 | opts.flowLabel) >>> 0
      : 0,
    dataLength,
    paris: opts.paris ? { flow: opts.flow } : null,
    local: { source: opts.source, port: opts.sourcePort, interface: opts.interface },
    keywords: keywords.map,
    tune: (socket) => tuneSocket(socket, opts, { family, ipOptions, target: targetBytes }),
  });
  return {
    opts,
    method,
    target,
    methodOptions: keywords.words,
    methodSession,
    socketPerProbe: methodSession.socketPerProbe,
    channel: {
      family,
      target: target.address,
      headerLength,
      extensions: opts.extensions,
      mtuDiscovery: opts.mtuDiscovery,
      sendWait: opts.sendWait,
    },
    packetSize: headerLength + methodSession.dataLength,
    resolver,
    whois,
    close: () => methodSession.close(),
  };
}
