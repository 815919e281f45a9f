/**
 * RFC 4884 extension structures and their objects (RFC 4950 MPLS label
 * stacks among them), valid or deliberately malformed.
 *
 * @module
 */

import { internetChecksum } from "../../src/packet/checksum.ts";
import type { MplsLabel } from "./config.ts";

/** Bytes of a hex string (whitespace ignored); throws when it is not whole bytes of hex. */
export function hexBytes(hex: string): Uint8Array {
  const text = hex.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
    throw new Error(`icmp_responder: not whole bytes of hex: ${JSON.stringify(hex)}`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** One MPLS label stack entry as its 32-bit word. */
export function mplsWord(entry: MplsLabel): number {
  return ((entry.label << 12) | (entry.exp << 9) | (entry.s << 8) | entry.ttl) >>> 0;
}

/** An extension object ready to encode: header fields and data bytes. */
export interface RawObject {
  /** Class number. */
  classNumber: number;
  /** C-type. */
  cType: number;
  /** Data bytes. */
  data: Uint8Array;
  /** The length field, when not 4 + `data.length`. */
  length?: number;
}

/** The MPLS label stack object (class 1, c-type 1) of `labels`. */
export function mplsObject(labels: readonly MplsLabel[]): RawObject {
  const data = new Uint8Array(4 * labels.length);
  const view = new DataView(data.buffer);
  labels.forEach((entry, i) => view.setUint32(4 * i, mplsWord(entry)));
  return { classNumber: 1, cType: 1, data };
}

/** Options for {@linkcode extensionStructure}. */
export interface StructureOptions {
  /** Version nibble (2 unless malformed). */
  version?: number;
  /** `valid` (default), `zero`, or `wrong` (some non-zero value that is not the right one). */
  checksum?: "valid" | "zero" | "wrong";
  /** Bytes appended after the objects. */
  trailing?: number;
}

/**
 * An RFC 4884 extension structure: the 4-byte header (version, reserved,
 * checksum over the whole structure), then every object as 16-bit length,
 * class, c-type, data.
 */
export function extensionStructure(
  objects: readonly RawObject[],
  options: StructureOptions = {},
): Uint8Array {
  const size = 4 + objects.reduce((n, o) => n + 4 + o.data.length, 0) + (options.trailing ?? 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = ((options.version ?? 2) & 0xf) << 4;
  let at = 4;
  for (const object of objects) {
    view.setUint16(at, object.length ?? 4 + object.data.length);
    out[at + 2] = object.classNumber;
    out[at + 3] = object.cType;
    out.set(object.data, at + 4);
    at += 4 + object.data.length;
  }
  const valid = internetChecksum(out);
  const checksum = options.checksum ?? "valid";
  view.setUint16(
    2,
    checksum === "zero" ? 0 : checksum === "valid" ? valid : (valid ^ 0x5a5a) || 0x0001,
  );
  return out;
}
