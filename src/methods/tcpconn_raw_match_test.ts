/**
 * The matchers that need no packet parsing: `tcpconn` (a connecting socket
 * per probe: the connection's outcome, or an ICMP error on its error queue)
 * and `raw` (one probe at a time: whatever concerns the target is its).
 */
import { assertEquals } from "../../tests/assert.ts";
import type { Arrival } from "../core/method.ts";
import { probePayload } from "../packet/payload.ts";
import { rawMethod } from "./raw.ts";
import { tcpconnMethod } from "./tcpconn.ts";
import type { Socket } from "../core/transport.ts";
import * as kit from "../../tests/helpers/match_harness.ts";

const { source, target, other } = kit.ADDRESSES[4];

const connection = (
  socket: Socket,
  outcome: "connected" | "refused",
  handshakeRtt: number | null = null,
): Arrival => ({ kind: "connection", socket, outcome, seenAt: 40, handshakeRtt });

Deno.test("tcpconn: a connection refused or made answers the probe of its socket", async () => {
  const net = kit.silentNetwork(4);
  const session = tcpconnMethod.open(kit.contextFor(net));
  const [p1, p2, p3] = [kit.probeAt(1), kit.probeAt(2), kit.probeAt(3)];
  const s1 = kit.send(session, net, p1);
  await net.wait([], 10); // the clock moves on: p2 is sent at 10 ms
  const s2 = kit.send(session, net, p2);
  const s3 = kit.send(session, net, p3);
  assertEquals([s1.socket.kind, s1.socket.watchWritable], ["stream", true]);
  assertEquals(session.sockets().length, 3);
  // Refused: the destination reset the SYN; the time is when it was seen.
  assertEquals(kit.named(session.match(connection(s1.socket, "refused"))), {
    probe: "1.0",
    receivedAt: 40,
    tcpFlags: ["rst"],
  });
  // Connected: the kernel's measurement of the handshake, from the send time.
  assertEquals(p2.sentAt, 10);
  assertEquals(kit.named(session.match(connection(s2.socket, "connected", 7))), {
    probe: "2.0",
    receivedAt: 17,
    tcpFlags: ["syn", "ack"],
  });
  // Without one, the time it was seen stands in.
  assertEquals(kit.named(session.match(connection(s3.socket, "connected"))), {
    probe: "3.0",
    receivedAt: 40,
    tcpFlags: ["syn", "ack"],
  });
  session.close();
  assertEquals(net.openSockets(), 0);
});

Deno.test("tcpconn: an ICMP error about the SYN on the probe's socket answers it; near misses do not", () => {
  const net = kit.silentNetwork(4);
  const session = tcpconnMethod.open(kit.contextFor(net));
  const [p1, p2] = [kit.probeAt(1), kit.probeAt(2)];
  const s1 = kit.send(session, net, p1);
  const s2 = kit.send(session, net, p2);
  const to = { address: target, port: 80 };
  const quote = new Uint8Array(0);
  assertEquals(
    kit.named(session.match(kit.fromErrorQueue(s2.socket, quote, to, kit.icmpError(4)))),
    {
      probe: "2.0",
    },
  );
  assertEquals(
    kit.named(session.match(kit.fromErrorQueue(s1.socket, quote, to, kit.icmpError(4)))),
    {
      probe: "1.0",
    },
  );
  // About a connection to another port; data on a stream socket; a queued message without an error.
  assertEquals(
    session.match(
      kit.fromErrorQueue(s1.socket, quote, { address: target, port: 81 }, kit.icmpError(4)),
    ),
    "foreign",
  );
  assertEquals(session.match(kit.fromData(s1.socket, quote, to)), "foreign");
  const bare = kit.fromErrorQueue(s1.socket, quote, to, kit.icmpError(4));
  if (bare.kind === "datagram") bare.datagram.error = null;
  assertEquals(session.match(bare), "foreign");
  // A socket of no probe: another's, or a released one's.
  const stranger = net.socket(4, "stream", 0);
  assertEquals(session.match(connection(stranger, "refused")), "unknown-probe");
  session.release(p1);
  assertEquals(s1.socket.closed, true);
  assertEquals(session.match(connection(s1.socket, "refused")), "unknown-probe");
  assertEquals(
    session.match(kit.fromErrorQueue(s1.socket, quote, to, kit.icmpError(4))),
    "unknown-probe",
  );
  stranger.close();
  session.close();
  assertEquals(net.openSockets(), 0);
});

Deno.test("tcpconn: -p sets the port its errors must name", () => {
  const net = kit.silentNetwork(4);
  const session = tcpconnMethod.open(kit.contextFor(net, { port: 443 }));
  const { socket } = kit.send(session, net, kit.probeAt(1));
  const error = kit.icmpError(4);
  const at = (port: number) =>
    kit.named(
      session.match(
        kit.fromErrorQueue(socket, new Uint8Array(0), { address: target, port }, error),
      ),
    );
  assertEquals(at(443), { probe: "1.0" });
  assertEquals(at(80), "foreign");
  session.close();
});

Deno.test("raw: one probe at a time; what comes from the target, or quotes its payload, is its", () => {
  const net = kit.silentNetwork(4);
  const session = rawMethod.open(kit.contextFor(net));
  const socket = session.sockets()[0]!;
  assertEquals([socket.kind, socket.protocol], ["raw", 253]);
  const fromTarget = { address: target, port: 0 };
  const reply = kit.withIPv4(new Uint8Array([1, 2, 3]), 253, target, source);
  assertEquals(
    session.match(kit.fromData(socket, reply, fromTarget)),
    "unknown-probe",
    "nothing sent",
  );
  const p1 = kit.probeAt(1);
  const { bytes } = kit.send(session, net, p1);
  assertEquals(bytes, probePayload(32));
  assertEquals(kit.named(session.match(kit.fromData(socket, reply, fromTarget))), { probe: "1.0" });
  assertEquals(session.match(kit.fromData(socket, reply, { address: other, port: 0 })), "foreign");
  assertEquals(session.match(kit.fromData(socket, reply, null)), "foreign");
  // An error quotes the payload after the IP header: it must be the probe's.
  const error = kit.icmpError(4);
  assertEquals(kit.named(session.match(kit.fromErrorQueue(socket, bytes, fromTarget, error))), {
    probe: "1.0",
  });
  assertEquals(
    kit.named(session.match(kit.fromErrorQueue(socket, bytes.subarray(0, 8), fromTarget, error))),
    {
      probe: "1.0",
    },
  );
  assertEquals(
    session.match(kit.fromErrorQueue(socket, kit.flip(bytes, 31), fromTarget, error)),
    "quote-mismatch",
  );
  assertEquals(
    session.match(kit.fromErrorQueue(socket, bytes, { address: other, port: 0 }, error)),
    "foreign",
  );
  session.release(p1);
  assertEquals(session.match(kit.fromData(socket, reply, fromTarget)), "unknown-probe", "released");
  const p2 = kit.probeAt(2);
  kit.send(session, net, p2);
  assertEquals(kit.named(session.match(kit.fromErrorQueue(socket, bytes, fromTarget, error))), {
    probe: "2.0",
  });
  session.release(p1); // releasing another probe leaves the current one
  assertEquals(kit.named(session.match(kit.fromData(socket, reply, fromTarget))), { probe: "2.0" });
  session.close();
  assertEquals(net.openSockets(), 0);
});

Deno.test("raw: -p or -O protocol picks the protocol; the quote's length follows the IP header", () => {
  const net = kit.silentNetwork(4);
  const gre = rawMethod.open(kit.contextFor(net, { keywords: new Map([["protocol", "47"]]) }));
  assertEquals(gre.sockets()[0]!.protocol, 47);
  gre.close();
  const byPort = rawMethod.open(kit.contextFor(net, { port: 17 }));
  assertEquals(byPort.sockets()[0]!.protocol, 17);
  byPort.close();
  // With 40 bytes of IP options, bytes from 68 on may be ICMP extensions.
  const session = rawMethod.open(kit.contextFor(net, { dataLength: 120, ipHeaderLength: 60 }));
  const socket = session.sockets()[0]!;
  const { bytes } = kit.send(session, net, kit.probeAt(1));
  const to = { address: target, port: 0 };
  const error = kit.icmpError(4);
  assertEquals(
    session.match(kit.fromErrorQueue(socket, kit.flip(bytes, 67), to, error)),
    "quote-mismatch",
  );
  assertEquals(
    kit.named(session.match(kit.fromErrorQueue(socket, kit.flip(bytes, 68), to, error))),
    {
      probe: "1.0",
    },
  );
  session.close();
});
