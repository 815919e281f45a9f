/**
 * Source routing for `-g`: the IPv4 loose source and record route option
 * (RFC 791) and the IPv6 routing header (RFC 8200 §4.4), laid out as Linux
 * traceroute sets them with IP_OPTIONS / IPV6_RTHDR.
 *
 * @module
 */

/** IPv4: at most this many gateways fit in the options. */
export const MAX_GATEWAYS_4 = 8;
/** IPv6: at most this many gateways. */
export const MAX_GATEWAYS_6 = 127;

/**
 * The IPv4 option: NOP, LSRR (131), length, pointer 4, the gateways, then
 * the final destination. 4 + 4 × (gateways + 1) bytes.
 */
export function encodeLooseSourceRoute(
  gateways: readonly Uint8Array[],
  destination: Uint8Array,
): Uint8Array {
  const hops = [...gateways, destination];
  const out = new Uint8Array(4 + 4 * hops.length);
  out[0] = 1; // NOP, for alignment
  out[1] = 131; // LSRR
  out[2] = 4 * hops.length + 3;
  out[3] = 4; // pointer: the first address
  hops.forEach((address, i) => out.set(address, 4 + 4 * i));
  return out;
}

/**
 * The IPv6 routing header: next header 0 (the kernel fills it), length 2 ×
 * gateways, `type`, segments left = gateways, 4 reserved bytes, then the
 * gateways. 8 + 16 × gateways bytes.
 */
export function encodeRoutingHeader(type: number, gateways: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(8 + 16 * gateways.length);
  out[1] = 2 * gateways.length;
  out[2] = type;
  out[3] = gateways.length;
  gateways.forEach((address, i) => out.set(address, 8 + 16 * i));
  return out;
}
