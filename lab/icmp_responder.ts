/**
 * A lab router's time-exceeded answers, crafted: run inside a router node of
 * a lab (lab/lab.ts), it answers every probe that expires at that router with
 * an ICMP time-exceeded (IPv4 type 11 code 0, ICMPv6 type 3 code 0) built
 * here, carrying RFC 4884 extensions (an RFC 4950 MPLS label stack, arbitrary
 * objects, or deliberately malformed extension data), in place of the
 * kernel's own answer.
 *
 * ```text
 * deno run --allow-ffi --allow-sys --allow-run lab/icmp_responder.ts \
 *   [--mode mpls|objects|malformed|plain] [--labels JSON] [--objects JSON]
 *   [--variant NAME] [--quote BYTES] [--hostile NAME] [--no-genuine]
 *   [--mark N] [--no-netfilter] [--verbose]
 * ```
 *
 * - `--labels '[{"label":16001,"exp":0,"s":0,"ttl":1}, ...]'`: the MPLS label
 *   stack (mode `mpls`, and the object the `malformed` variants mangle);
 *   {@linkcode DEFAULT_LABELS} by default.
 * - `--objects '[{"class":1,"ctype":1,"data":"03e81101"}, ...]'`: the objects
 *   of mode `objects`, data in hex; an optional `"length"` overrides the
 *   object's length field (otherwise 4 + the data's length);
 *   {@linkcode DEFAULT_OBJECTS} by default.
 * - `--variant`: which malformation (mode `malformed`); see
 *   {@linkcode MalformedVariant}.
 * - `--quote BYTES`: length of the "original datagram" field. With the RFC
 *   4884 layout it must be at least 128 (default 128) and is rounded up to a
 *   multiple of 4 (IPv4) or 8 (IPv6); the length field says it in words
 *   (so at most 1020 bytes for IPv4; the whole message stays within 576 /
 *   1280 bytes with its IP header).
 *   For the `compat` variant it caps the quoted datagram instead. Unused by
 *   `plain`.
 * - `--hostile NAME`: before each answer, send the hostile packets of
 *   {@linkcode HostileVariant} `NAME` (see "Hostile packets" below).
 * - `--no-genuine`: send no genuine answer (only the hostile packets, if any).
 * - `--mark N`: the SO_MARK of the answers (default 0x4850).
 * - `--no-netfilter`: leave the kernel's own time-exceeded answers alone
 *   (by default they are dropped; see below).
 * - `--verbose`: one line per answered probe on standard error.
 *
 * It prints `ready` on standard output once its sockets are open and the
 * netfilter rules are in place. It refuses to run outside a named network
 * namespace (one `ip netns identify` names, as the lab's are), so never in
 * the machine's own: exit status 2, as for bad arguments.
 *
 * ## How
 *
 * - Capture: one `AF_PACKET`/`SOCK_DGRAM`/`ETH_P_ALL` socket (libc through
 *   Deno FFI). A packet is a probe to answer when it came in addressed to this
 *   host's link address (`sll_pkttype` PACKET_HOST; outgoing copies and link
 *   broadcasts are skipped), its TTL / hop limit is 1 or 0 (what the kernel
 *   expires on forwarding), its source is inside the lab ranges 198.18.0.0/15
 *   or 2001:db8::/32, its destination is neither one of the router's own
 *   addresses (from `Deno.networkInterfaces()`, read at most a second before),
 *   multicast, nor (IPv6) link-local, and it is neither a non-first IPv4
 *   fragment nor an ICMP error, for which the kernel sends no error either.
 * - Answer: a raw `IPPROTO_ICMP` / `IPPROTO_ICMPV6` socket sends the message
 *   to the probe's source; the kernel adds the IP header with the address
 *   routing picks (the router's interface facing the source, as for its own
 *   answers), TTL / hop limit as for its own answers. IPv4: checksum computed
 *   here, TOS as the kernel's (precedence 6 | the probe's TOS bits), DF
 *   clear. IPv6: the kernel computes the checksum (it always does on
 *   `IPPROTO_ICMPV6` raw sockets). Both sockets carry SO_MARK `--mark` and an
 *   ICMP filter blocking every type, so they never queue what they receive.
 * - The kernel still expires the probe and sends its own answer; the
 *   responder inserts, at start, rules dropping every time-exceeded whose
 *   mark is not `--mark` in OUTPUT:
 *   `iptables -I OUTPUT 1 -p icmp -m mark ! --mark 0x4850 -m icmp --icmp-type
 *   time-exceeded -m comment --comment hopwise-icmp-responder -j DROP` and the
 *   `ip6tables` one for `icmp6 --icmpv6-type time-exceeded`, and deletes them
 *   on SIGINT / SIGTERM (a SIGKILL leaves them, and the namespace's deletion
 *   takes them away).
 *
 * ## What it sends (ICMP message, after the IP header the kernel adds)
 *
 * - `plain`: the 8-byte header (length field 0), then the probe from its IP
 *   header on, as much as the kernel quotes: up to 548 bytes (576 in all with
 *   a 20-byte IP header) for IPv4, 1232 (1280 in all) for IPv6.
 * - `mpls` / `objects` (RFC 4884 layout): header with the length field set
 *   (IPv4: byte 5, 32-bit words; IPv6: byte 4, 64-bit words: 32 / 16 for the
 *   default 128 bytes), the probe zero-padded or truncated to `--quote`
 *   (128), then the extension structure: version 2 in the high nibble of
 *   byte 0, a reserved byte, the Internet checksum of the whole structure;
 *   then each object: 16-bit length (counting its 4-byte header), class,
 *   c-type, data. An MPLS object is class 1, c-type 1, one 32-bit entry per
 *   label: `label << 12 | exp << 9 | s << 8 | ttl`.
 * - `malformed`: see {@linkcode MalformedVariant}.
 *
 * Nothing limits how fast it answers, as the lab lifts the kernel's ICMP rate
 * limits too.
 *
 * ## Hostile packets
 *
 * With `--hostile`, every probe expiring here is first answered with the
 * packets {@linkcode hostilePackets} builds for the variant, then (unless
 * `--no-genuine`) with the genuine answer above, in that order on the wire.
 * ICMP messages from this router go out on the same raw sockets as the
 * genuine answers (IPv4: checksum computed here, so it can be wrong on
 * purpose; IPv6: the kernel computes it). Whole IP packets (a spoofed
 * source, or an ICMPv6 checksum that must stay wrong) go out on
 * `IPPROTO_RAW` sockets (IP_HDRINCL; IPv6 `IPPROTO_RAW` implies it): source
 * and everything else as built here, except that the kernel fills in the
 * IPv4 header checksum, identification and total length. They carry the same
 * mark. A packet spoofed from the target needs no change to reverse-path
 * filtering: the target lies beyond this router, so every node on the way
 * back (and the source) routes the spoofed source through the interface the
 * packet came in on, and lab namespaces start with `rp_filter` 0 anyway.
 *
 * @module
 */

import { formatAddress } from "../src/address.ts";
import {
  finishChecksum,
  internetChecksum,
  pseudoHeaderSum,
  sumWords,
} from "../src/packet/checksum.ts";

// ---------------------------------------------------------------------------
// Configuration

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

const MODES: readonly Mode[] = ["mpls", "objects", "malformed", "plain"];

function fail(message: string): never {
  throw new Error(`icmp_responder: ${message}`);
}

function integer(value: unknown, what: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    fail(`${what} must be an integer 0..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function parseLabels(json: string): MplsLabel[] {
  const list: unknown = JSON.parse(json);
  if (!Array.isArray(list) || list.length === 0) fail("--labels must be a non-empty JSON array");
  return list.map((item: unknown, i) => {
    const r = record(item, `--labels[${i}]`);
    return {
      label: integer(r.label, `--labels[${i}].label`, 0xfffff),
      exp: integer(r.exp ?? 0, `--labels[${i}].exp`, 7),
      s: integer(r.s ?? (i === list.length - 1 ? 1 : 0), `--labels[${i}].s`, 1),
      ttl: integer(r.ttl ?? 1, `--labels[${i}].ttl`, 255),
    };
  });
}

function parseObjects(json: string): ObjectSpec[] {
  const list: unknown = JSON.parse(json);
  if (!Array.isArray(list)) fail("--objects must be a JSON array");
  return list.map((item: unknown, i) => {
    const r = record(item, `--objects[${i}]`);
    if (typeof r.data !== "string") fail(`--objects[${i}].data must be a hex string`);
    hexBytes(r.data);
    const spec: ObjectSpec = {
      class: integer(r.class, `--objects[${i}].class`, 255),
      ctype: integer(r.ctype, `--objects[${i}].ctype`, 255),
      data: r.data,
    };
    if (r.length !== undefined) spec.length = integer(r.length, `--objects[${i}].length`, 0xffff);
    return spec;
  });
}

/** The responder's settings from its command-line arguments; throws on bad ones. */
export function parseArgs(args: readonly string[]): ResponderConfig {
  const config: ResponderConfig = {
    mode: "mpls",
    labels: [...DEFAULT_LABELS],
    objects: [...DEFAULT_OBJECTS],
    variant: "zero-length",
    quote: null,
    hostile: null,
    genuine: true,
    mark: DEFAULT_MARK,
    netfilter: true,
    verbose: false,
  };
  let variantGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0 && arg.startsWith("--")) return arg.slice(eq + 1);
      const next = args[++i];
      if (next === undefined) fail(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case "--mode": {
        const mode = value();
        if (!MODES.includes(mode as Mode)) fail(`--mode must be one of ${MODES.join(", ")}`);
        config.mode = mode as Mode;
        break;
      }
      case "--labels":
        config.labels = parseLabels(value());
        break;
      case "--objects":
        config.objects = parseObjects(value());
        break;
      case "--variant": {
        const variant = value();
        if (!MALFORMED_VARIANTS.includes(variant as MalformedVariant)) {
          fail(`--variant must be one of ${MALFORMED_VARIANTS.join(", ")}`);
        }
        config.variant = variant as MalformedVariant;
        variantGiven = true;
        break;
      }
      case "--quote":
        config.quote = integer(Number(value()), "--quote", 1232);
        break;
      case "--hostile": {
        const hostile = value();
        if (!HOSTILE_VARIANTS.includes(hostile as HostileVariant)) {
          fail(`--hostile must be one of ${HOSTILE_VARIANTS.join(", ")}`);
        }
        config.hostile = hostile as HostileVariant;
        break;
      }
      case "--no-genuine":
        config.genuine = false;
        break;
      case "--mark":
        config.mark = integer(Number(value()), "--mark", 0xffff_ffff);
        break;
      case "--no-netfilter":
        config.netfilter = false;
        break;
      case "--verbose":
        config.verbose = true;
        break;
      default:
        fail(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (config.mode === "malformed" && !variantGiven) fail("--mode malformed needs --variant");
  const rfc4884 = config.mode !== "plain" &&
    !(config.mode === "malformed" && config.variant === "compat");
  if (rfc4884 && config.quote !== null && config.quote < 128) {
    fail("--quote must be at least 128 with the RFC 4884 layout");
  }
  return config;
}

/** Options for {@linkcode responderArgs}; everything left out takes its default. */
export interface ResponderOptions {
  /** What the answers carry (default `mpls`). */
  mode?: Mode;
  /** The MPLS label stack. */
  labels?: readonly MplsLabel[];
  /** The objects of mode `objects`. */
  objects?: readonly ObjectSpec[];
  /** The malformation of mode `malformed`. */
  variant?: MalformedVariant;
  /** See `--quote`. */
  quote?: number;
  /** Hostile packets sent before each answer. */
  hostile?: HostileVariant;
  /** False: send no genuine answer, only the hostile packets. */
  genuine?: boolean;
  /** SO_MARK of the answers. */
  mark?: number;
  /** False: leave the kernel's answers alone. */
  netfilter?: boolean;
  /** One line per answered probe on standard error. */
  verbose?: boolean;
}

/** The command-line arguments that make the responder use `options`. */
export function responderArgs(options: ResponderOptions = {}): string[] {
  const args: string[] = [];
  if (options.mode !== undefined) args.push("--mode", options.mode);
  if (options.labels !== undefined) args.push("--labels", JSON.stringify(options.labels));
  if (options.objects !== undefined) args.push("--objects", JSON.stringify(options.objects));
  if (options.variant !== undefined) args.push("--variant", options.variant);
  if (options.quote !== undefined) args.push("--quote", String(options.quote));
  if (options.hostile !== undefined) args.push("--hostile", options.hostile);
  if (options.genuine === false) args.push("--no-genuine");
  if (options.mark !== undefined) args.push("--mark", String(options.mark));
  if (options.netfilter === false) args.push("--no-netfilter");
  if (options.verbose) args.push("--verbose");
  return args;
}

// ---------------------------------------------------------------------------
// Building the answers

/** Bytes of a hex string (whitespace ignored); throws when it is not whole bytes of hex. */
export function hexBytes(hex: string): Uint8Array {
  const text = hex.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) fail(`not whole bytes of hex: ${JSON.stringify(hex)}`);
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

// ---------------------------------------------------------------------------
// Telling probes from other packets

/** A packet the router would expire: who to answer and what to quote. */
export interface Expired {
  /** IP version. */
  family: 4 | 6;
  /** The probe's source address (4 or 16 bytes): where the answer goes. */
  source: Uint8Array;
  /** The probe's destination address. */
  destination: Uint8Array;
  /** The probe from its IP header on, trimmed to its IP length. */
  packet: Uint8Array;
  /** Its upper-layer protocol (IPv6: the first next header). */
  protocol: number;
  /** Its TOS / traffic class byte. */
  tos: number;
}

/** ICMPv4 types about which the kernel sends no error: errors and unknown types. */
const ICMP4_NO_ERROR = new Set([3, 4, 5, 11, 12]);

function isLabSource(family: 4 | 6, address: Uint8Array): boolean {
  if (family === 4) return address[0] === 198 && (address[1]! & 0xfe) === 18;
  return address[0] === 0x20 && address[1] === 0x01 && address[2] === 0x0d && address[3] === 0xb8;
}

/**
 * Whether `packet` (from its IP header on, as an AF_PACKET SOCK_DGRAM socket
 * reads it) is one the router expires rather than forwards or takes in, and
 * that it would answer; `isLocal` says whether an address is the router's own.
 * Null when it is not.
 */
export function expired(
  packet: Uint8Array,
  isLocal: (address: Uint8Array) => boolean,
): Expired | null {
  const version = (packet[0] ?? 0) >> 4;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (version === 4) {
    const headerLength = (packet[0]! & 0xf) * 4;
    if (packet.length < 20 || headerLength < 20 || packet.length < headerLength) return null;
    const total = view.getUint16(2);
    if (total < headerLength || total > packet.length) return null;
    if (packet[8]! > 1) return null;
    if ((view.getUint16(6) & 0x1fff) !== 0) return null; // not the first fragment
    const source = packet.slice(12, 16);
    const destination = packet.slice(16, 20);
    if (!isLabSource(4, source) || destination[0]! >= 224 || isLocal(destination)) return null;
    const protocol = packet[9]!;
    if (protocol === 1) {
      const type = packet[headerLength];
      if (type === undefined || ICMP4_NO_ERROR.has(type) || type > 18) return null;
    }
    return {
      family: 4,
      source,
      destination,
      packet: packet.slice(0, total),
      protocol,
      tos: packet[1]!,
    };
  }
  if (version === 6) {
    if (packet.length < 40) return null;
    const total = 40 + view.getUint16(4);
    if (total > packet.length) return null;
    if (packet[7]! > 1) return null;
    const source = packet.slice(8, 24);
    const destination = packet.slice(24, 40);
    if (!isLabSource(6, source) || destination[0] === 0xff) return null;
    if (destination[0] === 0xfe && (destination[1]! & 0xc0) === 0x80) return null;
    if (isLocal(destination)) return null;
    const protocol = packet[6]!;
    if (protocol === 58 && (packet[40] ?? 0) < 128) return null; // an ICMPv6 error
    return {
      family: 6,
      source,
      destination,
      packet: packet.slice(0, total),
      protocol,
      tos: (view.getUint16(0) >> 4) & 0xff,
    };
  }
  return null;
}

// ---------------------------------------------------------------------------
// Hostile packets

/**
 * One hostile packet: an ICMP message this router sends on its raw ICMP
 * socket (the kernel adds the IP header), or a whole IP packet for the
 * IPPROTO_RAW socket.
 */
export type HostilePacket =
  | {
    /** An ICMP / ICMPv6 message. */
    kind: "icmp";
    /** What it is, for the log. */
    label: string;
    /** The message (IPv6: checksum 0, the kernel fills it in). */
    message: Uint8Array;
  }
  | {
    /** A whole IP packet, header included. */
    kind: "ip";
    /** What it is, for the log. */
    label: string;
    /** The packet. */
    packet: Uint8Array;
  };

/** Length of the hostile 1400-byte ICMP messages of `garbage`. */
export const OVERSIZED = 1400;

const IP_ICMP = 1;
const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMPV6 = 58;

/** The probe's transport header offset and protocol, or null (IPv6 extension headers). */
function transport(probe: Expired): { offset: number; protocol: number } | null {
  if (probe.family === 4) return { offset: (probe.packet[0]! & 0xf) * 4, protocol: probe.protocol };
  return [IP_TCP, IP_UDP, IP_ICMPV6].includes(probe.protocol)
    ? { offset: 40, protocol: probe.protocol }
    : null;
}

/** Whether the probe is an ICMP echo request. */
function isEchoRequest(probe: Expired): boolean {
  const t = transport(probe);
  if (!t || t.offset + 8 > probe.packet.length) return false;
  const type = probe.packet[t.offset];
  return probe.family === 4 ? t.protocol === IP_ICMP && type === 8 : t.protocol === IP_ICMPV6 &&
    type === 128;
}

/**
 * An ICMP message: type, code, the 4-byte rest of the header, `body`. IPv4:
 * with its checksum (wrong when `badChecksum`); IPv6: checksum 0.
 */
function icmpMessage(
  family: 4 | 6,
  type: number,
  code: number,
  rest: Uint8Array,
  body: Uint8Array,
  badChecksum = false,
): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  out[0] = type;
  out[1] = code;
  out.set(rest.subarray(0, 4), 4);
  out.set(body, 8);
  if (family === 4) setChecksum(out, 2, internetChecksum(out), badChecksum);
  return out;
}

/** Writes `valid` at `offset`, or a wrong value (never 0 or 0xffff) when `bad`. */
function setChecksum(bytes: Uint8Array, offset: number, valid: number, bad: boolean): void {
  let value = valid;
  if (bad) {
    value = valid ^ 0x5a5a;
    if (value === 0 || value === 0xffff) value = valid ^ 0x1111;
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint16(offset, value);
}

/** The checksum of a transport message (TCP, ICMPv6) with its pseudo-header. */
function pseudoChecksum(
  message: Uint8Array,
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
): number {
  return finishChecksum(
    sumWords(message, pseudoHeaderSum(source, destination, protocol, message.length)),
  );
}

/** A whole IP packet around `payload` (TTL / hop limit 64). */
export function ipPacket(
  family: 4 | 6,
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
  payload: Uint8Array,
): Uint8Array {
  if (family === 4) {
    const out = new Uint8Array(20 + payload.length);
    const view = new DataView(out.buffer);
    out[0] = 0x45;
    view.setUint16(2, out.length);
    out[8] = 64;
    out[9] = protocol;
    out.set(source, 12);
    out.set(destination, 16);
    view.setUint16(10, internetChecksum(out.subarray(0, 20)));
    out.set(payload, 20);
    return out;
  }
  const out = new Uint8Array(40 + payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x60;
  view.setUint16(4, payload.length);
  out[6] = protocol;
  out[7] = 64;
  out.set(source, 8);
  out.set(destination, 24);
  out.set(payload, 40);
  return out;
}

/**
 * A spoofed ICMP / ICMPv6 message from the probe's target to its source, its
 * checksum filled in here (wrong when `badChecksum`).
 */
function spoofedIcmp(probe: Expired, message: Uint8Array, badChecksum = false): Uint8Array {
  const valid = probe.family === 4
    ? internetChecksum(message)
    : pseudoChecksum(message, probe.destination, probe.source, IP_ICMPV6);
  setChecksum(message, 2, valid, badChecksum);
  const protocol = probe.family === 4 ? IP_ICMP : IP_ICMPV6;
  return ipPacket(probe.family, probe.destination, probe.source, protocol, message);
}

/** A spoofed echo message (`type`) from the probe's target to its source. */
function spoofedEcho(
  probe: Expired,
  type: number,
  ident: number,
  sequence: number,
  payload: Uint8Array,
  badChecksum = false,
): Uint8Array {
  const icmp = new Uint8Array(8 + payload.length);
  const view = new DataView(icmp.buffer);
  icmp[0] = type;
  view.setUint16(4, ident);
  view.setUint16(6, sequence);
  icmp.set(payload, 8);
  return spoofedIcmp(probe, icmp, badChecksum);
}

/** A spoofed 20-byte SYN-ACK from the probe's target to its source. */
function spoofedSynAck(
  probe: Expired,
  fields: { sourcePort: number; destinationPort: number; acknowledgment: number },
  badChecksum = false,
): Uint8Array {
  const tcp = new Uint8Array(20);
  const view = new DataView(tcp.buffer);
  view.setUint16(0, fields.sourcePort);
  view.setUint16(2, fields.destinationPort);
  view.setUint32(4, 0x48570001);
  view.setUint32(8, fields.acknowledgment >>> 0);
  tcp[12] = 5 << 4;
  tcp[13] = 0x12; // SYN, ACK
  view.setUint16(14, 65535);
  setChecksum(
    tcp,
    16,
    pseudoChecksum(tcp, probe.destination, probe.source, IP_TCP),
    badChecksum,
  );
  return ipPacket(probe.family, probe.destination, probe.source, IP_TCP, tcp);
}

/** xorshift32: the same "random" bytes on every run. */
function pseudoRandom(length: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 0x2545f491;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The probe as a time-exceeded would quote it (plain layout), as a copy to alter. */
function plainQuote(probe: Expired): Uint8Array {
  return probe.packet.slice(0, Math.min(probe.packet.length, PLAIN_QUOTE[probe.family]));
}

/**
 * The hostile packets sent for `probe` before its genuine answer (see
 * {@linkcode HostileVariant}). `router` is this router's address toward the
 * probe's source (the source of its own answers); `seed` varies the random
 * bytes of `garbage` from one probe to the next.
 */
export function hostilePackets(
  variant: HostileVariant,
  probe: Expired,
  config: ResponderConfig,
  router: Uint8Array,
  seed = 1,
): HostilePacket[] {
  const family = probe.family;
  const te = family === 4 ? 11 : 3;
  const none = new Uint8Array(4);
  const icmp = (label: string, message: Uint8Array): HostilePacket => ({
    kind: "icmp",
    label,
    message,
  });
  const ip = (label: string, packet: Uint8Array): HostilePacket => ({ kind: "ip", label, packet });
  const quoting = (label: string, quote: Uint8Array, type = te, code = 0, rest = none) =>
    icmp(label, icmpMessage(family, type, code, rest, quote));
  const t = transport(probe);
  switch (variant) {
    case "truncated": {
      const headerLength = family === 4 ? (probe.packet[0]! & 0xf) * 4 : 40;
      return [
        quoting(
          "ip-header+4",
          probe.packet.slice(0, Math.min(headerLength + 4, probe.packet.length)),
        ),
        quoting("20-bytes", probe.packet.slice(0, 20)),
      ];
    }
    case "bad-checksum": {
      if (family === 4) {
        return [icmp("bad-checksum", icmpMessage(4, te, 0, none, plainQuote(probe), true))];
      }
      const message = icmpMessage(6, te, 0, none, plainQuote(probe));
      setChecksum(message, 2, pseudoChecksum(message, router, probe.source, IP_ICMPV6), true);
      return [ip("bad-checksum", ipPacket(6, router, probe.source, IP_ICMPV6, message))];
    }
    case "altered-quote": {
      if (!t) return [];
      const flip = (label: string, at: number, mask: number, size: 2 | 4): HostilePacket => {
        const quote = plainQuote(probe);
        const view = new DataView(quote.buffer);
        if (size === 2) view.setUint16(at, view.getUint16(at) ^ mask);
        else view.setUint32(at, (view.getUint32(at) ^ mask) >>> 0);
        return quoting(label, quote);
      };
      const o = t.offset;
      if (o + 8 > probe.packet.length) return [];
      if (t.protocol === IP_UDP) {
        return [
          flip("udp-source-port", o, 0x8000, 2),
          flip("udp-destination-port", o + 2, 0x8000, 2),
        ];
      }
      if (t.protocol === IP_TCP) {
        return [
          flip("tcp-source-port", o, 0x8000, 2),
          flip("tcp-destination-port", o + 2, 0x8000, 2),
          flip("tcp-sequence", o + 4, 0x8000_0000, 4),
        ];
      }
      if (isEchoRequest(probe)) {
        return [flip("echo-identifier", o + 4, 0x8000, 2), flip("echo-sequence", o + 6, 0x8000, 2)];
      }
      return [];
    }
    case "altered-payload": {
      const quote = plainQuote(probe);
      if (!t || quote.length <= t.offset + 8) return [];
      quote[quote.length - 1]! ^= 0xff;
      return [quoting("last-byte", quote)];
    }
    case "bad-ip-header": {
      if (family !== 4) return [];
      const quote = plainQuote(probe);
      quote[0] = 0x6f;
      const padded = new Uint8Array(Math.max(128, quote.length));
      padded.set(quote);
      return [quoting("version-ihl-0x6f", quote), quoting("version-ihl-0x6f-padded", padded)];
    }
    case "unknown-type":
      return [quoting("type-99", plainQuote(probe), 99)];
    case "garbage": {
      const header = (t?.offset ?? (family === 4 ? 20 : 40)) + 8;
      const oversized = new Uint8Array(OVERSIZED - 8);
      oversized.set(probe.packet.subarray(0, Math.min(header, probe.packet.length)));
      const tail = Math.min(header, probe.packet.length);
      oversized.set(pseudoRandom(oversized.length - tail, seed * 3 + 1), tail);
      return [
        quoting("random", pseudoRandom(60, seed * 3)),
        quoting("oversized-quote", oversized),
        quoting("oversized-random", pseudoRandom(OVERSIZED - 8, seed * 3 + 2)),
      ];
    }
    case "spoofed-echo-reply": {
      if (!t || !isEchoRequest(probe)) return [];
      const view = new DataView(probe.packet.buffer, probe.packet.byteOffset + t.offset);
      const ident = view.getUint16(4);
      const sequence = view.getUint16(6);
      const payload = probe.packet.subarray(t.offset + 8);
      const reply = family === 4 ? 0 : 129;
      const request = family === 4 ? 8 : 128;
      return [
        ip("bad-checksum", spoofedEcho(probe, reply, ident, sequence, payload, true)),
        ...[1, 2, 3].map((k) =>
          ip(`sequence+${k}`, spoofedEcho(probe, reply, ident, (sequence + k) & 0xffff, payload))
        ),
        ip("other-identifier", spoofedEcho(probe, reply, ident ^ 0x8000, sequence, payload)),
        // An echo reply cut to 4 bytes (the IP length says 4 too).
        ip("4-bytes", spoofedIcmp(probe, Uint8Array.of(reply, 0, 0, 0))),
        ip("echo-request", spoofedEcho(probe, request, ident, sequence, payload)),
      ];
    }
    case "spoofed-tcp-reply":
    case "spoofed-tcp-checksum": {
      if (!t || t.protocol !== IP_TCP || t.offset + 8 > probe.packet.length) return [];
      const view = new DataView(probe.packet.buffer, probe.packet.byteOffset + t.offset);
      const port = view.getUint16(0);
      const service = view.getUint16(2);
      const acknowledgment = view.getUint32(4) + 1;
      const right = { sourcePort: service, destinationPort: port, acknowledgment };
      if (variant === "spoofed-tcp-checksum") {
        return [ip("bad-checksum", spoofedSynAck(probe, right, true))];
      }
      return [
        ip(
          "wrong-acknowledgment",
          spoofedSynAck(probe, { ...right, acknowledgment: acknowledgment + 1 }),
        ),
        ip("other-port", spoofedSynAck(probe, { ...right, destinationPort: port ^ 0x8000 })),
        ip("other-service", spoofedSynAck(probe, { ...right, sourcePort: service ^ 0x8000 })),
      ];
    }
    case "ignored-types":
      if (family !== 4) return [];
      return [
        quoting("redirect", plainQuote(probe), 5, 1),
        quoting("source-quench", plainQuote(probe), 4, 0),
      ];
    case "duplicates": {
      const copy = timeExceeded(family, probe.packet, config);
      return [icmp("copy", copy), icmp("copy", copy)];
    }
  }
}

// ---------------------------------------------------------------------------
// Sockets (libc through FFI)

const AF_INET = 2;
const AF_INET6 = 10;
const AF_PACKET = 17;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ALL_BE = 0x0300; // htons(ETH_P_ALL)
const SOL_SOCKET = 1;
const SO_MARK = 36;
const SOL_IP = 0;
const IP_TOS = 1;
const IP_MTU_DISCOVER = 10;
const IP_PMTUDISC_DONT = 0;
const SOL_RAW = 255;
const ICMP_FILTER = 1;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_RAW = 255;
const ICMP6_FILTER = 1;
const MSG_DONTWAIT = 0x40;
const PACKET_HOST = 0;
const POLLIN = 1;
const EAGAIN = 11;
const EINTR = 4;
const IPTOS_TOS_MASK = 0x1e;
const IPTOS_PREC_INTERNETCONTROL = 0xc0;

const LIBC_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // Waits on another thread, so the event loop (and signal handling) goes on.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

function errno(libc: Libc): number {
  const pointer = libc.__errno_location();
  return pointer === null ? 0 : new Deno.UnsafePointerView(pointer).getInt32();
}

function errorText(libc: Libc, code: number): string {
  const pointer = libc.strerror(code);
  return pointer === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(pointer);
}

function int32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}

/** A sockaddr_in / sockaddr_in6 for `address` and `port`. */
function sockaddr(family: 4 | 6, address: Uint8Array, port = 0): Uint8Array {
  const out = new Uint8Array(family === 4 ? 16 : 28);
  const view = new DataView(out.buffer);
  view.setUint16(0, family === 4 ? AF_INET : AF_INET6, true);
  view.setUint16(2, port);
  out.set(address, family === 4 ? 4 : 8);
  return out;
}

class Sockets {
  readonly #libc: Libc;
  readonly packet: number;
  readonly raw4: number;
  readonly raw6: number;
  /** IPPROTO_RAW sockets for whole packets (IP_HDRINCL), opened on first use. */
  #whole: { 4: number | null; 6: number | null } = { 4: null, 6: null };
  readonly #mark: number;
  /** This router's source address toward each destination, by `${family} ${address}`. */
  readonly #sources = new Map<string, Uint8Array>();

  constructor(libc: Libc, mark: number) {
    this.#mark = mark;
    this.#libc = libc;
    const open = (domain: number, type: number, protocol: number, what: string): number => {
      const fd = libc.socket(domain, type | SOCK_CLOEXEC, protocol);
      if (fd < 0) this.#fail(`socket(${what})`);
      return fd;
    };
    this.packet = open(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, ETH_P_ALL_BE, "AF_PACKET");
    this.raw4 = open(AF_INET, SOCK_RAW, IPPROTO_ICMP, "AF_INET, SOCK_RAW, IPPROTO_ICMP");
    this.raw6 = open(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "AF_INET6, SOCK_RAW, IPPROTO_ICMPV6");
    for (const fd of [this.raw4, this.raw6]) this.#option(fd, SOL_SOCKET, SO_MARK, int32(mark));
    this.#option(this.raw4, SOL_IP, IP_MTU_DISCOVER, int32(IP_PMTUDISC_DONT));
    // Receive nothing on the sending sockets: block every ICMP type.
    this.#option(this.raw4, SOL_RAW, ICMP_FILTER, new Uint8Array(4).fill(0xff));
    this.#option(this.raw6, IPPROTO_ICMPV6, ICMP6_FILTER, new Uint8Array(32).fill(0xff));
  }

  #fail(what: string): never {
    const code = errno(this.#libc);
    throw new Error(`icmp_responder: ${what}: ${errorText(this.#libc, code)}`);
  }

  #option(fd: number, level: number, name: number, value: Uint8Array): void {
    if (this.#libc.setsockopt(fd, level, name, value, value.length) < 0) {
      this.#fail(`setsockopt(${level}, ${name})`);
    }
  }

  /** Waits up to `ms` for the packet socket to be readable. */
  async wait(ms: number): Promise<void> {
    const pollfd = new Uint8Array(8);
    const view = new DataView(pollfd.buffer);
    view.setInt32(0, this.packet, true);
    view.setInt16(4, POLLIN, true);
    await this.#libc.poll(pollfd, 1n, ms);
  }

  /** One captured packet and its sll_pkttype, or null when none is waiting. */
  receive(buffer: Uint8Array): { packet: Uint8Array; pkttype: number } | null {
    const address = new Uint8Array(20);
    const addressLength = int32(address.length);
    for (;;) {
      const n = Number(
        this.#libc.recvfrom(
          this.packet,
          buffer,
          BigInt(buffer.length),
          MSG_DONTWAIT,
          address,
          addressLength,
        ),
      );
      if (n >= 0) return { packet: buffer.subarray(0, n), pkttype: address[10]! };
      const code = errno(this.#libc);
      if (code === EINTR) continue;
      if (code === EAGAIN) return null;
      this.#fail("recvfrom(AF_PACKET)");
    }
  }

  /** Sends `message` (an ICMP message) to `destination`; returns an error text or null. */
  send(family: 4 | 6, message: Uint8Array, destination: Uint8Array, tos: number): string | null {
    let address: Uint8Array;
    let fd: number;
    if (family === 4) {
      const kernelTos = (tos & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL;
      this.#option(this.raw4, SOL_IP, IP_TOS, int32(kernelTos));
      address = new Uint8Array(16);
      new DataView(address.buffer).setUint16(0, AF_INET, true);
      address.set(destination, 4);
      fd = this.raw4;
    } else {
      address = new Uint8Array(28);
      new DataView(address.buffer).setUint16(0, AF_INET6, true);
      address.set(destination, 8);
      fd = this.raw6;
    }
    const n = Number(
      this.#libc.sendto(fd, message, BigInt(message.length), 0, address, address.length),
    );
    if (n === message.length) return null;
    return n < 0 ? errorText(this.#libc, errno(this.#libc)) : `short send (${n} bytes)`;
  }

  /** Sends a whole IP packet (header included) to `destination`; an error text or null. */
  sendPacket(family: 4 | 6, packet: Uint8Array, destination: Uint8Array): string | null {
    let fd = this.#whole[family];
    if (fd === null) {
      fd = this.#libc.socket(
        family === 4 ? AF_INET : AF_INET6,
        SOCK_RAW | SOCK_CLOEXEC,
        IPPROTO_RAW,
      );
      if (fd < 0) return `socket(IPPROTO_RAW): ${errorText(this.#libc, errno(this.#libc))}`;
      this.#whole[family] = fd;
      this.#option(fd, SOL_SOCKET, SO_MARK, int32(this.#mark));
    }
    const address = sockaddr(family, destination);
    const n = Number(
      this.#libc.sendto(fd, packet, BigInt(packet.length), 0, address, address.length),
    );
    if (n === packet.length) return null;
    return n < 0 ? errorText(this.#libc, errno(this.#libc)) : `short send (${n} bytes)`;
  }

  /**
   * The address this host sends from toward `destination` (what the kernel
   * puts in its own answers): a UDP socket connected there, read back.
   */
  sourceFor(family: 4 | 6, destination: Uint8Array): Uint8Array {
    const key = `${family} ${formatAddress(destination)}`;
    const known = this.#sources.get(key);
    if (known) return known;
    const fd = this.#libc.socket(family === 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) this.#fail("socket(SOCK_DGRAM)");
    try {
      const address = sockaddr(family, destination, 9);
      if (this.#libc.connect(fd, address, address.length) < 0) this.#fail("connect");
      const local = new Uint8Array(28);
      const length = int32(local.length);
      if (this.#libc.getsockname(fd, local, length) < 0) this.#fail("getsockname");
      const source = family === 4 ? local.slice(4, 8) : local.slice(8, 24);
      this.#sources.set(key, source);
      return source;
    } finally {
      this.#libc.close(fd);
    }
  }

  close(): void {
    for (const fd of [this.packet, this.raw4, this.raw6, this.#whole[4], this.#whole[6]]) {
      if (fd !== null) this.#libc.close(fd);
    }
  }
}

// ---------------------------------------------------------------------------
// Netfilter

const RULE_COMMENT = "hopwise-icmp-responder";

function netfilterRules(mark: number): Array<[string, string[]]> {
  // The mark is matched before the ICMP type: the icmp / icmp6 matches drop
  // ("hotdrop") a message too short to have a type, which the hostile
  // packets include.
  const mark_ = ["-m", "mark", "!", "--mark", `0x${mark.toString(16)}`];
  const tail = ["-m", "comment", "--comment", RULE_COMMENT, "-j", "DROP"];
  return [
    [
      "iptables",
      ["OUTPUT", "-p", "icmp", ...mark_, "-m", "icmp", "--icmp-type", "time-exceeded", ...tail],
    ],
    [
      "ip6tables",
      [
        "OUTPUT",
        "-p",
        "icmpv6",
        ...mark_,
        "-m",
        "icmp6",
        "--icmpv6-type",
        "time-exceeded",
        ...tail,
      ],
    ],
  ];
}

function iptables(command: string, args: string[]): void {
  const result = new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .outputSync();
  if (!result.success) {
    const message = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`icmp_responder: ${command} ${args.join(" ")}: ${message}`);
  }
}

function addRules(mark: number): void {
  for (const [command, rule] of netfilterRules(mark)) {
    iptables(command, ["-w", "-I", rule[0]!, "1", ...rule.slice(1)]);
  }
}

function removeRules(mark: number): void {
  for (const [command, rule] of netfilterRules(mark)) {
    try {
      iptables(command, ["-w", "-D", ...rule]);
    } catch {
      // already gone (or never added)
    }
  }
}

// ---------------------------------------------------------------------------
// Main

/** The router's own addresses, read again when older than a second. */
class LocalAddresses {
  #addresses = new Set<string>();
  #read = -Infinity;

  has(address: Uint8Array): boolean {
    const now = performance.now();
    if (now - this.#read > 1000) {
      this.#addresses = new Set(Deno.networkInterfaces().map((i) => canonical(i.address)));
      this.#read = now;
    }
    return this.#addresses.has(formatAddress(address));
  }
}

function canonical(text: string): string {
  if (!text.includes(":")) return text;
  const [head = "", tail] = text.split("::") as [string, string | undefined];
  const part = (s: string | undefined): number[] =>
    s ? s.split(":").map((g) => parseInt(g, 16)) : [];
  const h = part(head);
  const t = part(tail);
  const groups = tail === undefined
    ? h
    : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return formatAddress(bytes);
}

/** The name of the network namespace this process is in (`ip netns identify`), or "". */
function namedNamespace(): string {
  const result = new Deno.Command("ip", {
    args: ["netns", "identify", String(Deno.pid)],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return result.success ? new TextDecoder().decode(result.stdout).trim() : "";
}

const PROTOCOLS: Readonly<Record<number, string>> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6" };

async function main(args: readonly string[]): Promise<number> {
  let config: ResponderConfig;
  try {
    config = parseArgs(args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (namedNamespace() === "") {
    console.error("icmp_responder: refusing to run outside a named network namespace");
    return 2;
  }
  const libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS).symbols;
  let sockets: Sockets | undefined;
  let rules = false;
  const cleanUp = (): void => {
    if (rules) removeRules(config.mark);
    rules = false;
    sockets?.close();
    sockets = undefined;
  };
  const stop = (): void => {
    cleanUp();
    Deno.exit(0);
  };
  try {
    sockets = new Sockets(libc, config.mark);
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
    if (config.netfilter) {
      // A rule left by a responder that was killed goes first, so they never pile up.
      removeRules(config.mark);
      rules = true;
      addRules(config.mark);
    }
    warmUp(config);
    console.log("ready");
    await serve(sockets, config);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    cleanUp();
  }
}

/** Builds answers to made-up probes, so that the first real one is not slowed by compiling. */
function warmUp(config: ResponderConfig): void {
  const probe4 = new Uint8Array(60);
  probe4.set([0x45, 0, 0, 60, 0, 0, 0, 0, 1, 17, 0, 0, 198, 18, 1, 1, 198, 18, 4, 2]);
  const probe6 = new Uint8Array(80);
  probe6.set([0x60, 0, 0, 0, 0, 40, 17, 1, 0x20, 0x01, 0x0d, 0xb8]);
  probe6.set([0x20, 0x01, 0x0d, 0xb8], 24);
  for (let i = 0; i < 200; i++) {
    for (const [family, probe] of [[4, probe4], [6, probe6]] as const) {
      const found = expired(probe, () => false);
      if (found) timeExceeded(family, found.packet, config);
      if (found && config.hostile !== null) {
        hostilePackets(config.hostile, found, config, found.destination, i);
      }
      formatAddress(found?.source ?? probe4.subarray(12, 16));
    }
  }
}

/** Answers probes until the process is stopped. */
async function serve(sockets: Sockets, config: ResponderConfig): Promise<never> {
  const buffer = new Uint8Array(65536);
  const local = new LocalAddresses();
  const mode = config.mode === "malformed" ? `malformed ${config.variant}` : config.mode;
  let count = 0;
  for (;;) {
    await sockets.wait(200);
    for (;;) {
      const got = sockets.receive(buffer);
      if (got === null) break;
      if (got.pkttype !== PACKET_HOST) continue;
      const probe = expired(got.packet, (address) => local.has(address));
      if (probe === null) continue;
      const what = `${formatAddress(probe.source)} > ${formatAddress(probe.destination)} ` +
        `${PROTOCOLS[probe.protocol] ?? `proto ${probe.protocol}`} ${probe.packet.length} bytes`;
      if (config.hostile !== null) {
        const router = sockets.sourceFor(probe.family, probe.source);
        const packets = hostilePackets(config.hostile, probe, config, router, ++count);
        for (const packet of packets) {
          const error = packet.kind === "icmp"
            ? sockets.send(probe.family, packet.message, probe.source, probe.tos)
            : sockets.sendPacket(probe.family, packet.packet, probe.source);
          const size = packet.kind === "icmp" ? packet.message.length : packet.packet.length;
          if (error !== null) {
            console.error(`icmp_responder: hostile ${packet.label} for ${what}: ${error}`);
          } else if (config.verbose) {
            console.error(
              `hostile ${config.hostile} ${packet.label} (${packet.kind}, ${size} bytes) for ${what}`,
            );
          }
        }
      }
      if (!config.genuine) continue;
      const message = timeExceeded(probe.family, probe.packet, config);
      const error = sockets.send(probe.family, message, probe.source, probe.tos);
      if (error !== null) console.error(`icmp_responder: answering ${what}: ${error}`);
      else if (config.verbose) {
        console.error(`answered ${what}: time exceeded of ${message.length} bytes (${mode})`);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// For tests

/**
 * A running responder started by {@linkcode startResponder}; `await using`
 * stops it at the end of the scope.
 */
export interface Responder extends AsyncDisposable {
  /** The process (`ip netns exec` turned into deno). */
  child: Deno.ChildProcess;
  /** What it has written to standard error so far (its `--verbose` lines, errors). */
  log(): string;
  /** Stops it (SIGTERM: it removes its netfilter rules) and waits for it to exit. */
  stop(): Promise<void>;
}

/** What {@linkcode startResponder} needs of a lab: its `spawn` (a `Lab` has it). */
export interface LabHost {
  /** Starts `argv` in `node`, as `Lab.spawn` does. */
  spawn(
    node: string,
    argv: readonly string[],
    options?: { stdout?: "piped" | "null"; stderr?: "piped" | "null" },
  ): Deno.ChildProcess;
}

/** The path of this program, for `deno run`. */
export const RESPONDER_PATH: string = decodeURIComponent(new URL(import.meta.url).pathname);

/**
 * Starts the responder in `node` of `lab` with `options` and waits for its
 * `ready`; throws with what it wrote to standard error when it fails first.
 * The lab kills it when destroyed, if {@linkcode Responder.stop} was not called.
 */
export async function startResponder(
  lab: LabHost,
  node: string,
  options: ResponderOptions = {},
): Promise<Responder> {
  const child = lab.spawn(node, [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-lock",
    "--allow-ffi",
    "--allow-sys",
    "--allow-run",
    RESPONDER_PATH,
    ...responderArgs(options),
  ], { stdout: "piped", stderr: "piped" });
  let stderr = "";
  const decoder = new TextDecoder();
  const draining = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })().catch(() => {});
  const reader = child.stdout.getReader();
  let stdout = "";
  while (!stdout.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      await draining;
      throw new Error(`icmp responder on ${node} did not start:\n${stdout}${stderr}`);
    }
    stdout += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
      await draining;
      await child.stdout.cancel().catch(() => {});
    })();
    return stopping;
  };
  return { child, log: () => stderr, stop, [Symbol.asyncDispose]: stop };
}

if (import.meta.main) Deno.exit(await main(Deno.args));
