/**
 * The responder's settings and their vocabulary: modes, malformed and
 * hostile variants, MPLS labels and extension objects, and the defaults.
 *
 * @module
 */

/** What the answers carry. */
export type Mode = "mpls" | "objects" | "malformed" | "plain";

/**
 * The malformations of mode `malformed`. Unless said otherwise the layout is
 * the RFC 4884 one (probe padded to 128 bytes, length field set) and the one
 * object is the MPLS object of `--labels` (16 bytes of extension structure for
 * two labels):
 *
 * - `zero-length`: the object's length field is 0.
 * - `overlong`: the object's length field is 8 more than the bytes left.
 * - `unaligned`: the object's length field is 2 less than a whole number of
 *   words (10 for two labels) and the structure ends right there (its last
 *   2 data bytes are left out).
 * - `trailing`: 2 zero bytes after the object, so the objects do not fill
 *   the structure exactly.
 * - `bad-checksum`: the structure's checksum is wrong (not zero).
 * - `zero-checksum`: the structure's checksum is 0 (valid for Linux
 *   traceroute, which then accepts it).
 * - `bad-version`: version 1 in the high nibble (checksum valid).
 * - `empty`: an extension header alone (version 2, valid checksum), no object.
 * - `length-only`: the length field set and the probe padded to 128 bytes,
 *   but no extension at all.
 * - `no-length`: the probe padded to 128 bytes and the extension after it,
 *   but the length field 0 (pre-RFC 4884 routers did this).
 * - `compat`: the probe not padded to 128 bytes (truncated to `--quote` if
 *   given), zero-padded to a multiple of 4 (IPv4) or 8 (IPv6) bytes, the
 *   extension right after it, length field 0: the "non-compliant" layout that
 *   Linux traceroute searches for, every 4 / 8 bytes from offset 128, but only
 *   when what it got is no longer than its probe's data.
 */
export type MalformedVariant =
  | "zero-length"
  | "overlong"
  | "unaligned"
  | "trailing"
  | "bad-checksum"
  | "zero-checksum"
  | "bad-version"
  | "empty"
  | "length-only"
  | "no-length"
  | "compat";

/** Every {@linkcode MalformedVariant}. */
export const MALFORMED_VARIANTS: readonly MalformedVariant[] = [
  "zero-length",
  "overlong",
  "unaligned",
  "trailing",
  "bad-checksum",
  "zero-checksum",
  "bad-version",
  "empty",
  "length-only",
  "no-length",
  "compat",
];

/**
 * The hostile packets sent before each genuine answer with `--hostile`, each
 * one a full ICMP message quoting the probe as the kernel would (all of it up
 * to 576 / 1280 bytes in all) unless said otherwise. "Spoofed" packets come
 * from the probe's destination (the target), not from this router, and are
 * sent only for the probes they fit (ICMP echo requests, TCP segments).
 *
 * - `truncated`: a time-exceeded quoting the probe's IP header and 4 bytes of
 *   what follows (less than the 8 bytes RFC 792 asks for); one quoting only
 *   20 bytes (IPv4: the IP header alone; IPv6: half of it).
 * - `bad-checksum`: a time-exceeded whose ICMP checksum is wrong (IPv6: sent
 *   whole on the IPPROTO_RAW socket, from this router's address).
 * - `altered-quote`: time-exceeded messages quoting the probe with one field
 *   changed each (high bit flipped): UDP source port, UDP destination port;
 *   TCP source port, destination port, sequence number; ICMP echo identifier,
 *   sequence number.
 * - `altered-payload`: a time-exceeded quoting the probe with its last byte
 *   flipped (UDP and ICMP: a payload byte; TCP: the last option byte).
 * - `bad-ip-header` (IPv4 only): the quoted IP header's version/IHL byte set
 *   to 0x6F (version 6, 60-byte header): once quoting just the probe, once
 *   zero-padded to 128 bytes so that the kernel has the 60 + 8 bytes it reads.
 * - `unknown-type`: ICMP type 99 code 0 quoting the probe (unassigned in both
 *   families; for ICMPv6 it is in the error range, below 128).
 * - `garbage`: a 68-byte time-exceeded whose 60 bytes after the header are
 *   random; a 1400-byte one quoting the probe's IP header and 8 transport
 *   bytes, then random bytes; a 1400-byte one random after the header.
 * - `spoofed-echo-reply` (ICMP echo probes): echo replies from the target
 *   carrying the probe's payload: (a) the probe's identifier and sequence
 *   with a wrong checksum; (b) the next three sequence numbers, correct
 *   checksum; (c) another identifier (high bit flipped); then (d) a 4-byte
 *   echo reply and (e) an echo request with the probe's identifier and
 *   sequence, both with correct checksums.
 * - `spoofed-tcp-reply` (TCP probes): SYN-ACKs from the target, correct
 *   checksums: (a) acknowledging the probe's sequence + 2 instead of + 1;
 *   (b) acknowledging it right, but to another port (high bit flipped);
 *   (c) acknowledging it right, from another port (high bit flipped).
 * - `spoofed-tcp-checksum` (TCP probes): the SYN-ACK the target would send
 *   (to the probe's port, acknowledging its sequence + 1) with a wrong
 *   TCP checksum.
 * - `ignored-types` (IPv4 only): a redirect (type 5 code 1, gateway 0.0.0.0,
 *   which no host takes as a route) and a source quench (type 4), both
 *   quoting the probe.
 * - `duplicates`: two more copies of the genuine answer (three in all with
 *   it).
 */
export type HostileVariant =
  | "truncated"
  | "bad-checksum"
  | "altered-quote"
  | "altered-payload"
  | "bad-ip-header"
  | "unknown-type"
  | "garbage"
  | "spoofed-echo-reply"
  | "spoofed-tcp-reply"
  | "spoofed-tcp-checksum"
  | "ignored-types"
  | "duplicates";

/** Every {@linkcode HostileVariant}. */
export const HOSTILE_VARIANTS: readonly HostileVariant[] = [
  "truncated",
  "bad-checksum",
  "altered-quote",
  "altered-payload",
  "bad-ip-header",
  "unknown-type",
  "garbage",
  "spoofed-echo-reply",
  "spoofed-tcp-reply",
  "spoofed-tcp-checksum",
  "ignored-types",
  "duplicates",
];

/** One MPLS label stack entry (RFC 3032 / RFC 4950). */
export interface MplsLabel {
  /** The label, 20 bits. */
  label: number;
  /** Experimental use / traffic class, 3 bits. */
  exp: number;
  /** Bottom of stack, 0 or 1. */
  s: number;
  /** TTL, 8 bits. */
  ttl: number;
}

/** One extension object as given on the command line. */
export interface ObjectSpec {
  /** Class number, 0..255. */
  class: number;
  /** C-type, 0..255. */
  ctype: number;
  /** The object's data, in hex (any number of bytes). */
  data: string;
  /** The object's length field, when it must not be 4 + the data's length. */
  length?: number;
}

/** The responder's settings. */
export interface ResponderConfig {
  /** What the answers carry. */
  mode: Mode;
  /** The MPLS label stack (modes `mpls` and `malformed`). */
  labels: MplsLabel[];
  /** The objects (mode `objects`). */
  objects: ObjectSpec[];
  /** The malformation (mode `malformed`). */
  variant: MalformedVariant;
  /** The original datagram field's length, or its cap for `compat`; null for the default. */
  quote: number | null;
  /** Hostile packets to send before each answer, or null for none. */
  hostile: HostileVariant | null;
  /** Whether to send the genuine answer (after the hostile packets). */
  genuine: boolean;
  /** SO_MARK of the answers; the netfilter rules let through only this mark. */
  mark: number;
  /** Whether to drop the kernel's own time-exceeded answers while running. */
  netfilter: boolean;
  /** One line per answered probe on standard error. */
  verbose: boolean;
}

/** The default label stack: two labels, as a router in the middle of an LSP would show. */
export const DEFAULT_LABELS: readonly MplsLabel[] = [
  { label: 16001, exp: 0, s: 0, ttl: 1 },
  { label: 24002, exp: 5, s: 1, ttl: 1 },
];

/**
 * The default objects of mode `objects`: a one-label MPLS object and a
 * class 2 (RFC 5837 interface information) c-type 3 object of two words.
 */
export const DEFAULT_OBJECTS: readonly ObjectSpec[] = [
  { class: 1, ctype: 1, data: "03e81101" },
  { class: 2, ctype: 3, data: "00000007c6120202" },
];

/** The mark of the answers unless `--mark` says otherwise. */
export const DEFAULT_MARK = 0x4850;
