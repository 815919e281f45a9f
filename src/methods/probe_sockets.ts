/**
 * The sockets of a method that opens one socket per probe (udp, udplite,
 * default, tcpconn): whose probe a socket is, and closing a probe's socket
 * when the probe is done, or every one when the session closes.
 *
 * @module
 */
import type { Probe } from "../core/probe.ts";
import type { Socket } from "../core/transport.ts";

/** One socket per probe, with what the method keeps about each (`T`). */
export class ProbeSockets<T> {
  #bySocket = new Map<Socket, T>();
  #byProbe = new Map<Probe, Socket>();

  /** Every open socket. */
  sockets(): readonly Socket[] {
    return [...this.#bySocket.keys()];
  }

  /** Files `socket` as `probe`'s, with `entry`. */
  add(probe: Probe, socket: Socket, entry: T): void {
    this.#bySocket.set(socket, entry);
    this.#byProbe.set(probe, socket);
  }

  /** What was filed with `socket`, or undefined when it is no probe's. */
  get(socket: Socket): T | undefined {
    return this.#bySocket.get(socket);
  }

  /** Closes `probe`'s socket and forgets it (nothing when it has none). */
  release(probe: Probe): void {
    const socket = this.#byProbe.get(probe);
    if (!socket) return;
    socket.close();
    this.#byProbe.delete(probe);
    this.#bySocket.delete(socket);
  }

  /** Closes every socket. */
  close(): void {
    for (const socket of this.#bySocket.keys()) socket.close();
    this.#bySocket.clear();
    this.#byProbe.clear();
  }
}
