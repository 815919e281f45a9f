/**
 * The outbox: datagrams that sockets queue (`sendLater`), handed to the
 * shim's sending thread 16 at a time (native/outbox.h). Over a virtual link
 * the kernel forwards a datagram, and its answer, within the send itself; on
 * that thread the work runs beside the JavaScript thread. Each datagram has a
 * ticket; the thread stores its send time (and then the ticket, as a tag) in
 * a ring just before the send, so an answer's probe finds its time there, and
 * its result after it. The rings are read in place, without a call.
 *
 * @module
 */
import type { SystemError } from "../src/core/errors.ts";
import type { QueuedSend } from "../src/core/transport.ts";
import { systemError } from "./errno.ts";
import { shim } from "./library.ts";
import { OUTBOX_RING, SIZE } from "./symbols.ts";

/** Datagrams per hand-over. */
export const BATCH = 16;
/**
 * The most datagrams queued ahead of those sent: the thread must not run so
 * far ahead that the answers overflow a socket before they are read.
 */
export const MAX_AHEAD = 256;

/** Queued datagrams, sent by the shim's thread. */
export class Outbox {
  readonly #entries = new Uint8Array(BATCH * SIZE.send);
  readonly #view = new DataView(this.#entries.buffer);
  #data = new Uint8Array(BATCH * 256);
  #count = 0;
  #dataLength = 0;
  /** The next ticket; tickets before it are handed over or queued here. */
  #next = 0;
  /** The first ticket not yet handed over. */
  #firstQueued = 0;
  /** Datagrams done, as last looked at (a count, not mod 2^32). */
  #doneSeen = 0;
  #rings: { times: Float64Array; results: Int32Array; tags: Uint32Array } | null = null;

  #ring() {
    if (!this.#rings) {
      const view = (pointer: Deno.PointerValue, bytes: number) =>
        Deno.UnsafePointerView.getArrayBuffer(pointer!, bytes);
      const s = shim();
      this.#rings = {
        times: new Float64Array(view(s.hw_outbox_times(), OUTBOX_RING * 8)),
        results: new Int32Array(view(s.hw_outbox_results(), OUTBOX_RING * 4)),
        tags: new Uint32Array(view(s.hw_outbox_tags(), OUTBOX_RING * 4)),
      };
    }
    return this.#rings;
  }

  /**
   * Queues `data` for socket `fd` (of `family`), to `to` (an encoded
   * hw_addr), with hop limit `ttl`; returns its ticket.
   *
   * @throws {SystemError} when the shim cannot take a batch (no memory, no thread)
   */
  add(fd: number, family: number, data: Uint8Array, to: Uint8Array, ttl: number): number {
    if (this.#dataLength + data.length > this.#data.length) {
      const grown = new Uint8Array(Math.max(2 * this.#data.length, this.#dataLength + data.length));
      grown.set(this.#data.subarray(0, this.#dataLength));
      this.#data = grown;
    }
    const at = this.#count * SIZE.send;
    const view = this.#view;
    view.setInt32(at, fd, true);
    view.setInt16(at + 4, ttl, true);
    view.setUint16(at + 6, family, true);
    view.setUint32(at + 8, this.#dataLength, true);
    view.setUint32(at + 12, data.length, true);
    this.#entries.set(to, at + 16);
    this.#data.set(data, this.#dataLength);
    this.#dataLength += data.length;
    const ticket = this.#next++;
    if (++this.#count === BATCH) this.flush();
    if (this.#next - this.#doneSeen > MAX_AHEAD) {
      this.#doneSeen = this.#done();
      if (this.#next - this.#doneSeen > MAX_AHEAD) {
        shim().hw_outbox_wait_done((this.#next - MAX_AHEAD) >>> 0);
        this.#doneSeen = this.#done();
      }
    }
    return ticket;
  }

  /**
   * Hands what is queued to the sending thread (which copies it); returns at once.
   *
   * @throws {SystemError} when the shim cannot take the batch
   */
  flush(): void {
    if (this.#count === 0) return;
    const count = this.#count;
    const first = this.#firstQueued;
    // The shim copies the entries and the bytes in use, not the whole (grown) data buffer.
    const rc = shim().hw_outbox_push(
      this.#entries,
      count,
      this.#data,
      this.#dataLength,
      first >>> 0,
    );
    this.#count = 0;
    this.#dataLength = 0;
    this.#firstQueued += count;
    if (rc < 0) throw systemError("send", rc);
  }

  /** The time `ticket` left, once its send has started; null before, or when its slot was reused. */
  sentAt(ticket: number): number | null {
    if (this.#next - ticket > OUTBOX_RING) return null;
    const slot = ticket % OUTBOX_RING;
    const { times, tags } = this.#ring();
    if (tags[slot] !== ticket >>> 0) return null;
    return times[slot]!;
  }

  /** The error of `ticket`'s failed send; null when it was sent, or is not done yet. */
  error(ticket: number): SystemError | null {
    if (ticket >= this.#done() || this.#next - ticket > OUTBOX_RING) return null;
    const rc = this.#ring().results[ticket % OUTBOX_RING]!;
    return rc < 0 ? systemError("send", rc) : null;
  }

  /** Whether `ticket` has been handed out and its send is not done yet. */
  pending(ticket: number): boolean {
    return ticket >= this.#done();
  }

  /** Datagrams done: the shim's count (mod 2^32) unwrapped against the tickets issued. */
  #done(): number {
    const lag = ((this.#next >>> 0) - shim().hw_outbox_done()) >>> 0;
    return this.#next - lag;
  }

  /** Blocks until every datagram handed over is sent (before its socket closes). */
  drain(): void {
    this.flush();
    shim().hw_outbox_drain();
  }

  /** A queued send of `ticket`, as a socket's sendLater returns it. */
  queued(ticket: number, queuedAt: number): QueuedSend {
    return new Queued(this, ticket, queuedAt);
  }
}

/** A send in the outbox: one object a probe, asking the outbox by its ticket (no closures). */
class Queued implements QueuedSend {
  readonly queuedAt: number;
  readonly #outbox: Outbox;
  readonly #ticket: number;

  constructor(outbox: Outbox, ticket: number, queuedAt: number) {
    this.#outbox = outbox;
    this.#ticket = ticket;
    this.queuedAt = queuedAt;
  }

  sentAt(): number | null {
    return this.#outbox.sentAt(this.#ticket);
  }

  error(): SystemError | null {
    return this.#outbox.error(this.#ticket);
  }
}

let shared: Outbox | null = null;

/** The process's outbox: the shim has one sending thread and one ring of tickets. */
export function processOutbox(): Outbox {
  shared ??= new Outbox();
  return shared;
}
