/**
 * The genuine answer: the time-exceeded message for an expired probe, in the
 * layout of the configured mode (plain, RFC 4884 with extensions, or one of
 * the malformed variants).
 *
 * @module
 */

import { internetChecksum } from "../../src/packet/checksum.ts";
import type { ResponderConfig } from "./config.ts";
import { extensionStructure, hexBytes, mplsObject } from "./extension.ts";

/** Most an IPv4 / IPv6 error may quote, as the kernel does (576 / 1280 bytes in all). */
export const PLAIN_QUOTE: Readonly<Record<4 | 6, number>> = { 4: 576 - 20 - 8, 6: 1280 - 40 - 8 };

/** The layout of one answer: what follows the 8-byte ICMP header. */
interface Layout {
  /** Length of the original datagram field (the probe zero-padded or truncated to it). */
  quote: number;
  /** Value of the length field (in the family's words). */
  lengthField: number;
  /** Extension structure after the original datagram field, if any. */
  extension: Uint8Array | null;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function malformedExtension(config: ResponderConfig): Uint8Array | null {
  const mpls = mplsObject(config.labels);
  switch (config.variant) {
    case "zero-length":
      return extensionStructure([{ ...mpls, length: 0 }]);
    case "overlong":
      return extensionStructure([{ ...mpls, length: 4 + mpls.data.length + 8 }]);
    case "unaligned":
      return extensionStructure([{
        ...mpls,
        data: mpls.data.subarray(0, mpls.data.length - 2),
      }]);
    case "trailing":
      return extensionStructure([mpls], { trailing: 2 });
    case "bad-checksum":
      return extensionStructure([mpls], { checksum: "wrong" });
    case "zero-checksum":
      return extensionStructure([mpls], { checksum: "zero" });
    case "bad-version":
      return extensionStructure([mpls], { version: 1 });
    case "empty":
      return extensionStructure([]);
    case "length-only":
      return null;
    case "no-length":
    case "compat":
      return extensionStructure([mpls]);
  }
}

function layout(family: 4 | 6, probeLength: number, config: ResponderConfig): Layout {
  const word = family === 4 ? 4 : 8;
  const limit = PLAIN_QUOTE[family];
  if (config.mode === "plain") {
    return { quote: Math.min(probeLength, limit), lengthField: 0, extension: null };
  }
  let extension: Uint8Array | null;
  if (config.mode === "mpls") extension = extensionStructure([mplsObject(config.labels)]);
  else if (config.mode === "objects") {
    extension = extensionStructure(config.objects.map((o) => ({
      classNumber: o.class,
      cType: o.ctype,
      data: hexBytes(o.data),
      ...(o.length !== undefined ? { length: o.length } : {}),
    })));
  } else extension = malformedExtension(config);
  const room = limit - (extension?.length ?? 0);
  if (config.mode === "malformed" && config.variant === "compat") {
    const quote = roundUp(Math.min(probeLength, config.quote ?? probeLength), word);
    return { quote: Math.min(quote, Math.floor(room / word) * word), lengthField: 0, extension };
  }
  // The length field is one byte: at most 255 words.
  const most = Math.min(255 * word, Math.floor(room / word) * word);
  const quote = Math.min(roundUp(config.quote ?? 128, word), most);
  const lengthField = config.mode === "malformed" && config.variant === "no-length"
    ? 0
    : quote / word;
  return { quote, lengthField, extension };
}

/**
 * The ICMP message answering `probe` (the expired packet from its IP header
 * on): IPv4 time exceeded (type 11) with its checksum, or ICMPv6 time
 * exceeded (type 3) with checksum 0 for the kernel to fill in.
 */
export function timeExceeded(
  family: 4 | 6,
  probe: Uint8Array,
  config: ResponderConfig,
): Uint8Array {
  const { quote, lengthField, extension } = layout(family, probe.length, config);
  const out = new Uint8Array(8 + quote + (extension?.length ?? 0));
  out[0] = family === 4 ? 11 : 3;
  out[family === 4 ? 5 : 4] = lengthField;
  out.set(probe.subarray(0, quote), 8);
  if (extension) out.set(extension, 8 + quote);
  if (family === 4) new DataView(out.buffer).setUint16(2, internetChecksum(out));
  return out;
}
