/**
 * The IP options a trace's sockets carry: `-g`'s loose source route (IPv4)
 * or routing header (IPv6).
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import { addressBytes } from "../packet/address.ts";
import { encodeLooseSourceRoute, encodeRoutingHeader } from "../packet/source_route.ts";

/**
 * The IP_OPTIONS / IPV6_RTHDR bytes for `gateways` (address literals of
 * `family`, checked by resolveOptions), or null without gateways.
 */
export function sourceRoute(
  gateways: readonly string[],
  routingHeaderType: number,
  family: Family,
  target: Uint8Array,
): Uint8Array | null {
  if (gateways.length === 0) return null;
  const bytes = gateways.map(addressBytes);
  return family === 4
    ? encodeLooseSourceRoute(bytes, target)
    : encodeRoutingHeader(routingHeaderType, bytes);
}
