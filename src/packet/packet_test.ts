import { assertEquals, assertOk } from "../../tests/assert.ts";
import { addressBytes } from "./address.ts";
import { checksumValid, internetChecksum, pseudoHeaderSum } from "./checksum.ts";
import {
  decodeICMPv4,
  encodeICMPv4Error,
  ICMP4,
  icmpv4ChecksumValid,
  writeICMPv4Echo,
} from "./icmpv4.ts";
import { decodeICMPv6, ICMP6, icmpv6Checksum, writeICMPv6Echo } from "./icmpv6.ts";
import { decodeIPv4, encodeIPv4 } from "./ipv4.ts";
import { decodeIPv6, encodeIPv6 } from "./ipv6.ts";
import { decodeUDP, encodeUDP } from "./udp.ts";
import { probePayload } from "./payload.ts";

// Checksums below were computed independently (Python, RFC 1071 by hand).

Deno.test("Internet checksum of an IPv4 header", () => {
  const header = encodeIPv4({
    payloadLength: 40,
    id: 0x1c46,
    dontFragment: true,
    ttl: 64,
    protocol: 17,
    source: addressBytes("198.18.0.2"),
    destination: addressBytes("198.18.9.9"),
  });
  assertEquals(new DataView(header.buffer).getUint16(10), 0x893b);
  assertOk(checksumValid(header));
  assertEquals(internetChecksum(new Uint8Array([0x45, 0x00, 0x00, 0x1c])), 0xbae3);
  // An odd length pads with a zero byte.
  assertEquals(internetChecksum(new Uint8Array([0x01])), 0xfeff);
});

Deno.test("ICMP echo request: header, payload and checksum", () => {
  const message = probePayload(40, 8);
  writeICMPv4Echo(message, ICMP4.echo, 0x1234, 1);
  const echo = decodeICMPv4(message)!;
  assertEquals([echo.type, echo.code, echo.ident, echo.sequence], [8, 0, 0x1234, 1]);
  assertEquals(echo.checksum, 0x7045);
  assertOk(icmpv4ChecksumValid(message));
  assertEquals(message[8], 0x48); // payload byte i is 0x40 + (i & 0x3f)
  message[20]! ^= 1;
  assertOk(!icmpv4ChecksumValid(message));
});

Deno.test("ICMPv6 echo request checksum over the pseudo-header", () => {
  const source = addressBytes("2001:db8::1");
  const destination = addressBytes("2001:db8::2");
  const message = probePayload(40, 8);
  writeICMPv6Echo(message, ICMP6.echoRequest, 0x1234, 1, { source, destination });
  assertEquals(decodeICMPv6(message)!.checksum, 0x9c6d);
  assertEquals(icmpv6Checksum(message, source, destination), 0);
  // Without addresses the kernel computes it: left zero.
  writeICMPv6Echo(message, ICMP6.echoRequest, 0x1234, 1);
  assertEquals(decodeICMPv6(message)!.checksum, 0);
});

Deno.test("UDP checksum over the IPv4 pseudo-header", () => {
  const source = addressBytes("198.18.0.2");
  const destination = addressBytes("198.18.9.9");
  const datagram = encodeUDP(40000, 33434, probePayload(32), source, destination);
  const udp = decodeUDP(datagram)!;
  assertEquals(udp, { sourcePort: 40000, destinationPort: 33434, length: 40, checksum: 0x568e });
  assertOk(checksumValid(datagram, pseudoHeaderSum(source, destination, 17, datagram.length)));
});

Deno.test("a time-exceeded error quoting a UDP probe decodes down to the probe's ports", () => {
  const source = addressBytes("198.18.0.2");
  const destination = addressBytes("198.18.9.9");
  const udp = encodeUDP(40000, 33435, probePayload(32), source, destination);
  const ip = encodeIPv4({ payloadLength: udp.length, ttl: 1, protocol: 17, source, destination });
  const original = new Uint8Array([...ip, ...udp.subarray(0, 8)]); // header + 8 bytes, as RFC 792
  const error = encodeICMPv4Error(ICMP4.timeExceeded, 0, original);
  assertOk(icmpv4ChecksumValid(error));
  const icmp = decodeICMPv4(error)!;
  assertEquals([icmp.type, icmp.code], [11, 0]);
  const inner = decodeIPv4(icmp.body)!;
  assertEquals([inner.source, inner.destination, inner.protocol, inner.ttl], [
    "198.18.0.2",
    "198.18.9.9",
    17,
    1,
  ]);
  const quoted = decodeUDP(icmp.body.subarray(inner.headerLength))!;
  assertEquals([quoted.sourcePort, quoted.destinationPort], [40000, 33435]);
});

Deno.test("fragmentation needed carries the next-hop MTU", () => {
  const ip = encodeIPv4({
    payloadLength: 8,
    ttl: 5,
    protocol: 17,
    source: addressBytes("198.18.0.2"),
    destination: addressBytes("198.18.9.9"),
  });
  const icmp = decodeICMPv4(encodeICMPv4Error(ICMP4.destUnreach, 4, ip, 1400))!;
  assertEquals([icmp.type, icmp.code, icmp.nextHopMtu], [3, 4, 1400]);
});

Deno.test("IPv6 header round trip, and a quoted IPv6 probe", () => {
  const header = encodeIPv6({
    trafficClass: 0x10,
    flowLabel: 0x12345,
    payloadLength: 40,
    nextHeader: 17,
    hopLimit: 3,
    source: addressBytes("2001:db8::2"),
    destination: addressBytes("2001:db8:9::9"),
  });
  assertEquals(decodeIPv6(header), {
    trafficClass: 0x10,
    flowLabel: 0x12345,
    payloadLength: 40,
    nextHeader: 17,
    hopLimit: 3,
    source: "2001:db8::2",
    destination: "2001:db8:9::9",
  });
  const error = new Uint8Array(8 + header.length);
  error[0] = ICMP6.timeExceeded;
  error.set(header, 8);
  const icmp = decodeICMPv6(error)!;
  assertEquals(decodeIPv6(icmp.body)!.destination, "2001:db8:9::9");
});

Deno.test("short or foreign bytes decode to null, never throw", () => {
  assertEquals(decodeIPv4(new Uint8Array(19)), null);
  assertEquals(decodeIPv4(new Uint8Array(20).fill(0x60)), null); // version 6
  const badIhl = new Uint8Array(20);
  badIhl[0] = 0x4f; // IHL 60 bytes > 20 available
  assertEquals(decodeIPv4(badIhl), null);
  badIhl[0] = 0x44; // IHL 16 < 20
  assertEquals(decodeIPv4(badIhl), null);
  assertEquals(decodeIPv6(new Uint8Array(39)), null);
  assertEquals(decodeIPv6(new Uint8Array(40)), null); // version 0
  assertEquals(decodeICMPv4(new Uint8Array(7)), null);
  assertEquals(decodeICMPv6(new Uint8Array(7)), null);
  assertEquals(decodeUDP(new Uint8Array(7)), null);
});
