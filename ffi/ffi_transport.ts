/**
 * The real transport: sockets from the shim, and one poll(2) for all of them,
 * run on another thread so the JavaScript thread never blocks.
 *
 * @module
 */
import type { Family } from "../src/packet/address.ts";
import type { Readiness, Socket, SocketKind, Transport } from "../src/core/transport.ts";
import { systemError } from "./errno.ts";
import { shim } from "./library.ts";
import { dropPrivileges, privileged } from "./privileges.ts";
import { processOutbox } from "./outbox.ts";
import { FfiSocket } from "./socket.ts";
import { POLL, SIZE } from "./symbols.ts";

/**
 * Sockets and waiting through the C shim.
 *
 * While it is open the transport holds one socket with SO_TIMESTAMPNS on.
 * Linux turns receive timestamping on for the whole system lazily, through
 * deferred work, when the first socket asks for it; a reply that arrives
 * before that work has run carries no timestamp and recvmsg() stamps it with
 * the time it is read, which would add our own delay to the RTT. Opening the
 * keeper before the host is resolved leaves that work ample time.
 */
export class FfiTransport implements Transport {
  #wake: [read: number, write: number] | null = null;
  #keeper: FfiSocket | null = null;
  /** The pollfd array, grown as needed and reused: a wait allocates none. */
  #entries = new Uint8Array(64 * SIZE.poll);
  #waiting = false;
  /** Sends queued by sockets, sent by the shim's thread. */
  readonly #outbox = processOutbox();

  /** Loads the shim and opens the timestamp keeper. */
  constructor() {
    for (const family of [4, 6] as const) {
      try {
        const keeper = new FfiSocket(family, "dgram", 17, this.#outbox);
        keeper.setInt("timestamp", 1);
        this.#keeper = keeper;
        break;
      } catch {
        // No UDP socket of this family here; try the other. Without any, RTTs
        // of the very first replies may include a little of our own time.
      }
    }
  }

  now(): number {
    return shim().hw_now();
  }

  socket(family: Family, kind: SocketKind, protocol: number): Socket {
    return new FfiSocket(family, kind, protocol, this.#outbox);
  }

  pid(): number {
    return Deno.pid;
  }

  descriptorLimit(want: number): number {
    const rc = shim().hw_raise_nofile(Math.max(0, Math.min(want, 2 ** 31 - 1)));
    if (rc < 0) throw systemError("setrlimit", rc);
    return rc;
  }

  openDescriptors(): number | null {
    try {
      let count = 0;
      for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
      return count - 1; // the directory's own descriptor, open while it is read
    } catch {
      return null; // no /proc, or no permission to read it
    }
  }

  privileged(): boolean {
    return Deno.build.os === "linux" && privileged();
  }

  dropPrivileges(): number | null {
    return dropPrivileges()?.uid ?? null;
  }

  #wakePipe(): [number, number] {
    if (!this.#wake) {
      const out = new Uint8Array(8);
      const rc = shim().hw_pipe(out);
      if (rc < 0) throw systemError("pipe", rc);
      const view = new DataView(out.buffer);
      this.#wake = [view.getInt32(0, true), view.getInt32(4, true)];
    }
    return this.#wake;
  }

  async wait(
    sockets: readonly Socket[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Readiness[]> {
    if (signal?.aborted) return [];
    // What is queued goes to the sending thread before the wait for its answers.
    this.#outbox.flush();
    const open = sockets.filter((s): s is FfiSocket => s instanceof FfiSocket && !s.closed);
    const wake = signal ? this.#wakePipe() : null;
    const count = open.length + (wake ? 1 : 0);
    // Two waits at once (two runs sharing this transport) cannot share the array.
    const shared = !this.#waiting;
    if (shared && this.#entries.length < Math.max(count, 1) * SIZE.poll) {
      this.#entries = new Uint8Array(2 * count * SIZE.poll);
    }
    const entries = shared ? this.#entries : new Uint8Array(Math.max(count, 1) * SIZE.poll);
    if (shared) this.#waiting = true;
    const view = new DataView(entries.buffer);
    open.forEach((s, i) => {
      view.setInt32(i * SIZE.poll, s.fd, true);
      view.setInt16(
        i * SIZE.poll + 4,
        POLL.in | POLL.err | (s.watchWritable ? POLL.out : 0),
        true,
      );
    });
    if (wake) {
      view.setInt32(open.length * SIZE.poll, wake[0], true);
      view.setInt16(open.length * SIZE.poll + 4, POLL.in, true);
    }
    const onAbort = () => {
      if (wake) shim().hw_write(wake[1], new Uint8Array(1), 1);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let rc: number;
    let revents: number[];
    try {
      const timeout = Math.max(0, Math.min(Math.ceil(timeoutMs), 2 ** 31 - 1));
      rc = await shim().hw_poll(entries, count, timeout);
      // Read the results before another wait may reuse the array.
      revents = open.map((_, i) => view.getInt16(i * SIZE.poll + 6, true));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (shared) this.#waiting = false;
    }
    if (wake) {
      const drain = new Uint8Array(64);
      while (shim().hw_read(wake[0], drain, drain.length) > 0) { /* drain */ }
    }
    if (rc < 0) {
      const error = systemError("poll", rc);
      if (error.code === "EINTR") return [];
      throw error;
    }
    const ready: Readiness[] = [];
    open.forEach((socket, i) => {
      const events = revents[i]!;
      if (events & (POLL.in | POLL.err | POLL.out | POLL.hup)) {
        ready.push({
          socket,
          readable: (events & POLL.in) !== 0,
          error: (events & POLL.err) !== 0,
          writable: (events & (POLL.out | POLL.hup)) !== 0,
        });
      }
    });
    return ready;
  }

  /** Closes the wake-up pipe and the timestamp keeper. */
  close(): void {
    this.#keeper?.close();
    this.#keeper = null;
    if (this.#wake) {
      shim().hw_close(this.#wake[0]);
      shim().hw_close(this.#wake[1]);
      this.#wake = null;
    }
  }
}
