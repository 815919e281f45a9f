import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { SystemError } from "../errors.ts";
import { Statistics } from "../engine/statistics.ts";
import type { Datagram, Socket } from "../transport.ts";
import { quotesExactly, readReady } from "./method.ts";

function datagram(byte: number): Datagram {
  return {
    data: new Uint8Array([byte]),
    from: null,
    receivedAt: null,
    ttl: null,
    error: null,
    truncated: false,
  };
}

/** A socket whose normal reads return, in order, what `reads` lists. */
function socketReading(reads: (Datagram | string | null)[]): Socket {
  return {
    receive(errorQueue: boolean) {
      if (errorQueue) return null;
      const next = reads.shift() ?? null;
      if (typeof next === "string") throw new SystemError("recvmsg", next, next);
      return next;
    },
  } as unknown as Socket;
}

Deno.test("readReady: a pending socket error returned by a read is counted, then reading goes on", () => {
  const statistics = new Statistics();
  const socket = socketReading(["EHOSTUNREACH", datagram(1), "E71", datagram(2), null]);
  const read = [
    ...readReady({ socket, readable: true, error: false, writable: false }, 64, statistics),
  ];
  assertEquals(read.map((r) => r.datagram.data[0]), [1, 2]);
  assertEquals(statistics.socketErrors, 2);
  assertEquals(statistics.received, 2);
});

Deno.test("readReady: errors that are hopwise's own still end the run", () => {
  const socket = socketReading(["EBADF"]);
  assertThrows(
    () => [
      ...readReady({ socket, readable: true, error: false, writable: false }, 64, new Statistics()),
    ],
    SystemError,
  );
});

Deno.test("readReady: a pending error counts against the read limit (a flood cannot spin)", () => {
  const statistics = new Statistics();
  const socket = socketReading(Array(10).fill("EHOSTUNREACH"));
  const read = [
    ...readReady({ socket, readable: true, error: false, writable: false }, 4, statistics),
  ];
  assertEquals(read.length, 0);
  assertEquals(statistics.socketErrors, 4);
});

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
