/**
 * What a reply's TTL says about the way back: senders start at 64 (Linux and
 * most), 128 (Windows) or 255 (network gear), so the TTL left on arrival
 * gives the hops the reply crossed. Linux traceroute's `--back` guess, and
 * the arithmetic of the adaptive timing's second pass and of `--explain`.
 *
 * @module
 */

/** Initial TTLs senders use, in ascending order. */
export const INITIAL_TTLS = [64, 128, 255] as const;

/**
 * Linux traceroute's guess of the hops back from a reply's TTL: the
 * smallest usual initial TTL at or above it, minus it, plus one.
 *
 * @example
 * ```ts
 * import { ttlToHops } from "./reply_ttl.ts";
 * ttlToHops(61); // 4: sent with 64, three routers back
 * ```
 */
export function ttlToHops(ttl: number): number {
  return (ttl <= 64 ? 65 : ttl <= 128 ? 129 : 256) - ttl;
}
