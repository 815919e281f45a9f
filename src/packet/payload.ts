/**
 * The bytes probes carry.
 *
 * @module
 */

/** The payload Linux traceroute sends: byte i is 0x40 + (i & 0x3f). */
export function probePayload(length: number, from = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = from; i < length; i++) out[i] = 0x40 + (i & 0x3f);
  return out;
}

/** A random 32-bit number (sequence numbers, timestamps). */
export function random32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}
