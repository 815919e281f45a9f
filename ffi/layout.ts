/**
 * Codecs for the shim's fixed byte layouts (native/hopwise.h): hw_addr and
 * hw_meta. Little-endian host order; addresses in network order.
 *
 * @module
 */
import { addressBytes, type Family, formatAddress } from "../src/address.ts";
import type { Datagram, Endpoint, ErrorOrigin, ExtendedError } from "../src/transport.ts";
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

/** Reads a hw_addr at `offset`; null for family 0. */
export function decodeAddr(buf: Uint8Array, offset = 0): Endpoint | null {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, SIZE.addr);
  const family = view.getUint16(ADDR.family, true);
  if (family !== 4 && family !== 6) return null;
  const start = offset + ADDR.address;
  const address = formatAddress(buf.subarray(start, start + (family === 4 ? 4 : 16)));
  const endpoint: Endpoint = { address, port: view.getUint16(ADDR.port, true) };
  const flowInfo = view.getUint32(ADDR.flowInfo, true);
  if (family === 6 && flowInfo) endpoint.flowInfo = flowInfo;
  return endpoint;
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
  const view = new DataView(meta.buffer, meta.byteOffset, SIZE.meta);
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
