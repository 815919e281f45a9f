/**
 * Codecs for the shim's fixed byte layouts (native/hopwise.h): hw_addr and
 * hw_meta. Little-endian host order; addresses in network order.
 *
 * @module
 */
import { addressBytes, type Family, formatAddress } from "../src/packet/address.ts";
import type { Datagram, Endpoint, ErrorOrigin, ExtendedError } from "../src/core/transport.ts";
import { META, SIZE } from "./symbols.ts";

const ADDR = { family: 0, port: 2, flowInfo: 4, scopeId: 8, address: 12 } as const;
const M = {
  receivedAt: 0,
  flags: 8,
  ttl: 12,
  tos: 16,
  from: 24,
  eeErrno: 56,
  eeOrigin: 60,
  eeType: 61,
  eeCode: 62,
  eeInfo: 64,
  offender: 72,
} as const;

/** Writes an endpoint into a hw_addr at `offset` of `out` (a new buffer by default). */
export function encodeAddr(
  endpoint: Endpoint,
  out = new Uint8Array(SIZE.addr),
  offset = 0,
): Uint8Array {
  const bytes = addressBytes(endpoint.address);
  const view = new DataView(out.buffer, out.byteOffset + offset, SIZE.addr);
  out.fill(0, offset, offset + SIZE.addr);
  view.setUint16(ADDR.family, bytes.length === 4 ? 4 : 6, true);
  view.setUint16(ADDR.port, endpoint.port, true);
  view.setUint32(ADDR.flowInfo, endpoint.flowInfo ?? 0, true);
  out.set(bytes, offset + ADDR.address);
  return out;
}

/** Encodes the wildcard address of a family with a port. */
export function encodeAny(family: Family, port: number): Uint8Array {
  return encodeAddr({ address: family === 4 ? "0.0.0.0" : "::", port });
}

/** The text of IPv4 addresses read lately, by their 32-bit value (a reply's sender repeats). */
const IPV4_TEXT = new Map<number, string>();
/** Addresses the cache holds before it starts again. */
const IPV4_TEXT_SIZE = 8192;

/** The text of the IPv4 address in `buf` at `start`, from the cache when it was seen lately. */
function ipv4Text(buf: Uint8Array, start: number): string {
  const value = ((buf[start]! << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) |
    buf[start + 3]!) >>> 0;
  let text = IPV4_TEXT.get(value);
  if (text === undefined) {
    if (IPV4_TEXT.size >= IPV4_TEXT_SIZE) IPV4_TEXT.clear();
    text = formatAddress(buf.subarray(start, start + 4));
    IPV4_TEXT.set(value, text);
  }
  return text;
}

/** A little-endian 16-bit value of `buf` at `at`. */
function u16(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8);
}

/** Reads a hw_addr at `offset`; null for family 0. Reads the bytes (no view: one per reply). */
export function decodeAddr(buf: Uint8Array, offset = 0): Endpoint | null {
  const family = u16(buf, offset + ADDR.family);
  if (family !== 4 && family !== 6) return null;
  const start = offset + ADDR.address;
  const port = u16(buf, offset + ADDR.port);
  if (family === 4) return { address: ipv4Text(buf, start), port };
  const endpoint: Endpoint = { address: formatAddress(buf.subarray(start, start + 16)), port };
  const at = offset + ADDR.flowInfo;
  const flowInfo = (u16(buf, at) | (u16(buf, at + 2) << 16)) >>> 0;
  if (flowInfo) endpoint.flowInfo = flowInfo;
  return endpoint;
}

/** The view of the last meta buffer decoded: the socket reads into one buffer, again and again. */
let metaView: DataView | null = null;

function viewOf(meta: Uint8Array): DataView {
  if (
    metaView === null || metaView.buffer !== meta.buffer ||
    metaView.byteOffset !== meta.byteOffset
  ) {
    metaView = new DataView(meta.buffer, meta.byteOffset, SIZE.meta);
  }
  return metaView;
}

const ORIGINS: readonly ErrorOrigin[] = ["none", "local", "icmp", "icmp6"];

/** Names and describes errno values. */
export interface ErrnoText {
  /** The errno name (`"EPERM"`). */
  name(errno: number): string;
  /** strerror(3) of it. */
  description(errno: number): string;
}

/** Builds a Datagram from a hw_meta and the bytes read. */
export function decodeMeta(meta: Uint8Array, data: Uint8Array, errnoText: ErrnoText): Datagram {
  const view = viewOf(meta);
  const flags = view.getUint32(M.flags, true);
  let error: ExtendedError | null = null;
  if (flags & META.exterr) {
    const origin = meta[M.eeOrigin]!;
    const errno = view.getUint32(M.eeErrno, true);
    error = {
      errno: errnoText.name(errno),
      description: errnoText.description(errno),
      origin: ORIGINS[origin] ?? "other",
      type: meta[M.eeType]!,
      code: meta[M.eeCode]!,
      info: view.getUint32(M.eeInfo, true),
      offender: flags & META.offender ? decodeAddr(meta, M.offender)?.address ?? null : null,
    };
  }
  return {
    data,
    from: flags & META.from ? decodeAddr(meta, M.from) : null,
    receivedAt: flags & META.timestamp ? view.getFloat64(M.receivedAt, true) : null,
    ttl: flags & META.ttl ? view.getInt32(M.ttl, true) : null,
    error,
    truncated: (flags & META.trunc) !== 0,
  };
}
