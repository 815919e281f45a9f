/**
 * Trace options resolved: the defaults applied and every value checked, the
 * command line's in the order Linux traceroute checks them, with clear
 * RangeError / TypeError messages.
 *
 * @module
 */
import { type Family, familyOf } from "../packet/address.ts";
import { OptionError, OptionTypeError } from "../core/errors.ts";
import { integerOption, numberOption } from "./checks.ts";
import { findMethod, methodNames, parisMethodNames } from "../methods/mod.ts";
import { MAX_GATEWAYS_4, MAX_GATEWAYS_6 } from "../packet/source_route.ts";
import { resolveLookupOptions } from "./lookup_options.ts";
import { ADAPTIVE, DEFAULTS, type ResolvedOptions, type TraceOptions } from "./options.ts";

/** A trace option's integer: a fraction is a value of the wrong type. */
function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  return integerOption(name, value, fallback, min, max, true);
}

/** A trace option's number, at least 0: NaN is a value of the wrong type. */
function nonNegative(name: string, value: number | undefined, fallback: number): number {
  return numberOption(name, value, fallback, { strictType: true });
}

/**
 * Checks `-g` gateways (address literals) against the family traced: at most
 * 8 for IPv4, 127 for IPv6, all of that family (Linux traceroute's words).
 *
 * @throws {OptionError} about `gateways`
 */
export function checkGateways(gateways: readonly string[], family: Family): void {
  const max = family === 4 ? MAX_GATEWAYS_4 : MAX_GATEWAYS_6;
  if (gateways.length > max) {
    throw new OptionError("gateways", `Too many gateways specified. No more than ${max}`);
  }
  if (gateways.some((g) => familyOf(g) !== family)) {
    throw new OptionError("gateways", "IP versions mismatch in gateway addresses");
  }
}

/**
 * Applies defaults and checks every option, the command line's in the order
 * Linux traceroute checks them (so that of several bad values, the same one
 * is reported).
 *
 * @throws {TypeError} for a value of the wrong type
 * @throws {OptionError} (a RangeError) for a value out of range
 */
export function resolveOptions(options: TraceOptions): ResolvedOptions {
  const method = options.method ?? "default";
  const found = findMethod(method);
  if (!found || found.name !== method) {
    throw new OptionError(
      "method",
      `Option "method" must be one of ${methodNames().join(", ")}, got "${method}"`,
    );
  }
  if (options.family !== undefined && options.family !== 4 && options.family !== 6) {
    throw new OptionError(
      "family",
      `Option "family" must be 4 or 6, got ${JSON.stringify(options.family)}`,
    );
  }
  // Linux traceroute's order but for the first two (the command line words
  // those as Linux does): max hops, first hop, queries, wait, packet length,
  // source, send wait, gateways.
  const maxHops = integer("maxHops", options.maxHops, DEFAULTS.maxHops, 1, DEFAULTS.maxTtl);
  const firstHop = integer("firstHop", options.firstHop, DEFAULTS.firstHop, 1, maxHops);
  const queries = integer("queries", options.queries, DEFAULTS.queries, 1, DEFAULTS.maxQueries);
  const timing = options.timing ?? (
    options.simultaneous !== undefined || options.wait !== undefined ||
      options.sendWait !== undefined
      ? "classic"
      : "adaptive"
  );
  if (timing !== "adaptive" && timing !== "classic") {
    throw new OptionError(
      "timing",
      `Option "timing" must be "adaptive" or "classic", got "${timing}"`,
    );
  }
  const base = timing === "adaptive" ? ADAPTIVE : DEFAULTS;
  const wait = {
    max: nonNegative("wait.max", options.wait?.max, base.wait.max),
    here: nonNegative("wait.here", options.wait?.here, base.wait.here),
    near: nonNegative("wait.near", options.wait?.near, base.wait.near),
    min: nonNegative("wait.min", options.wait?.min, timing === "adaptive" ? ADAPTIVE.wait.min : 0),
  };
  const packetLength = options.packetLength === undefined
    ? null
    : integer("packetLength", options.packetLength, 0, 0, DEFAULTS.maxPacketLength);
  const source = options.source ?? null;
  if (source !== null) {
    const family = familyOf(source);
    if (!family) {
      throw new OptionTypeError(
        "source",
        `Option "source" must be an address literal, got "${source}"`,
      );
    }
    if (options.family && family !== options.family) {
      throw new OptionError(
        "source",
        `Option "source" is IPv${family} but "family" is ${options.family}`,
      );
    }
  }
  const sendWait = nonNegative("sendWait", options.sendWait, DEFAULTS.sendWait);
  const gateways = [...(options.gateways ?? [])];
  for (const gateway of gateways) {
    if (!familyOf(gateway)) {
      throw new OptionTypeError(
        "gateways",
        `Option "gateways" must hold address literals, got "${gateway}"`,
      );
    }
  }
  if (options.family) checkGateways(gateways, options.family);
  const iface = options.interface ?? null;
  if (iface !== null && (iface === "" || iface.length > 15 || /[\s/]/.test(iface))) {
    throw new OptionTypeError(
      "interface",
      `Option "interface" is not an interface name: "${iface}"`,
    );
  }
  if (options.paris && !found.paris) {
    throw new OptionError(
      "paris",
      `Option "paris" works with the ${parisMethodNames().join(", ")} methods, not "${method}"`,
    );
  }
  const { asLookups, asSource, geoip } = resolveLookupOptions(options);
  return {
    family: options.family ?? 0,
    method,
    methodOptions: [...(options.methodOptions ?? [])],
    firstHop,
    maxHops,
    queries,
    timing,
    simultaneous: integer("simultaneous", options.simultaneous, base.simultaneous, 1, 65535),
    wait,
    sendWait,
    port: integer("port", options.port, 0, 0, 65535),
    source,
    interface: iface,
    tos: integer("tos", options.tos, 0, 0, 255),
    // --mtu implies -F, as in Linux traceroute.
    dontFragment: (options.dontFragment ?? false) || (options.mtuDiscovery ?? false),
    sourcePort: integer("sourcePort", options.sourcePort, 0, 0, 65535),
    mark: integer("mark", options.mark, 0, 0, 0xffffffff),
    dontRoute: options.dontRoute ?? false,
    debug: options.debug ?? false,
    mtuDiscovery: options.mtuDiscovery ?? false,
    extensions: options.extensions ?? false,
    gateways,
    routingHeaderType: integer("routingHeaderType", options.routingHeaderType, 2, 0, 255),
    flowLabel: integer("flowLabel", options.flowLabel, 0, 0, 0xfffff),
    asLookups,
    asSource,
    geoip,
    packetLength,
    resolveNames: options.resolveNames ?? true,
    privateHops: integer("privateHops", options.privateHops, 0, 0, DEFAULTS.maxTtl),
    dropPrivileges: options.dropPrivileges ?? false,
    paris: options.paris ?? false,
    flow: integer("flow", options.flow, 0, 0, 0xffff),
  };
}
