/**
 * A fake DNS server behind a fake transport, for the tests of hopwise's own
 * lookups (src/lookup/stub_resolver.ts, resolver.ts): a function answers
 * each question at once, or not at all.
 *
 * @module
 */
import { answerBytes, type TestAnswer } from "./dns_answers.ts";
import type { Datagram, Endpoint, Readiness, Socket, Transport } from "../../src/core/transport.ts";
import { parsePtrAnswer } from "../../src/lookup/dns_message.ts";

/** A question as the fake server saw it. */
export interface Asked {
  /** When (the fake clock, ms). */
  at: number;
  /** The server asked. */
  server: string;
  /** The question's identifier. */
  id: number;
  /** The name asked, lower case. */
  name: string;
}

/** How the fake servers answer a question (null: silence). */
export type Serve = (q: Asked) => (Partial<TestAnswer> & { from?: string }) | null;

/** A transport whose sockets' questions a function answers at once; its clock moves only in waits. */
export class DnsFake implements Transport {
  /** The clock, ms: moved only by waits that find nothing. */
  clock = 0;
  /** Every question sent, in order. */
  readonly asked: Asked[] = [];
  readonly #inbox: Array<{ socket: Socket; datagram: Datagram }> = [];
  /** Sockets opened. */
  sockets = 0;

  /** A server answering as `serve` says. */
  constructor(readonly serve: Serve) {}

  now(): number {
    return this.clock;
  }
  pid(): number {
    return 1;
  }
  socket(family: 4 | 6): Socket {
    this.sockets++;
    // deno-lint-ignore no-this-alias
    const fake = this; // the socket object's methods reach the transport
    const socket = {
      family,
      kind: "dgram",
      protocol: 17,
      closed: false,
      send(data: Uint8Array, to?: Endpoint): number {
        const q = parsePtrAnswer(
          new Uint8Array([...data.subarray(0, 2), 0x80, ...data.subarray(3)]),
        )!;
        const asked = { at: fake.clock, server: to!.address, id: q.id, name: q.question };
        fake.asked.push(asked);
        const a = fake.serve(asked);
        if (a) {
          const bytes = answerBytes({ id: q.id, question: q.question, ...a });
          fake.#inbox.push({
            socket,
            datagram: {
              data: bytes,
              from: { address: a.from ?? to!.address, port: 53 },
              receivedAt: null,
              ttl: null,
              error: null,
              truncated: false,
            },
          });
        }
        return fake.clock;
      },
      receive(): Datagram | null {
        const i = fake.#inbox.findIndex((m) => m.socket === socket);
        return i < 0 ? null : fake.#inbox.splice(i, 1)[0]!.datagram;
      },
      takeError: () => null,
      close() {},
    } as unknown as Socket;
    return socket;
  }
  async wait(
    sockets: readonly Socket[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Readiness[]> {
    await Promise.resolve();
    if (signal?.aborted) return [];
    const ready = sockets.filter((s) => this.#inbox.some((m) => m.socket === s));
    if (ready.length === 0) this.clock += timeoutMs;
    return ready.map((socket) => ({ socket, readable: true, error: false, writable: false }));
  }
}
