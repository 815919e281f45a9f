/**
 * The UDP matchers: `default` / `udp` / `udplite` (a connected socket per
 * probe, UdpSession) and flow-stable UDP (`--paris`, ParisUdpSession), a
 * message in and the probe or ignore reason out.
 */
import { assertEquals } from "../../tests/assert.ts";
import { probePayload } from "../packet/payload.ts";
import { defaultMethod, udpliteMethod, udpMethod } from "./udp.ts";
import * as kit from "../../tests/helpers/match_harness.ts";

const { target } = kit.ADDRESSES[4];
const error4 = kit.icmpError(4);

Deno.test("udp (default): a probe's own socket, port and quoted payload name it", () => {
  const net = kit.silentNetwork(4);
  const session = defaultMethod.open(kit.contextFor(net));
  const [p1, p2, p3] = [kit.probeAt(1, 0), kit.probeAt(1, 1), kit.probeAt(1, 2)];
  const s1 = kit.send(session, net, p1);
  const s2 = kit.send(session, net, p2);
  kit.send(session, net, p3);
  assertEquals(net.sent.map((s) => s.port), [33434, 33435, 33436]);
  // The error queue returns the quoted datagram after the UDP header: our payload.
  assertEquals(s1.bytes, probePayload(32));
  const quote = probePayload(32);
  const at = (port: number) => ({ address: target, port });
  assertEquals(kit.named(session.match(kit.fromErrorQueue(s2.socket, quote, at(33435), error4))), {
    probe: "1.1",
  });
  assertEquals(kit.named(session.match(kit.fromErrorQueue(s1.socket, quote, at(33434), error4))), {
    probe: "1.0",
  });
  // Near misses: another probe's port on this socket, no sender, a connection outcome.
  assertEquals(session.match(kit.fromErrorQueue(s1.socket, quote, at(33435), error4)), "foreign");
  assertEquals(session.match(kit.fromData(s1.socket, quote, null)), "foreign");
  assertEquals(
    session.match({
      kind: "connection",
      socket: s1.socket,
      outcome: "connected",
      seenAt: 1,
      handshakeRtt: null,
    }),
    "unknown-probe",
  );
  // A socket that is no probe's (another session's, or a released probe's).
  const stranger = net.socket(4, "dgram", 17);
  assertEquals(
    session.match(kit.fromErrorQueue(stranger, quote, at(33434), error4)),
    "unknown-probe",
  );
  session.release(p1);
  assertEquals(s1.socket.closed, true);
  assertEquals(
    session.match(kit.fromErrorQueue(s1.socket, quote, at(33434), error4)),
    "unknown-probe",
  );
  session.close();
  stranger.close();
  assertEquals(net.openSockets(), 0);
});

Deno.test("udp (default): the quote must equal the payload on every byte a router surely kept", () => {
  const net = kit.silentNetwork(4);
  const session = defaultMethod.open(kit.contextFor(net, { dataLength: 120 }));
  const probe = kit.probeAt(2);
  const { bytes, socket } = kit.send(session, net, probe);
  const to = { address: target, port: 33434 };
  const match = (quote: Uint8Array) =>
    kit.named(session.match(kit.fromErrorQueue(socket, quote, to, error4)));
  assertEquals(match(bytes), { probe: "2.0" });
  assertEquals(match(kit.flip(bytes, 0)), "quote-mismatch");
  assertEquals(match(kit.flip(bytes, 50)), "quote-mismatch");
  // 20 bytes of IP and 8 of UDP come first: bytes from 100 on may be RFC 4884 extensions.
  assertEquals(match(kit.flip(bytes, 99)), "quote-mismatch");
  assertEquals(match(kit.flip(bytes, 100)), { probe: "2.0" });
  // Routers may quote less; what they quote must agree.
  assertEquals(match(bytes.subarray(0, 4)), { probe: "2.0" });
  assertEquals(match(new Uint8Array(0)), { probe: "2.0" });
  assertEquals(match(kit.flip(bytes.subarray(0, 4), 3)), "quote-mismatch");
  session.close();
});

Deno.test("udp (default): data from the destination's port on the probe's socket answers it", () => {
  const net = kit.silentNetwork(4);
  const session = defaultMethod.open(kit.contextFor(net));
  const { socket } = kit.send(session, net, kit.probeAt(5));
  const answer = new TextEncoder().encode("hello");
  assertEquals(
    kit.named(session.match(kit.fromData(socket, answer, { address: target, port: 33434 }))),
    {
      probe: "5.0",
    },
  );
  assertEquals(
    session.match(kit.fromData(socket, answer, { address: target, port: 53 })),
    "foreign",
  );
  session.close();
});

Deno.test("udp (-U) and udplite: one constant port; IPv6 quotes are checked to byte 80", () => {
  const net = kit.silentNetwork(4);
  const session = udpMethod.open(kit.contextFor(net));
  const s1 = kit.send(session, net, kit.probeAt(1));
  const s2 = kit.send(session, net, kit.probeAt(2));
  assertEquals(net.sent.map((s) => s.port), [53, 53]);
  const to = { address: target, port: 53 };
  assertEquals(kit.named(session.match(kit.fromErrorQueue(s2.socket, s2.bytes, to, error4))), {
    probe: "2.0",
  });
  assertEquals(kit.named(session.match(kit.fromErrorQueue(s1.socket, s1.bytes, to, error4))), {
    probe: "1.0",
  });
  session.close();
  const lite = udpliteMethod.open(kit.contextFor(net, { port: 7000 }));
  const l1 = kit.send(lite, net, kit.probeAt(3));
  assertEquals(net.sent.at(-1)!.protocol, 136);
  const at7000 = { address: target, port: 7000 };
  assertEquals(kit.named(lite.match(kit.fromErrorQueue(l1.socket, l1.bytes, at7000, error4))), {
    probe: "3.0",
  });
  assertEquals(lite.match(kit.fromErrorQueue(l1.socket, l1.bytes, to, error4)), "foreign");
  lite.close();
  const net6 = kit.silentNetwork(6);
  const v6 = defaultMethod.open(kit.contextFor(net6, { dataLength: 120 }));
  const p = kit.send(v6, net6, kit.probeAt(1));
  const to6 = { address: kit.ADDRESSES[6].target, port: 33434 };
  const error6 = kit.icmpError(6);
  assertEquals(
    v6.match(kit.fromErrorQueue(p.socket, kit.flip(p.bytes, 79), to6, error6)),
    "quote-mismatch",
  );
  assertEquals(
    kit.named(v6.match(kit.fromErrorQueue(p.socket, kit.flip(p.bytes, 80), to6, error6))),
    {
      probe: "1.0",
    },
  );
  v6.close();
});

Deno.test("paris udp: one socket per flow; probes told apart by the identifier their payload carries", () => {
  const net = kit.silentNetwork(4);
  const session = defaultMethod.open(kit.contextFor(net, { paris: { flow: 0 } }));
  const [p1, p2, p3] = [kit.probeAt(1), kit.probeAt(2), kit.probeAt(3)];
  const s1 = kit.send(session, net, p1);
  const s2 = kit.send(session, net, p2);
  kit.send(session, net, p3);
  assertEquals(session.sockets().length, 1);
  assertEquals(net.sent.map((s) => s.port), [33434, 33434, 33434]);
  assertEquals(net.sent.map((s) => [s.data[0], s.data[1]]), [[0, 1], [0, 2], [0, 3]]);
  const socket = s1.socket;
  const to = { address: target, port: 33434 };
  const match = (quote: Uint8Array) =>
    kit.named(session.match(kit.fromErrorQueue(socket, quote, to, error4)));
  assertEquals(match(s2.bytes), { probe: "2.0" });
  assertEquals(match(s1.bytes), { probe: "1.0" });
  assertEquals(match(kit.flip(s2.bytes, 5)), "quote-mismatch");
  assertEquals(match(kit.flip(s2.bytes, 1)), { probe: "3.0" }, "identifier 3 with 3's payload");
  const unknown = s2.bytes.slice();
  unknown[1] = 9;
  assertEquals(match(unknown), "unknown-probe");
  assertEquals(
    session.match(kit.fromErrorQueue(socket, s2.bytes, { address: target, port: 53 }, error4)),
    "foreign",
  );
  // Data from the destination answers the nearest probe still waiting on the flow.
  assertEquals(kit.named(session.match(kit.fromData(socket, new Uint8Array([1]), to))), {
    probe: "1.0",
  });
  session.release(p1);
  assertEquals(kit.named(session.match(kit.fromData(socket, new Uint8Array([1]), to))), {
    probe: "2.0",
  });
  assertEquals(match(s1.bytes), "unknown-probe", "a released probe");
  // A quote without the identifier is the only probe in flight's, or no one's.
  assertEquals(match(new Uint8Array([0])), "unknown-probe");
  session.release(p3);
  assertEquals(match(new Uint8Array([0])), { probe: "2.0" });
  assertEquals(match(new Uint8Array(0)), { probe: "2.0" });
  session.close();
});

Deno.test("paris udp: a probe of another flow is matched only on its flow's socket", () => {
  const net = kit.silentNetwork(4);
  const session = defaultMethod.open(kit.contextFor(net, { paris: { flow: 0 } }));
  const a = kit.send(session, net, kit.probeAt(1, 0, 0));
  const b = kit.send(session, net, kit.probeAt(1, 1, 1));
  assertEquals(session.sockets().length, 2);
  const to = { address: target, port: 33434 };
  assertEquals(kit.named(session.match(kit.fromErrorQueue(b.socket, b.bytes, to, error4))), {
    probe: "1.1",
  });
  assertEquals(session.match(kit.fromErrorQueue(a.socket, b.bytes, to, error4)), "unknown-probe");
  assertEquals(session.match(kit.fromErrorQueue(b.socket, a.bytes, to, error4)), "unknown-probe");
  session.close();
  assertEquals(net.openSockets(), 0);
});
