/**
 * ICMP extensions (RFC 4884) and MPLS label stacks (RFC 4950), read with
 * Linux traceroute's rules so that `-e` shows what it shows.
 *
 * An extension structure is a 4-byte header (version 2, a checksum over the
 * whole structure or zero) followed by objects: a 16-bit length counting the
 * 4-byte object header, a class, a c-type, then data in 32-bit words.
 *
 * @module
 */
import { sumWords } from "./checksum.ts";

/** One extension object. */
export interface IcmpExtensionObject {
  /** Class number (1: MPLS label stack). */
  classNumber: number;
  /** C-type (1 for an MPLS label stack). */
  cType: number;
  /** The data, as 32-bit words (network order). */
  words: number[];
}

/** One MPLS label stack entry (RFC 4950 §7, RFC 3032). */
export interface MplsEntry {
  /** Label (20 bits). */
  label: number;
  /** Experimental use / traffic class (3 bits). */
  exp: number;
  /** Bottom of stack. */
  bottom: boolean;
  /** TTL. */
  ttl: number;
}

const HEADER = 4;

/**
 * Decodes an extension structure occupying all of `bytes`, as Linux
 * traceroute's try_extension accepts it: version 2; checksum zero or valid;
 * every object at least 4 bytes, within the rest, its data a whole number
 * of words; the objects filling the rest exactly. Null otherwise.
 */
export function decodeExtensions(bytes: Uint8Array): IcmpExtensionObject[] | null {
  if (bytes.length < HEADER) return null;
  if (bytes[0]! >> 4 !== 2) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const checksum = view.getUint16(2);
  if (checksum !== 0 && sumWords(bytes) !== 0xffff) return null;
  const objects: IcmpExtensionObject[] = [];
  let at = HEADER;
  while (bytes.length - at >= HEADER) {
    const length = view.getUint16(at);
    if (length < HEADER || length > bytes.length - at) return null;
    if ((length - HEADER) % 4 !== 0) return null;
    const words: number[] = [];
    for (let w = at + HEADER; w < at + length; w += 4) words.push(view.getUint32(w));
    objects.push({ classNumber: bytes[at + 2]!, cType: bytes[at + 3]!, words });
    at += length;
  }
  return at === bytes.length ? objects : null;
}

/**
 * Finds the extension structure in an ICMP error's payload as Linux
 * traceroute's recv_reply does: `payload` is what the error queue returned
 * (the quoted datagram from the transport header on, plus what follows it),
 * `headerLength` is the probe's IP and transport header length. The
 * structure is looked for at offset 128 of the original datagram field;
 * when the payload is no longer than the probe's own data (`dataLength`),
 * also every `step` bytes (4 for IPv4, 8 for IPv6) after it.
 */
export function findExtensions(
  payload: Uint8Array,
  headerLength: number,
  dataLength: number,
  step: 4 | 8,
): IcmpExtensionObject[] | null {
  if (headerLength + payload.length < 128 + 8 || headerLength > 128) return null;
  const start = 128 - headerLength;
  if (payload.length > dataLength) return decodeExtensions(payload.subarray(start));
  for (let at = start; payload.length - at >= 8; at += step) {
    const found = decodeExtensions(payload.subarray(at));
    if (found) return found;
  }
  return null;
}

/** The MPLS label stack of an object (class 1, c-type 1), or null for other objects. */
export function mplsEntries(object: IcmpExtensionObject): MplsEntry[] | null {
  if (object.classNumber !== 1 || object.cType !== 1 || object.words.length === 0) return null;
  return object.words.map((w) => ({
    label: w >>> 12,
    exp: (w >>> 9) & 0x7,
    bottom: ((w >>> 8) & 0x1) === 1,
    ttl: w & 0xff,
  }));
}

/**
 * The text Linux traceroute prints between `<` and `>`: objects joined by
 * `;`, an MPLS stack as `MPLS:L=<label>,E=<exp>,S=<bottom>,T=<ttl>` (more
 * entries after `/`), others as `<class>/<ctype>:` and their words as
 * `%08x` joined by `,`.
 */
export function formatExtensions(objects: readonly IcmpExtensionObject[]): string {
  return objects.map((object) => {
    const mpls = mplsEntries(object);
    if (mpls) {
      return "MPLS:" +
        mpls.map((e) => `L=${e.label},E=${e.exp},S=${e.bottom ? 1 : 0},T=${e.ttl}`).join("/");
    }
    const words = object.words.map((w) => w.toString(16).padStart(8, "0")).join(",");
    return `${object.classNumber}/${object.cType}:${words}`;
  }).join(";");
}

/** Encodes an extension structure (for tests and responders), checksum filled in. */
export function encodeExtensions(objects: readonly IcmpExtensionObject[]): Uint8Array {
  const length = HEADER + objects.reduce((n, o) => n + HEADER + 4 * o.words.length, 0);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out[0] = 2 << 4;
  let at = HEADER;
  for (const object of objects) {
    view.setUint16(at, HEADER + 4 * object.words.length);
    out[at + 2] = object.classNumber;
    out[at + 3] = object.cType;
    object.words.forEach((w, i) => view.setUint32(at + HEADER + 4 * i, w >>> 0));
    at += HEADER + 4 * object.words.length;
  }
  view.setUint16(2, ~sumWords(out) & 0xffff);
  return out;
}
