/**
 * The half-open matchers (`tcp`, `dccp`): a reply from the destination by its
 * ports, acknowledgment and checksum; an ICMP error by the quoted ports and
 * sequence number, byte for byte.
 */
import { assertEquals } from "../../tests/assert.ts";
import { addressBytes } from "../packet/address.ts";
import { decodeDccpPorts, encodeDccpRequest } from "../packet/dccp.ts";
import { decodeTcp, encodeTcp, TCP_FLAGS } from "../packet/tcp.ts";
import { dccpMethod } from "./dccp.ts";
import type { MethodSession } from "../core/method.ts";
import { tcpMethod } from "./tcp.ts";
import type { Socket } from "../core/transport.ts";
import * as kit from "../../tests/helpers/match_harness.ts";

const { source, target, other } = kit.ADDRESSES[4];
const syn = new Map([["syn", ""]]);

/** A segment from the destination to a probe's port. */
function segment(
  to: { port: number; sequence: number },
  over: { sourcePort?: number; acknowledgment?: number; flags?: number; from?: string } = {},
): Uint8Array {
  const tcp = encodeTcp(
    {
      sourcePort: over.sourcePort ?? 80,
      destinationPort: to.port,
      sequence: 777,
      acknowledgment: over.acknowledgment ?? ((to.sequence + 1) >>> 0),
      flags: over.flags ?? (TCP_FLAGS.syn | TCP_FLAGS.ack),
      window: 1000,
      options: new Uint8Array(),
    },
    addressBytes(over.from ?? target),
    addressBytes(source),
  );
  return kit.withIPv4(tcp, 6, over.from ?? target, source);
}

function tcpSession(paris = false) {
  const net = kit.silentNetwork(4);
  const session = tcpMethod.open(
    kit.contextFor(net, { keywords: syn, ...(paris ? { paris: { flow: 0 } } : {}) }),
  );
  const sent = [kit.probeAt(1), kit.probeAt(2), kit.probeAt(3)].map((p) =>
    kit.send(session, net, p)
  );
  const probes = sent.map((s) => {
    const tcp = decodeTcp(s.bytes)!;
    return { port: tcp.sourcePort, sequence: tcp.sequence, bytes: s.bytes };
  });
  return { net, session, probes, socket: sent[0]!.socket };
}

const data = (session: MethodSession, socket: Socket, bytes: Uint8Array, from: string = target) =>
  kit.named(session.match(kit.fromData(socket, bytes, { address: from, port: 0 })));
const quoted = (session: MethodSession, socket: Socket, bytes: Uint8Array, to: string = target) =>
  kit.named(
    session.match(kit.fromErrorQueue(socket, bytes, { address: to, port: 80 }, kit.icmpError(4))),
  );

Deno.test("tcp: a SYN-ACK or reset to a probe's port acknowledging its sequence answers it", () => {
  const { session, probes, socket, net } = tcpSession();
  assertEquals(socket.kind, "raw");
  assertEquals(new Set(probes.map((p) => p.port)).size, 3, "a source port per probe");
  assertEquals(decodeTcp(probes[0]!.bytes)!.destinationPort, 80);
  assertEquals(data(session, socket, segment(probes[1]!)), {
    probe: "2.0",
    tcpFlags: ["syn", "ack"],
  });
  assertEquals(
    data(session, socket, segment(probes[2]!, { flags: TCP_FLAGS.rst | TCP_FLAGS.ack })),
    { probe: "3.0", tcpFlags: ["rst", "ack"] },
  );
  session.close();
  assertEquals(net.openSockets(), 0, "the ports held are freed");
});

Deno.test("tcp: near misses of a reply from the destination", () => {
  const { session, probes, socket } = tcpSession();
  const p = probes[0]!;
  const reply = (over: Parameters<typeof segment>[1]) => data(session, socket, segment(p, over));
  assertEquals(reply({ acknowledgment: p.sequence }), "foreign", "acknowledges one byte short");
  assertEquals(reply({ acknowledgment: (p.sequence + 2) >>> 0 }), "foreign");
  assertEquals(
    reply({ flags: TCP_FLAGS.rst }),
    "foreign",
    "a reset without ACK acknowledges nothing",
  );
  assertEquals(reply({ sourcePort: 81 }), "foreign", "from another port");
  assertEquals(
    data(session, socket, segment({ port: p.port ^ 0x8000, sequence: p.sequence })),
    "unknown-probe",
  );
  assertEquals(
    data(session, socket, segment(p, { from: other }), other),
    "foreign",
    "another host",
  );
  // The checksum: a changed window, a changed acknowledgment.
  assertEquals(data(session, socket, kit.flip(segment(p), 20 + 15)), "checksum");
  assertEquals(data(session, socket, kit.flip(segment(p), 20 + 11)), "checksum");
  assertEquals(data(session, socket, segment(p).subarray(0, 27)), "malformed");
  assertEquals(data(session, socket, new Uint8Array([0x00, 0, 0])), "malformed");
  session.close();
});

Deno.test("tcp: an ICMP error quoting a probe's header names it; the quote is checked byte for byte", () => {
  const { session, probes, socket } = tcpSession();
  const p = probes[1]!;
  assertEquals(quoted(session, socket, p.bytes), { probe: "2.0" });
  assertEquals(quoted(session, socket, p.bytes.subarray(0, 8)), { probe: "2.0" });
  assertEquals(
    quoted(session, socket, kit.flip(p.bytes, 7)),
    "quote-mismatch",
    "its sequence number",
  );
  assertEquals(quoted(session, socket, kit.flip(p.bytes, 14)), "quote-mismatch", "its window");
  assertEquals(quoted(session, socket, kit.flip(p.bytes, 3)), "foreign", "to another port");
  const stranger = p.bytes.slice();
  stranger[0]! ^= 0x80; // a source port no probe has
  assertEquals(quoted(session, socket, stranger), "unknown-probe");
  assertEquals(quoted(session, socket, p.bytes.subarray(0, 7)), "malformed");
  assertEquals(
    quoted(session, socket, p.bytes, other),
    "foreign",
    "about a packet to another host",
  );
  session.close();
});

Deno.test("tcp: a released probe's port names no probe", () => {
  const net = kit.silentNetwork(4);
  const session = tcpMethod.open(kit.contextFor(net, { keywords: syn }));
  const probe = kit.probeAt(4);
  const { bytes, socket } = kit.send(session, net, probe);
  const tcp = decodeTcp(bytes)!;
  const p = { port: tcp.sourcePort, sequence: tcp.sequence };
  assertEquals(data(session, socket, segment(p)), { probe: "4.0", tcpFlags: ["syn", "ack"] });
  session.release(probe);
  assertEquals(data(session, socket, segment(p)), "unknown-probe");
  assertEquals(quoted(session, socket, bytes), "unknown-probe");
  assertEquals(net.openSockets(), 1, "only the raw socket is left");
  session.close();
});

Deno.test("tcp --paris: one source port; the sequence number tells the probes apart", () => {
  const { session, probes, socket } = tcpSession(true);
  assertEquals(new Set(probes.map((p) => p.port)).size, 1);
  assertEquals(quoted(session, socket, probes[2]!.bytes), { probe: "3.0" });
  assertEquals(quoted(session, socket, probes[0]!.bytes.subarray(0, 8)), { probe: "1.0" });
  assertEquals(quoted(session, socket, kit.flip(probes[0]!.bytes, 7)), "unknown-probe");
  assertEquals(data(session, socket, segment(probes[1]!)), {
    probe: "2.0",
    tcpFlags: ["syn", "ack"],
  });
  const none = { port: probes[0]!.port, sequence: probes[0]!.sequence + 100 };
  assertEquals(data(session, socket, segment(none)), "foreign", "acknowledges no probe");
  assertEquals(data(session, socket, segment({ ...none, port: none.port ^ 1 })), "unknown-probe");
  session.close();
});

function dccpSession() {
  const net = kit.silentNetwork(4);
  const session = dccpMethod.open(kit.contextFor(net));
  const sent = [kit.probeAt(1), kit.probeAt(2)].map((p) => kit.send(session, net, p));
  const probes = sent.map((s) => ({ port: decodeDccpPorts(s.bytes)!.sourcePort, bytes: s.bytes }));
  return { session, probes, socket: sent[0]!.socket };
}

/** A DCCP packet from the destination's port 33434 to `port`. */
function dccpReply(port: number, over: { sourcePort?: number } = {}): Uint8Array {
  const from = target;
  const packet = encodeDccpRequest(
    { sourcePort: over.sourcePort ?? 33434, destinationPort: port, sequence: 5, serviceCode: 0 },
    addressBytes(from),
    addressBytes(source),
  );
  return kit.withIPv4(packet, 33, from, source);
}

Deno.test("dccp: a packet from the destination's port to a probe's answers it, if its checksum holds", () => {
  const { session, probes, socket } = dccpSession();
  assertEquals(decodeDccpPorts(probes[0]!.bytes)!.destinationPort, 33434);
  const [p1, p2] = probes;
  assertEquals(data(session, socket, dccpReply(p2!.port)), { probe: "2.0", tcpFlags: [] });
  assertEquals(data(session, socket, dccpReply(p1!.port)), { probe: "1.0", tcpFlags: [] });
  assertEquals(data(session, socket, kit.flip(dccpReply(p1!.port), 20 + 17)), "checksum");
  assertEquals(data(session, socket, dccpReply(p1!.port, { sourcePort: 33435 })), "foreign");
  assertEquals(data(session, socket, dccpReply(p1!.port ^ 0x8000)), "unknown-probe");
  assertEquals(data(session, socket, dccpReply(p1!.port).subarray(0, 23)), "malformed");
  session.close();
});

Deno.test("dccp: an ICMP error quoting a probe names it by its ports; the rest must match too", () => {
  const { session, probes, socket } = dccpSession();
  const p = probes[1]!;
  assertEquals(quoted(session, socket, p.bytes), { probe: "2.0" });
  assertEquals(quoted(session, socket, p.bytes.subarray(0, 8)), { probe: "2.0" });
  assertEquals(
    quoted(session, socket, kit.flip(p.bytes, 13)),
    "quote-mismatch",
    "its sequence number",
  );
  assertEquals(quoted(session, socket, kit.flip(p.bytes, 3)), "foreign");
  assertEquals(quoted(session, socket, p.bytes.subarray(0, 3)), "malformed");
  session.close();
});
