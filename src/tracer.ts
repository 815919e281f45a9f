/**
 * `trace(host, options)`: resolves the host, opens the probe method, runs the
 * scheduler and yields typed events strictly in print order. Reverse lookups
 * start as soon as a reply arrives, so they never hold up probing.
 *
 * @module
 */
import { FfiTransport } from "../ffi/transport.ts";
import { addressBytes, familyOf } from "./address.ts";
import { WhoisClient } from "./lookup/whois.ts";
import {
  encodeLooseSourceRoute,
  encodeRoutingHeader,
  MAX_GATEWAYS_4,
  MAX_GATEWAYS_6,
} from "./packet/source_route.ts";
import { Scheduler } from "./engine/scheduler.ts";
import { Statistics } from "./engine/statistics.ts";
import type { Probe } from "./engine/probe.ts";
import { sanitizeName } from "./lookup/names.ts";
import { type Resolver, SystemResolver } from "./lookup/resolver.ts";
import type { Method, MethodSession } from "./methods/method.ts";
import { findMethod } from "./methods/mod.ts";
import { DEFAULTS, type ResolvedOptions, resolveOptions, type TraceOptions } from "./options.ts";
import { tuneSocket } from "./methods/tune.ts";
import type { Transport } from "./transport.ts";
import type {
  Hop,
  ProbeResult,
  StopReason,
  Trace,
  TraceEvent,
  TraceSettings,
  TraceStart,
} from "./types.ts";

/**
 * Checks `-O` keywords against a method's table and returns them as a map of
 * name to value ("" for plain flags).
 *
 * @throws {RangeError} for an unknown keyword, a missing or unexpected value,
 * or two keywords of one exclusive group
 */
export function parseKeywords(method: Method, words: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let exclusive: string | null = null;
  for (const word of words) {
    const eq = word.indexOf("=");
    const name = eq === -1 ? word : word.slice(0, eq);
    const value = eq === -1 ? null : word.slice(eq + 1);
    const keyword = method.keywords.find((k) => k.name === name);
    if (!keyword) throw new RangeError(`Method "${method.name}" has no option "${name}"`);
    if (keyword.value && value === null) {
      throw new RangeError(`Option "${name}" of method "${method.name}" needs a value`);
    }
    if (!keyword.value && value !== null) {
      throw new RangeError(`Option "${name}" of method "${method.name}" takes no value`);
    }
    if (value !== null && keyword.accepts && !keyword.accepts(value)) {
      throw new RangeError(`Option "${name}" of method "${method.name}" cannot take "${value}"`);
    }
    if (keyword.exclusive) {
      if (exclusive !== null && exclusive !== name) {
        throw new RangeError(`Options "${exclusive}" and "${name}" cannot be used together`);
      }
      exclusive = name;
    }
    out.set(name, value ?? "");
  }
  return out;
}

/** The IP_OPTIONS / IPV6_RTHDR bytes for `-g`, or null without gateways. */
function sourceRoute(
  opts: ReturnType<typeof resolveOptions>,
  family: 4 | 6,
  target: Uint8Array,
): Uint8Array | null {
  if (opts.gateways.length === 0) return null;
  const max = family === 4 ? MAX_GATEWAYS_4 : MAX_GATEWAYS_6;
  if (opts.gateways.length > max) {
    throw new RangeError(`Too many gateways specified. No more than ${max}`);
  }
  const gateways = opts.gateways.map((g) => {
    if (familyOf(g) !== family) throw new RangeError("IP versions mismatch in gateway addresses");
    return addressBytes(g);
  });
  return family === 4
    ? encodeLooseSourceRoute(gateways, target)
    : encodeRoutingHeader(opts.routingHeaderType, gateways);
}

/** IP header length for a family. */
function ipHeaderLength(family: 4 | 6): number {
  return family === 4 ? 20 : 40;
}

/** A method session opened for a target, with what a run needs around it. */
export interface OpenedTrace {
  /** The options, resolved. */
  opts: ResolvedOptions;
  /** The target's IP version. */
  family: 4 | 6;
  /** The method's session. */
  session: MethodSession;
  /** The transport the session's sockets come from. */
  transport: Transport;
  /** The run's counters. */
  statistics: Statistics;
  /** IP header (with options) plus the method's header, in bytes. */
  headerLength: number;
  /** The facts of the `start` event. */
  start: TraceStart;
  /** Resolves reverse names (when looked up). */
  resolver: Resolver;
  /** The whois client of `-A`, or null. */
  whois: WhoisClient | null;
  /** Closes the session (and the transport when it was opened here). */
  close(): void;
}

/**
 * Resolves `host`, opens the method's session, and settles the process's
 * privileges: everything of a trace up to its first probe.
 *
 * @throws {TypeError | RangeError} for invalid options
 * @throws {ResolveError} when the host does not resolve
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws {SystemError} when a socket call fails
 */
export async function openTrace(host: string, options: TraceOptions): Promise<OpenedTrace> {
  const opts = resolveOptions(options);
  const method = findMethod(opts.method);
  if (!method) throw new RangeError(`Method "${opts.method}" is not available in this version`);
  const keywords = parseKeywords(method, opts.methodOptions);
  const resolver: Resolver = options.resolver ?? new SystemResolver();
  // The transport first: its timestamp keeper needs a moment (see FfiTransport).
  const ownTransport = options.transport === undefined;
  const transport: Transport = options.transport ?? new FfiTransport();
  let target;
  try {
    target = await resolver.lookupHost(host, opts.family);
    if (opts.source !== null && familyOf(opts.source) !== target.family) {
      throw new RangeError(`Option "source" ${opts.source} is not of the target's IP version`);
    }
  } catch (e) {
    if (ownTransport) transport.close?.();
    throw e;
  }
  const family = target.family;
  const targetBytes = addressBytes(target.address);
  const ipOptions = sourceRoute(opts, family, targetBytes);
  // With a whois server to ask, resolve it now: failure ends the run before it starts.
  const whois = opts.asLookups
    ? new WhoisClient(opts.asLookups.server, opts.asLookups.service, resolver)
    : null;
  try {
    await whois?.endpoint();
  } catch (e) {
    if (ownTransport) transport.close?.();
    throw e;
  }

  const headerLength = ipHeaderLength(family) + (ipOptions?.length ?? 0) + method.headerLength;
  const packetLength = opts.packetLength ?? (opts.mtuDiscovery ? DEFAULTS.maxPacketLength : null);
  const dataLength = packetLength === null
    ? Math.max(0, DEFAULTS.dataLength - method.headerLength)
    : Math.max(0, packetLength - headerLength);

  const statistics = new Statistics();
  let session;
  try {
    session = method.open({
      statistics,
      ipHeaderLength: ipHeaderLength(family) + (ipOptions?.length ?? 0),
      transport,
      family,
      target: target.address,
      port: opts.port,
      flowInfo: family === 6 && (opts.tos || opts.flowLabel)
        ? ((opts.tos & 0xff) << 20 | opts.flowLabel) >>> 0
        : 0,
      dataLength,
      options: opts,
      keywords,
      tune: (socket) => tuneSocket(socket, opts, { family, ipOptions, target: targetBytes }),
    });
  } catch (e) {
    if (ownTransport) transport.close?.();
    throw e;
  }
  let privileges: TraceSettings["privileges"];
  try {
    privileges = settlePrivileges(transport, session.socketPerProbe, opts);
  } catch (e) {
    session.close();
    if (ownTransport) transport.close?.();
    throw e;
  }

  const oneAtATime = method.onePerTime || opts.sourcePort !== 0 || opts.mtuDiscovery;
  const start: TraceStart = {
    target: { host, address: target.address, family },
    method: method.name,
    firstHop: opts.firstHop,
    maxHops: opts.maxHops,
    queries: opts.queries,
    packetSize: headerLength + session.dataLength,
    startedAt: new Date().toISOString(),
    settings: {
      // One probe at a time (a fixed source port, a one-at-a-time method,
      // --mtu) keeps Linux traceroute's rules in either timing.
      timing: oneAtATime ? "classic" : opts.timing,
      simultaneous: oneAtATime ? 1 : opts.simultaneous,
      wait: method.onePerTime || opts.sourcePort !== 0
        ? { ...opts.wait, here: 0, near: 0 }
        : oneAtATime
        ? { ...opts.wait, min: 0 }
        : { ...opts.wait },
      sendWait: opts.sendWait,
      port: opts.port,
      methodOptions: [...opts.methodOptions],
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
      privileges,
      paris: opts.paris,
      flow: opts.flow,
    },
  };
  return {
    opts,
    family,
    session,
    transport,
    statistics,
    headerLength,
    start,
    resolver,
    whois,
    close() {
      session.close();
      if (ownTransport) transport.close?.();
    },
  };
}

/**
 * Traces the route to `host`, yielding events in print order: `start`, then
 * each `probe` as its result becomes final, a `hop` after each hop's last
 * probe, and `end`. The generator's return value is the whole trace.
 *
 * @example
 * ```ts ignore
 * import { trace } from "./tracer.ts";
 * for await (const event of trace("198.18.1.2", { maxHops: 8, resolveNames: false })) {
 *   if (event.type === "hop") console.log(event.hop.ttl, event.hop.probes.map((p) => p.address));
 * }
 * ```
 *
 * @throws {TypeError | RangeError} for invalid options (before any probe)
 * @throws {ResolveError} when the host does not resolve
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws {SystemError} when a socket call fails
 */
export async function* trace(
  host: string,
  options: TraceOptions = {},
): AsyncGenerator<TraceEvent, Trace, undefined> {
  const opened = await openTrace(host, options);
  const { opts, family, session, transport, statistics, headerLength, start, resolver, whois } =
    opened;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const names = new Map<string, Promise<string | null>>();
  const asPaths = new Map<string, Promise<string>>();
  const released: Probe[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const scheduler = new Scheduler(
    {
      family,
      firstHop: opts.firstHop,
      maxHops: opts.maxHops,
      queries: opts.queries,
      // A fixed source port or a one-at-a-time method means one probe at a
      // time and a fixed wait; --mtu, one at a time (Linux traceroute's rules).
      timing: start.settings.timing,
      simultaneous: start.settings.simultaneous,
      wait: start.settings.wait,
      sendWait: opts.sendWait,
      mtuDiscovery: opts.mtuDiscovery,
      extensions: opts.extensions,
      headerLength,
      statistics,
    },
    session,
    transport,
    {
      answered(probe) {
        const address = probe.address;
        if (opts.resolveNames && address !== null && !names.has(address)) {
          names.set(address, resolver.reverse(address).then((n) => n && sanitizeName(n)));
        }
        if (whois && address !== null && !asPaths.has(address)) {
          asPaths.set(address, whois.lookup(address));
        }
      },
      release(probe) {
        released.push(probe);
        notify();
      },
    },
  );

  let finished = false;
  let failure: unknown = null;
  let reason: StopReason = "aborted";
  const running = scheduler.run(stop.signal).then(
    (r) => void (reason = r),
    (e) => void (failure = e),
  ).finally(() => {
    finished = true;
    notify();
  });

  const hops: Hop[] = [];
  let hop: Hop | null = null;
  try {
    yield { type: "start", ...start };
    let next = 0;
    while (true) {
      while (next < released.length) {
        const probe = released[next++]!;
        const result: ProbeResult = probe.result();
        if (opts.resolveNames && result.address !== null) {
          result.name = await (names.get(result.address) ?? Promise.resolve(null));
        }
        if (whois && result.address !== null) {
          result.asPath = await (asPaths.get(result.address) ?? whois.lookup(result.address));
        }
        if (!hop || hop.ttl !== result.ttl) {
          hop = { ttl: result.ttl, probes: [] };
          hops.push(hop);
        }
        hop.probes.push(result);
        yield { type: "probe", probe: result };
        if (result.index === opts.queries - 1) yield { type: "hop", hop };
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
    const endedAt = new Date().toISOString();
    yield { type: "end", reason, endedAt, statistics: statistics.snapshot() };
    return { ...start, hops, reason, endedAt, statistics: statistics.snapshot() };
  } finally {
    stop.abort();
    await running;
    options.signal?.removeEventListener("abort", onAbort);
    opened.close();
  }
}

/**
 * Runs a whole trace and resolves to it.
 *
 * @example
 * ```ts ignore
 * import { traceAll } from "./tracer.ts";
 * const result = await traceAll("198.18.1.2", { resolveNames: false });
 * console.log(result.reason, result.hops.length);
 * ```
 */
export async function traceAll(host: string, options: TraceOptions = {}): Promise<Trace> {
  const events = trace(host, options);
  while (true) {
    const step = await events.next();
    if (step.done) return step.value;
  }
}

/**
 * Drops the process's privileges once the sockets are open, when asked and
 * when no later socket needs them (see privilegesNeededLater).
 */
function settlePrivileges(
  transport: Transport,
  socketPerProbe: boolean,
  opts: ResolvedOptions,
): TraceSettings["privileges"] {
  if (!(transport.privileged?.() ?? false)) return "none";
  const stillNeeded = privilegesNeededLater(socketPerProbe, opts);
  if (!opts.dropPrivileges || stillNeeded || !transport.dropPrivileges) return "kept";
  transport.dropPrivileges();
  return "dropped";
}

/**
 * Whether sockets a method opens per probe (`socketPerProbe`) will still
 * need the process's privileges: CAP_NET_ADMIN for a mark or SO_DEBUG,
 * CAP_NET_RAW for source-route options (-g), CAP_NET_BIND_SERVICE for a
 * source port below 1024, and before Linux 5.7 CAP_NET_RAW for an interface.
 */
export function privilegesNeededLater(
  socketPerProbe: boolean,
  opts: Pick<ResolvedOptions, "mark" | "debug" | "gateways" | "sourcePort" | "interface">,
): boolean {
  return socketPerProbe &&
    (opts.mark !== 0 || opts.debug || opts.gateways.length > 0 ||
      (opts.sourcePort > 0 && opts.sourcePort < 1024) ||
      (opts.interface !== null && !bindToDeviceUnprivileged()));
}

/** SO_BINDTODEVICE needs no privilege from Linux 5.7 on (false when unknown). */
function bindToDeviceUnprivileged(): boolean {
  let release;
  try {
    release = Deno.osRelease();
  } catch {
    return false; // no --allow-sys: assume an old kernel and keep the privilege
  }
  const [major = 0, minor = 0] = release.split(".").map((part) => parseInt(part, 10));
  return major > 5 || (major === 5 && minor >= 7);
}
