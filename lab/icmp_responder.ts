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
 * ## Where the parts live
 *
 * In lab/responder/: the settings and their vocabulary (config.ts), the
 * command line (args.ts), extension structures (extension.ts), the genuine
 * answer (time_exceeded.ts), telling probes from other packets (expired.ts),
 * packet building (craft.ts), the hostile packets (hostile.ts), the sockets
 * (sockets.ts), the netfilter rules (netfilter.ts), the capture loop
 * (serve.ts), the program (main.ts) and starting it from tests (start.ts).
 * This module is the program's entry point and re-exports the public API.
 *
 * @module
 */

import { main } from "./responder/main.ts";

export {
  DEFAULT_LABELS,
  DEFAULT_MARK,
  DEFAULT_OBJECTS,
  HOSTILE_VARIANTS,
  type HostileVariant,
  MALFORMED_VARIANTS,
  type MalformedVariant,
  type Mode,
  type MplsLabel,
  type ObjectSpec,
  type ResponderConfig,
} from "./responder/config.ts";
export { parseArgs, responderArgs, type ResponderOptions } from "./responder/args.ts";
export {
  extensionStructure,
  hexBytes,
  mplsObject,
  mplsWord,
  type RawObject,
  type StructureOptions,
} from "./responder/extension.ts";
export { PLAIN_QUOTE, timeExceeded } from "./responder/time_exceeded.ts";
export { type Expired, expired } from "./responder/expired.ts";
export { ipPacket } from "./responder/craft.ts";
export { type HostilePacket, hostilePackets, OVERSIZED } from "./responder/hostile.ts";
export { type LabHost, type Responder, RESPONDER_PATH, startResponder } from "./responder/start.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
