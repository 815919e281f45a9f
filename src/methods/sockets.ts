/**
 * What every method does with its sockets: open a raw one (or say which
 * privilege is missing), address the target, send a probe the way Linux
 * traceroute's do_send does, find the transport header in what a raw
 * socket reads, and keep the sockets of a method that opens one per probe.
 *
 * @module
 */
import type { Probe } from "../core/probe.ts";
import type { Family } from "../packet/address.ts";
import { PrivilegeError, SystemError } from "../core/errors.ts";
import { decodeIPv4 } from "../packet/ipv4.ts";
import type { Datagram, Endpoint, Socket, Transport } from "../core/transport.ts";
import type { MethodName } from "../core/model.ts";
import type { MethodContext } from "../core/method.ts";

/**
 * Opens a raw socket for `method`. EPERM (no CAP_NET_RAW) becomes a
 * PrivilegeError, which the CLI reports as Linux traceroute does.
 */
export function openRawSocket(
  transport: Transport,
  family: Family,
  protocol: number,
  method: MethodName,
): Socket {
  try {
    return transport.socket(family, "raw", protocol);
  } catch (e) {
    if (e instanceof SystemError && e.code === "EPERM") throw new PrivilegeError(method, e);
    throw e;
  }
}

/** The target with `port`, and the IPv6 flow information `-t` / `-l` ask for. */
export function targetEndpoint(
  context: Pick<MethodContext, "target" | "flowInfo">,
  port: number,
): Endpoint {
  return context.flowInfo
    ? { address: context.target, port, flowInfo: context.flowInfo }
    : { address: context.target, port };
}

/** Errors after which a send is retried later (Linux traceroute's do_send). */
export const TRY_LATER: ReadonlySet<string> = new Set(["ENOBUFS", "EAGAIN"]);
/** Errors a send shrugs off: the error queue says more (Linux traceroute's do_send). */
export const REPORTED_LATER: ReadonlySet<string> = new Set(["EMSGSIZE", "EHOSTUNREACH"]);

/**
 * Sends `data` on `socket`, following Linux traceroute's do_send: returns the
 * send time, or null when the kernel asks to try later.
 */
export function sendProbe(
  socket: Socket,
  data: Uint8Array,
  now: () => number,
  to?: Endpoint,
): number | null {
  const before = now();
  try {
    return socket.send(data, to);
  } catch (e) {
    if (e instanceof SystemError) {
      if (TRY_LATER.has(e.code)) return null;
      if (REPORTED_LATER.has(e.code)) return before;
    }
    throw e;
  }
}

/**
 * Errors a send on a long-lived socket may return without sending: an ICMP
 * error for an earlier probe left the socket's pending error (sk_err) set,
 * and the next send reports and clears it (the error itself waits in the
 * error queue).
 */
const PENDING_ERRORS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EPROTO"]);

/**
 * Sends on a long-lived socket as {@linkcode sendProbe} does, first trying
 * again (twice at most) when the send only reported an earlier probe's error.
 */
export function sendOnLongLived(
  socket: Socket,
  data: Uint8Array,
  now: () => number,
): number | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return socket.send(data);
    } catch (e) {
      if (!(e instanceof SystemError && PENDING_ERRORS.has(e.code))) throw e;
    }
  }
  return sendProbe(socket, data, now);
}

/**
 * The transport-layer bytes of a message read from a raw socket's normal
 * queue: raw IPv4 sockets hand over the IP header too. Null when the IPv4
 * header is malformed.
 */
export function rawPayload(datagram: Datagram, family: Family): Uint8Array | null {
  if (family === 6) return datagram.data;
  const ip = decodeIPv4(datagram.data);
  return ip ? datagram.data.subarray(ip.headerLength) : null;
}

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
