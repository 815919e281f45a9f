/**
 * The receive path, written once for every method: read what a ready socket
 * holds (its error queue first, then its data, or for a stream socket the
 * outcome of its connect), and turn a message a method matched into the
 * probe's answer, deciding here what the ICMP or local error means.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import { SystemError } from "../core/errors.ts";
import type { Arrival, Match, ReadPolicy } from "../core/method.ts";
import { findExtensions } from "../packet/icmp_extension.ts";
import type { ExtendedError, Readiness } from "../core/transport.ts";
import { classifyIcmp, classifyLocal, ignoredIcmp } from "./classify.ts";
import type { ProbeAnswer } from "../core/probe.ts";
import type { Statistics } from "../core/statistics.ts";

/** Read errors that are hopwise's own fault, never a pending socket error. */
const FATAL_READ_ERRORS = new Set(["EBADF", "EINVAL"]);

/**
 * What `ready` reports waiting on its socket: the error queue first, then
 * normal data (a stream socket's data is never read), at most
 * `policy.limit` messages from each, each counted in `statistics.received`;
 * then, for a stream socket, the outcome of its connect when there is one.
 * A normal read that returns a pending socket error is counted in
 * `statistics.socketErrors` and reading goes on.
 */
export function* arrivals(
  ready: Readiness,
  policy: ReadPolicy,
  statistics: Statistics,
  now: () => number,
): Generator<Arrival> {
  const { socket } = ready;
  const stream = socket.kind === "stream";
  for (const errorQueue of [true, false]) {
    if (errorQueue ? !ready.error : !ready.readable || stream) continue;
    for (let i = 0; i < policy.limit && !socket.closed; i++) {
      let datagram;
      try {
        datagram = socket.receive(errorQueue);
      } catch (e) {
        // With IP_RECVERR each ICMP error also sets the socket's pending
        // error, and a normal read returns (and clears) it instead of data
        // when the error arrived after the error queue was read. The error
        // itself waits in the queue for the next wakeup: read on.
        if (errorQueue || !(e instanceof SystemError) || FATAL_READ_ERRORS.has(e.code)) throw e;
        statistics.socketErrors++;
        continue;
      }
      if (!datagram) break;
      statistics.received++;
      yield { kind: "datagram", socket, errorQueue, datagram };
    }
  }
  if (!stream || socket.closed || (!ready.error && !ready.writable)) return;
  const pending = socket.takeError();
  if (pending === "ECONNREFUSED") {
    yield { kind: "connection", socket, outcome: "refused", seenAt: now(), handshakeRtt: null };
  } else if (pending === null && ready.writable) {
    let handshakeRtt: number | null = null;
    try {
      const rtt = socket.tcpRtt();
      if (rtt > 0) handshakeRtt = rtt;
    } catch {
      // No TCP_INFO: the time the connection was seen stands in.
    }
    yield { kind: "connection", socket, outcome: "connected", seenAt: now(), handshakeRtt };
  }
}

/** A matched arrival, with what it carries. */
export interface Reply {
  /** The arrival. */
  arrival: Arrival;
  /** What the method said of it. */
  match: Match;
}

/** The extended error an arrival carries (error-queue messages), or null. */
export function errorOf(arrival: Arrival): ExtendedError | null {
  return arrival.kind === "datagram" && arrival.errorQueue ? arrival.datagram.error : null;
}

/** Whether a reply is one Linux traceroute ignores (an ICMP message that means nothing here). */
export function ignoredError(error: ExtendedError | null, family: Family): boolean {
  if (!error) return false;
  return (error.origin !== "icmp" && error.origin !== "icmp6" && error.origin !== "local") ||
    (error.origin === "icmp" && ignoredIcmp(family, error.type));
}

/** ICMP errors that may carry RFC 4884 extensions (as Linux traceroute looks for them). */
function mayCarryExtensions(family: Family, error: ExtendedError): boolean {
  if (error.origin === "icmp") return family === 4 && [3, 11, 12].includes(error.type);
  if (error.origin === "icmp6") return family === 6 && [1, 3].includes(error.type);
  return false;
}

/** What `answerOf` needs beyond the reply. */
export interface AnswerContext {
  /** IP version of the trace. */
  family: Family;
  /** The address a connection's outcome comes from (the target). */
  target: string;
  /** Look for ICMP extensions (`-e`), in a probe of this many header and data bytes. */
  extensions: { headerLength: number; dataLength: number } | null;
  /** The time now, for replies without a kernel time. */
  now: number;
}

/**
 * The answer a reply gives its probe: the responder, the reply TTL, when it
 * arrived, and what it means (Linux traceroute's annotation, final or not).
 *
 * @throws {SystemError} for a local error no probe result can stand for
 */
export function answerOf(reply: Reply, context: AnswerContext): ProbeAnswer {
  const { arrival, match } = reply;
  const answer: ProbeAnswer = {
    address: null,
    receivedAt: match.receivedAt ?? context.now,
    replyTtl: null,
    annotation: "",
    final: false,
    icmp: null,
    tcpFlags: null,
    extensions: null,
  };
  if (arrival.kind === "connection") {
    answer.address = context.target;
    answer.final = true;
    answer.tcpFlags = match.tcpFlags ?? null;
    return answer;
  }
  const { datagram } = arrival;
  answer.receivedAt = match.receivedAt ?? datagram.receivedAt ?? context.now;
  answer.replyTtl = datagram.ttl;
  const error = errorOf(arrival);
  if (!error) {
    answer.address = datagram.from?.address ?? null;
    answer.final = true;
    answer.tcpFlags = match.tcpFlags ?? null;
    return answer;
  }
  if (error.origin === "local") {
    const meaning = classifyLocal(error.errno, error.info);
    if (!meaning) throw new SystemError("local recverr", error.errno, error.description);
    answer.annotation = meaning.annotation;
    answer.final = true;
    return answer;
  }
  answer.address = error.offender;
  answer.icmp = { type: error.type, code: error.code };
  const meaning = classifyIcmp(context.family, error.type, error.code, error.info);
  if (meaning) {
    answer.annotation = meaning.annotation;
    answer.final = true;
  }
  const ext = context.extensions;
  if (ext && mayCarryExtensions(context.family, error)) {
    answer.extensions = findExtensions(
      datagram.data,
      ext.headerLength,
      ext.dataLength,
      context.family === 4 ? 4 : 8,
    );
  }
  return answer;
}
