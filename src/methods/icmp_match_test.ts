/**
 * The ICMP echo matcher, on a raw socket (IPv4 and IPv6) and on an ICMP
 * datagram ("ping") socket: identifier, sequence, checksum and quotes.
 */
import { assertEquals } from "../../tests/assert.ts";
import { addressBytes } from "../packet/address.ts";
import { decodeICMPv4, ICMP4, writeICMPv4Echo } from "../packet/icmpv4.ts";
import { decodeICMPv6, ICMP6, writeICMPv6Echo } from "../packet/icmpv6.ts";
import type { MethodSession } from "../core/method.ts";
import { icmpMethod } from "./icmp.ts";
import * as kit from "../../tests/helpers/match_harness.ts";
import type { Socket } from "../core/transport.ts";

const v4 = kit.ADDRESSES[4];
const v6 = kit.ADDRESSES[6];

/** The echo reply to `request`, with its identifier or sequence changed when asked. */
function reply4(request: Uint8Array, over: { ident?: number; sequence?: number } = {}) {
  const echo = decodeICMPv4(request)!;
  return writeICMPv4Echo(
    request.slice(),
    ICMP4.echoReply,
    over.ident ?? echo.ident,
    over.sequence ?? echo.sequence,
  );
}

/** Opens a raw IPv4 session and sends three probes (sequences 1, 2, 3). */
function raw4(port = 0) {
  const net = kit.silentNetwork(4);
  const session = icmpMethod.open(kit.contextFor(net, { port }));
  const probes = [kit.probeAt(1), kit.probeAt(2), kit.probeAt(3)];
  const sent = probes.map((p) => kit.send(session, net, p));
  return { net, session, probes, sent, socket: sent[0]!.socket };
}

const onRaw4 = (session: MethodSession, socket: Socket, icmp: Uint8Array) =>
  kit.named(session.match(kit.fromData(socket, kit.withIPv4(icmp, 1, v4.target, v4.source), {
    address: v4.target,
    port: 0,
  })));

Deno.test("icmp raw: an echo reply with this trace's identifier and a probe's sequence answers it", () => {
  const { session, sent, socket } = raw4();
  assertEquals(socket.kind, "raw");
  const requests = sent.map((s) => decodeICMPv4(s.bytes)!);
  assertEquals(requests.map((r) => [r.type, r.sequence]), [[8, 1], [8, 2], [8, 3]]);
  const ident = requests[0]!.ident;
  assertEquals(onRaw4(session, socket, reply4(sent[1]!.bytes)), { probe: "2.0" });
  assertEquals(onRaw4(session, socket, reply4(sent[2]!.bytes)), { probe: "3.0" });
  // Another process's or trace's identifier; a sequence in flight for no probe.
  assertEquals(onRaw4(session, socket, reply4(sent[1]!.bytes, { ident: ident ^ 1 })), "foreign");
  assertEquals(onRaw4(session, socket, reply4(sent[1]!.bytes, { sequence: 9 })), "unknown-probe");
  session.close();
});

Deno.test("icmp raw: near misses of an echo reply", () => {
  const { session, sent, socket, probes } = raw4();
  const good = reply4(sent[0]!.bytes);
  // The raw socket sees replies before the kernel checks them: the checksum is ours to check.
  assertEquals(onRaw4(session, socket, kit.flip(good, 2)), "checksum");
  assertEquals(onRaw4(session, socket, kit.flip(good, 20)), "checksum", "a payload byte changed");
  // Not an echo reply: a request (ours looped back), a reply with a code.
  assertEquals(
    onRaw4(
      session,
      socket,
      writeICMPv4Echo(sent[0]!.bytes.slice(), 8, decodeICMPv4(good)!.ident, 1),
    ),
    "not-a-reply",
  );
  const coded = good.slice();
  coded[1] = 1;
  assertEquals(onRaw4(session, socket, coded), "not-a-reply");
  // Too short for an echo header; an IP header that does not decode.
  assertEquals(onRaw4(session, socket, good.subarray(0, 7)), "malformed");
  assertEquals(
    session.match(
      kit.fromData(socket, new Uint8Array([0x00, 1, 2]), { address: v4.target, port: 0 }),
    ),
    "malformed",
  );
  // Once released, its sequence names no probe.
  session.release(probes[0]!);
  assertEquals(onRaw4(session, socket, good), "unknown-probe");
  session.close();
});

Deno.test("icmp raw: an error quoting a request names its probe; the quote is checked byte for byte", () => {
  const { session, sent, socket } = raw4();
  const to = { address: v4.target, port: 0 };
  const match = (quote: Uint8Array) =>
    kit.named(session.match(kit.fromErrorQueue(socket, quote, to, kit.icmpError(4))));
  const request = sent[2]!.bytes;
  assertEquals(match(request), { probe: "3.0" });
  assertEquals(match(request.subarray(0, 8)), { probe: "3.0" }, "only the header quoted");
  assertEquals(match(kit.flip(request, 8)), "quote-mismatch");
  assertEquals(match(kit.flip(request, request.length - 1)), "quote-mismatch");
  // The header is checked by its fields: identifier, sequence, type.
  assertEquals(match(kit.flip(request, 4)), "foreign");
  assertEquals(match(kit.flip(request, 7)), { probe: "2.0" }, "sequence 3 ^ 1: probe 2's");
  assertEquals(match(kit.flip(request.subarray(0, 8), 6)), "unknown-probe");
  assertEquals(match(reply4(request)), "not-a-reply", "the error queue quotes requests");
  // Its checksum is not: a datagram socket's kernel fills it in, unlike what was written.
  assertEquals(match(kit.flip(request, 2)), { probe: "3.0" });
  assertEquals(match(request.subarray(0, 7)), "malformed");
  session.close();
});

Deno.test("icmp raw: a local error quoting nothing is the probe in flight's, when there is one", () => {
  const net = kit.silentNetwork(4);
  const session = icmpMethod.open(kit.contextFor(net));
  const one = kit.send(session, net, kit.probeAt(1));
  const local = kit.icmpError(4, { origin: "local", errno: "EMSGSIZE", type: 0, info: 1400 });
  const to = { address: v4.target, port: 0 };
  assertEquals(
    kit.named(session.match(kit.fromErrorQueue(one.socket, new Uint8Array(0), to, local))),
    {
      probe: "1.0",
    },
  );
  kit.send(session, net, kit.probeAt(2));
  assertEquals(
    session.match(kit.fromErrorQueue(one.socket, new Uint8Array(0), to, local)),
    "malformed",
  );
  session.close();
});

Deno.test("icmp: sequence 0 never matches (the sequence wraps past 65535)", () => {
  const { session, sent, socket } = raw4(65535);
  assertEquals(sent.map((s) => decodeICMPv4(s.bytes)!.sequence), [65535, 0, 1]);
  assertEquals(onRaw4(session, socket, reply4(sent[0]!.bytes)), { probe: "1.0" });
  assertEquals(onRaw4(session, socket, reply4(sent[1]!.bytes)), "unknown-probe");
  assertEquals(onRaw4(session, socket, reply4(sent[2]!.bytes)), { probe: "3.0" });
  session.close();
});

Deno.test("icmp: two raw traces in one process have identifiers of their own", () => {
  const a = raw4();
  const b = raw4();
  const identA = decodeICMPv4(a.sent[0]!.bytes)!.ident;
  const identB = decodeICMPv4(b.sent[0]!.bytes)!.ident;
  assertEquals(identA === identB, false);
  assertEquals(onRaw4(a.session, a.socket, reply4(b.sent[0]!.bytes)), "foreign");
  assertEquals(onRaw4(b.session, b.socket, reply4(a.sent[0]!.bytes)), "foreign");
  a.session.close();
  b.session.close();
});

Deno.test("icmp raw IPv6: no IP header; the checksum covers the addresses", () => {
  const net = kit.silentNetwork(6);
  const session = icmpMethod.open(kit.contextFor(net));
  const probes = [kit.probeAt(1), kit.probeAt(2)];
  const sent = probes.map((p) => kit.send(session, net, p));
  const socket = sent[0]!.socket;
  const request = decodeICMPv6(sent[1]!.bytes)!;
  assertEquals([request.type, request.sequence], [ICMP6.echoRequest, 2]);
  const reply = (from: string, ident = request.ident) =>
    writeICMPv6Echo(sent[1]!.bytes.slice(), ICMP6.echoReply, ident, 2, {
      source: addressBytes(from),
      destination: addressBytes(v6.source),
    });
  const at = (from: string, bytes: Uint8Array) =>
    kit.named(session.match(kit.fromData(socket, bytes, { address: from, port: 0 })));
  assertEquals(at(v6.target, reply(v6.target)), { probe: "2.0" });
  // The same bytes from another address: its pseudo-header does not sum.
  assertEquals(at(v6.other, reply(v6.target)), "checksum");
  assertEquals(
    at(v6.other, reply(v6.other)),
    { probe: "2.0" },
    "a reply from elsewhere, summed right",
  );
  assertEquals(at(v6.target, reply(v6.target, request.ident ^ 0x100)), "foreign");
  assertEquals(at(v6.target, kit.flip(reply(v6.target), 12)), "checksum");
  const to = { address: v6.target, port: 0 };
  const error = kit.icmpError(6);
  assertEquals(kit.named(session.match(kit.fromErrorQueue(socket, sent[0]!.bytes, to, error))), {
    probe: "1.0",
  });
  assertEquals(
    session.match(kit.fromErrorQueue(socket, kit.flip(sent[0]!.bytes, 9), to, error)),
    "quote-mismatch",
  );
  session.close();
});

Deno.test("icmp datagram socket: its port is the identifier; the kernel checked the checksum", () => {
  const net = kit.silentNetwork(4, { pingAllowed: true, rawAllowed: false });
  const session = icmpMethod.open(kit.contextFor(net, { keywords: new Map([["dgram", ""]]) }));
  const sent = [kit.probeAt(1), kit.probeAt(2)].map((p) => kit.send(session, net, p));
  const socket = sent[0]!.socket;
  assertEquals(socket.kind, "dgram");
  const ident = socket.localEndpoint().port;
  const from = { address: v4.target, port: 0 };
  const match = (bytes: Uint8Array) => kit.named(session.match(kit.fromData(socket, bytes, from)));
  // No IP header on a datagram socket.
  assertEquals(match(reply4(sent[1]!.bytes, { ident })), { probe: "2.0" });
  assertEquals(match(reply4(sent[0]!.bytes, { ident: ident + 1 })), "foreign");
  assertEquals(match(kit.flip(reply4(sent[0]!.bytes, { ident }), 2)), { probe: "1.0" });
  assertEquals(
    match(kit.withIPv4(reply4(sent[0]!.bytes, { ident }), 1, v4.target, v4.source)),
    "not-a-reply",
  );
  const quote = reply4(sent[0]!.bytes, { ident });
  writeICMPv4Echo(quote, ICMP4.echo, ident, 1);
  assertEquals(
    kit.named(session.match(kit.fromErrorQueue(socket, quote, from, kit.icmpError(4)))),
    {
      probe: "1.0",
    },
  );
  assertEquals(
    session.match(kit.fromErrorQueue(socket, kit.flip(quote, 30), from, kit.icmpError(4))),
    "quote-mismatch",
  );
  session.close();
});
