import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { SystemError } from "../core/errors.ts";
import { Statistics } from "../core/statistics.ts";
import type { Datagram, Socket } from "../core/transport.ts";
import { arrivals } from "./receive.ts";
import type { Arrival } from "../core/method.ts";

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

/** What a poll reports for a socket with data waiting. */
function ready(socket: Socket) {
  return { socket, readable: true, error: false, writable: false };
}

/** The bytes of a datagram arrival. */
function dataOf(arrival: Arrival): Uint8Array {
  if (arrival.kind !== "datagram") throw new Error("not a datagram");
  return arrival.datagram.data;
}

/** A socket whose normal reads return, in order, what `reads` lists. */
function socketReading(reads: (Datagram | string | null)[]): Socket {
  return {
    kind: "dgram",
    closed: false,
    receive(errorQueue: boolean) {
      if (errorQueue) return null;
      const next = reads.shift() ?? null;
      if (typeof next === "string") throw new SystemError("recvmsg", next, next);
      return next;
    },
  } as unknown as Socket;
}

Deno.test("arrivals: a pending socket error returned by a read is counted, then reading goes on", () => {
  const statistics = new Statistics();
  const socket = socketReading(["EHOSTUNREACH", datagram(1), "E71", datagram(2), null]);
  const read = [
    ...arrivals(ready(socket), { limit: 64, untilMatch: false }, statistics, () => 0),
  ];
  assertEquals(read.map((r) => dataOf(r)[0]), [1, 2]);
  assertEquals(statistics.socketErrors, 2);
  assertEquals(statistics.received, 2);
});

Deno.test("arrivals: errors that are hopwise's own still end the run", () => {
  const socket = socketReading(["EBADF"]);
  assertThrows(
    () => [
      ...arrivals(ready(socket), { limit: 64, untilMatch: false }, new Statistics(), () => 0),
    ],
    SystemError,
  );
});

Deno.test("arrivals: a pending error counts against the read limit (a flood cannot spin)", () => {
  const statistics = new Statistics();
  const socket = socketReading(Array(10).fill("EHOSTUNREACH"));
  const read = [
    ...arrivals(ready(socket), { limit: 4, untilMatch: false }, statistics, () => 0),
  ];
  assertEquals(read.length, 0);
  assertEquals(statistics.socketErrors, 4);
});
