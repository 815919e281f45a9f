/**
 * Checking what an ICMP error quotes against the probe that was sent.
 *
 * @module
 */

/**
 * Where RFC 4884 ICMP extensions may begin within the original datagram
 * field: routers that append them quote only the first 128 bytes for sure.
 */
export const QUOTE_SURE_BYTES = 128;

/**
 * Whether a quoted packet agrees with what was sent on every byte both have,
 * from `from` on: routers may quote less than the whole probe, and from byte
 * 128 of the original datagram on an extension structure (or its padding) may
 * stand in the probe's place. `quoteOffset` is where `quoted[0]` sits in the
 * original datagram (the probe's IP header length, plus 8 for what follows a
 * UDP header).
 */
export function quotesExactly(
  quoted: Uint8Array,
  sent: Uint8Array,
  quoteOffset: number,
  from = 0,
): boolean {
  const n = Math.min(quoted.length, sent.length, Math.max(0, QUOTE_SURE_BYTES - quoteOffset));
  for (let i = from; i < n; i++) if (quoted[i] !== sent[i]) return false;
  return true;
}
