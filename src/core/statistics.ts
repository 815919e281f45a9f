/**
 * What became of every message a trace read: matched to a probe, or ignored,
 * and why. Hostile, stray and malformed packets end up here, never in the
 * output.
 *
 * @module
 */

/** Why a message read from a socket was not taken as a reply. */
export type IgnoreReason =
  | "malformed" // too short, or not decodable
  | "checksum" // a bad checksum where hopwise checks it
  | "foreign" // for another process or trace (identifier, ports, addresses)
  | "unknown-probe" // names no probe in flight (never sent, or already done)
  | "quote-mismatch" // quotes a packet that differs from the probe sent
  | "not-a-reply" // a message type that answers nothing (echo request, ...)
  | "ignored-icmp" // source quench, redirect, or an unknown error origin
  | "duplicate"; // a second reply for a probe already answered or expired

/** Counts of one trace. */
export interface TraceStatistics {
  /** Probes sent. */
  sent: number;
  /** Messages read from the sockets. */
  received: number;
  /** Replies taken. */
  matched: number;
  /**
   * Reads that returned a socket's pending error instead of a message (the
   * errno of an ICMP error that arrived meanwhile; the error itself is then
   * read from the error queue).
   */
  socketErrors: number;
  /** Messages ignored, by reason. */
  ignored: Partial<Record<IgnoreReason, number>>;
}

/** A trace's counters. */
export class Statistics {
  /** Probes sent. */
  sent = 0;
  /** Messages read. */
  received = 0;
  /** Replies taken. */
  matched = 0;
  /** Reads that returned a pending socket error. */
  socketErrors = 0;
  #ignored = new Map<IgnoreReason, number>();

  /** Counts a message ignored for `reason`. */
  ignore(reason: IgnoreReason): void {
    this.#ignored.set(reason, (this.#ignored.get(reason) ?? 0) + 1);
  }

  /** A copy of the counts. */
  snapshot(): TraceStatistics {
    return {
      sent: this.sent,
      received: this.received,
      matched: this.matched,
      socketErrors: this.socketErrors,
      ignored: Object.fromEntries(this.#ignored),
    };
  }
}
