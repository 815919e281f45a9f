/**
 * A method session on the prober: the probes of one trace (or of a mode's
 * stream) go out through it, and what its sockets read comes back through
 * it. It keeps the session's table of probes in flight in step with each
 * probe's status, counts what it sends and reads, and records answers:
 * duplicates and meaningless ICMP set aside, `--mtu`'s smaller MTU turned
 * into a resend.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { MethodSession } from "../core/method.ts";
import type { Readiness } from "../core/transport.ts";
import type { Probe } from "../core/probe.ts";
import { answerOf, arrivals, errorOf, ignoredError, type Reply } from "./receive.ts";
import { Statistics } from "../core/statistics.ts";

/** What a channel records answers with. */
export interface ChannelSettings {
  /** IP version of the trace. */
  family: Family;
  /** The target's address (a connection's outcome comes from it). */
  target: string;
  /** IP header (with options) plus the method's header, in bytes. */
  headerLength: number;
  /** Look for ICMP extensions (`-e`). */
  extensions: boolean;
  /** Path MTU discovery (`--mtu`): a smaller MTU reported resends the probe smaller. */
  mtuDiscovery: boolean;
  /** Least time between two sends of this channel, ms (`-z`). */
  sendWait: number;
}

/** Where a channel's sends are paced and its clock read (the prober). */
export interface ChannelHost {
  /** The transport's clock. */
  now(): number;
  /** The earliest time the prober's global rate cap allows a send. */
  rateSendableAt(now: number): number;
  /** A send happened (for the rate cap). */
  noteSend(at: number): void;
}

/** One method session on the prober. */
export class Channel {
  /** The session. */
  readonly session: MethodSession;
  /** What it sent and read. */
  readonly statistics: Statistics;
  readonly #settings: ChannelSettings;
  readonly #host: ChannelHost;
  #lastSend = -Infinity;

  /** Puts `session` on `host`. */
  constructor(
    session: MethodSession,
    settings: ChannelSettings,
    host: ChannelHost,
    statistics = new Statistics(),
  ) {
    this.session = session;
    this.#settings = settings;
    this.#host = host;
    this.statistics = statistics;
  }

  /** The transport's clock. */
  now(): number {
    return this.#host.now();
  }

  /** The earliest time a send is allowed: `-z` after the last send, and the global rate cap. */
  sendableAt(now: number): number {
    const paced = this.#settings.sendWait > 0
      ? this.#lastSend + this.#settings.sendWait
      : -Infinity;
    return Math.max(paced, this.#host.rateSendableAt(now));
  }

  /**
   * Sends an unsent probe; false when the kernel asks to try later (it stays
   * unsent).
   *
   * @throws {SystemError} for a failure that ends the run
   */
  send(probe: Probe): boolean {
    const at = this.session.send(probe);
    if (at === null) return false;
    probe.sent(at);
    this.#lastSend = at;
    this.statistics.sent++;
    this.#host.noteSend(at);
    return true;
  }

  /** A probe's wait is over: the session forgets it, it expires. */
  expire(probe: Probe): void {
    this.session.release(probe);
    probe.expire();
  }

  /** A probe is given up: the session forgets it, it is dropped. */
  drop(probe: Probe): void {
    this.session.release(probe);
    probe.drop();
  }

  /**
   * Reads what a ready socket of the session holds, matches it, and records
   * the answers (all of one socket's messages are matched before any is
   * recorded, so a copy read with its original counts as a duplicate).
   *
   * @throws {SystemError} when a read fails, or for a local error no result stands for
   */
  receive(ready: Readiness): void {
    const { session, statistics } = this;
    const replies: Reply[] = [];
    for (const arrival of arrivals(ready, session.reading, statistics, () => this.now())) {
      const match = session.match(arrival);
      if (typeof match === "string") {
        statistics.ignore(match);
        continue;
      }
      replies.push({ arrival, match });
      if (session.reading.untilMatch) break;
    }
    for (const reply of replies) this.#record(reply);
  }

  /** Records a matched reply (Linux traceroute's recv_reply after check_reply). */
  #record(reply: Reply): void {
    const { probe } = reply.match;
    const { statistics, session } = this;
    const settings = this.#settings;
    if (probe.status !== "in-flight") return statistics.ignore("duplicate");
    const error = errorOf(reply.arrival);
    if (ignoredError(error, settings.family)) return statistics.ignore("ignored-icmp");
    statistics.matched++;
    if (reply.match.sentAt !== undefined) probe.sentExactly(reply.match.sentAt);
    const answer = answerOf(reply, {
      family: settings.family,
      target: settings.target,
      extensions: settings.extensions
        ? { headerLength: settings.headerLength, dataLength: session.dataLength }
        : null,
      now: this.now(),
    });
    const { headerLength } = settings;
    if (
      error && settings.mtuDiscovery && error.info >= headerLength &&
      error.info < headerLength + session.dataLength
    ) {
      // A smaller MTU on the path: shrink the probes and send this one again.
      session.resize?.(error.info - headerLength);
      session.release(probe);
      probe.resend(`F=${error.info}`);
      return;
    }
    session.release(probe);
    probe.answerWith(answer);
  }
}
