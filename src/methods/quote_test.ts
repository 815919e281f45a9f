import { assertEquals } from "../../tests/assert.ts";
import { quotesExactly } from "./quote.ts";

Deno.test("quotesExactly: every byte before offset 128 of the original datagram must match", () => {
  const sent = new Uint8Array(272).map((_, i) => i & 0xff);
  // A UDP payload quoted by a router that appends RFC 4884 extensions after
  // 136 bytes of the datagram (20 IP + 8 UDP + 108 payload).
  const quoted = new Uint8Array(108 + 12);
  quoted.set(sent.subarray(0, 108));
  quoted.set([0x20, 0, 0xde, 0xad, 0, 8, 1, 1, 0x03, 0xe8, 0x11, 0x01], 108);
  assertEquals(quotesExactly(quoted, sent, 28), true);
  // Past offset 128 (payload byte 100) anything may stand in the probe's place...
  const late = quoted.slice();
  late[100] = ~sent[100]! & 0xff;
  assertEquals(quotesExactly(late, sent, 28), true);
  // ...before it, one changed byte is a mismatch.
  const early = quoted.slice();
  early[99] = ~sent[99]! & 0xff;
  assertEquals(quotesExactly(early, sent, 28), false);
  // Bytes before `from` are not compared.
  const header = quoted.slice();
  header[3] = ~sent[3]! & 0xff;
  assertEquals(quotesExactly(header, sent, 28, 8), true);
  assertEquals(quotesExactly(header, sent, 28), false);
});
