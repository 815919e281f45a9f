import { assertEquals } from "../../tests/assert.ts";
import { addressBytes } from "./address.ts";
import { DCCP, decodeDccpPorts, encodeDccpRequest } from "./dccp.ts";
import {
  decodeTcp,
  decodeTcpQuote,
  encodeTcp,
  encodeTcpOptions,
  TCP_FLAGS,
  tcpFlagNames,
} from "./tcp.ts";

// Checksums computed independently (Python).
const source = addressBytes("198.18.1.1");
const destination = addressBytes("198.18.3.2");

Deno.test("TCP options in Linux traceroute's layout", () => {
  const all = encodeTcpOptions({
    mss: 1460,
    sack: true,
    timestamps: { value: 1, echo: 0 },
    windowScaling: true,
  });
  assertEquals([...all], [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 2]);
  const tsOnly = encodeTcpOptions({
    mss: null,
    sack: false,
    timestamps: { value: 1, echo: 2 },
    windowScaling: false,
  });
  assertEquals([...tsOnly], [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
  const sackOnly = encodeTcpOptions({
    mss: null,
    sack: true,
    timestamps: null,
    windowScaling: false,
  });
  assertEquals([...sackOnly], [1, 1, 4, 2]);
  assertEquals(
    encodeTcpOptions({ mss: 536, sack: false, timestamps: null, windowScaling: false }).length,
    4,
  );
});

Deno.test("a SYN with options: length, fields, checksum", () => {
  const options = encodeTcpOptions({
    mss: 1460,
    sack: true,
    timestamps: { value: 1, echo: 0 },
    windowScaling: true,
  });
  const syn = encodeTcp(
    {
      sourcePort: 40000,
      destinationPort: 80,
      sequence: 0x01020304,
      acknowledgment: 0,
      flags: TCP_FLAGS.syn,
      window: 5840,
      options,
    },
    source,
    destination,
  );
  assertEquals(syn.length, 40);
  const tcp = decodeTcp(syn)!;
  assertEquals(
    [tcp.sourcePort, tcp.destinationPort, tcp.sequence, tcp.headerLength, tcp.flags, tcp.window],
    [40000, 80, 0x01020304, 40, 0x02, 5840],
  );
  assertEquals(tcp.checksum, 0x0076);
  assertEquals(decodeTcpQuote(syn.subarray(0, 8)), {
    sourcePort: 40000,
    destinationPort: 80,
    sequence: 0x01020304,
  });
});

Deno.test("TCP flag names in Linux traceroute's order", () => {
  assertEquals(tcpFlagNames(0x12), ["syn", "ack"]);
  assertEquals(tcpFlagNames(0x14), ["rst", "ack"]);
  assertEquals(tcpFlagNames(0xff), ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"]);
  assertEquals(tcpFlagNames(0), []);
});

Deno.test("malformed TCP headers decode to null", () => {
  assertEquals(decodeTcpQuote(new Uint8Array(7)), null);
  assertEquals(decodeTcp(new Uint8Array(19)), null);
  const short = new Uint8Array(20);
  short[12] = 0x40; // data offset 16 bytes
  assertEquals(decodeTcp(short), null);
  short[12] = 0xf0; // 60 bytes > 20 available
  assertEquals(decodeTcp(short), null);
});

Deno.test("a DCCP-Request: layout and checksum", () => {
  const request = encodeDccpRequest(
    {
      sourcePort: 40000,
      destinationPort: 33434,
      sequence: 0x01020304,
      serviceCode: 1885957735,
    },
    source,
    destination,
  );
  assertEquals(request.length, DCCP.request);
  const view = new DataView(request.buffer);
  assertEquals([view.getUint8(4), view.getUint8(8), view.getUint32(12), view.getUint32(16)], [
    5,
    1,
    0x01020304,
    1885957735,
  ]);
  assertEquals(view.getUint16(6), 0x67f0);
  assertEquals(decodeDccpPorts(request), { sourcePort: 40000, destinationPort: 33434 });
  assertEquals(decodeDccpPorts(new Uint8Array(3)), null);
});
