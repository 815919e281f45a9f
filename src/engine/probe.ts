/**
 * One probe slot of the probe table: sent or not, answered or expired.
 *
 * @module
 */
import type { IcmpExtensionObject } from "../packet/icmp_extension.ts";
import type { IcmpInfo, ProbeResult } from "../types.ts";

/** A probe's mutable state while the trace runs. */
export class Probe {
  /** Position in the probe table: (ttl - 1) × queries + place in hop. */
  readonly index: number;
  /** TTL it is sent with. */
  readonly ttl: number;
  /** Place within its hop, from 0. */
  readonly place: number;
  /** Send time on the transport's clock, or null before sending. */
  sentAt: number | null = null;
  /**
   * The slot was emptied by the smart algorithm (its reply moved to an
   * earlier slot): it counts as sent, waits for nothing, expires at once.
   */
  vacated = false;
  /** Answered or expired. */
  done = false;
  /** Its reply ends the trace. */
  final = false;
  /** Responder address. */
  address: string | null = null;
  /** Kernel receive time on the transport's clock. */
  receivedAt: number | null = null;
  /** TTL of the reply packet. */
  replyTtl: number | null = null;
  /** Linux traceroute's annotation (`!H`, ...), or "". */
  annotation = "";
  /** ICMP type and code of the reply. */
  icmp: IcmpInfo | null = null;
  /** The reply was moved here by the smart algorithm. */
  moved = false;
  /** Sent again after its hop went unanswered (adaptive timing's second pass). */
  reprobed = false;
  /**
   * Its flow, for flow-stable probing: added to the trace's `flow` (the
   * multipath engine sends one probe per flow and hop).
   */
  flow = 0;
  /** Flags of a TCP reply from the destination. */
  tcpFlags: string[] | null = null;
  /** ICMP extension objects of the reply (with `-e`). */
  extensions: IcmpExtensionObject[] | null = null;

  /** Makes slot `index` for `queries` probes per hop. */
  constructor(index: number, queries: number) {
    this.index = index;
    this.ttl = Math.floor(index / queries) + 1;
    this.place = index % queries;
  }

  /** Round-trip time in ms, or null when there is no reply time. */
  get rtt(): number | null {
    if (this.receivedAt === null || this.sentAt === null) return null;
    return this.receivedAt - this.sentAt;
  }

  /** Takes over another slot's reply (the smart algorithm's move). */
  takeReplyOf(other: Probe): void {
    this.sentAt = other.sentAt;
    this.done = other.done;
    this.final = other.final;
    this.address = other.address;
    this.receivedAt = other.receivedAt;
    this.replyTtl = other.replyTtl;
    this.annotation = other.annotation;
    this.icmp = other.icmp;
    this.tcpFlags = other.tcpFlags;
    this.extensions = other.extensions;
    this.vacated = false;
    this.moved = true;
  }

  /**
   * Makes the probe unsent again, to be re-sent smaller (`--mtu`), keeping
   * `note` (`F=<mtu>`) as its annotation.
   */
  resend(note: string): void {
    this.vacate();
    this.vacated = false;
    this.sentAt = null;
    this.annotation = note;
  }

  /**
   * Makes the expired probe unsent again, to be sent once more (adaptive
   * timing's second pass).
   */
  reprobe(): void {
    this.resend("");
    this.reprobed = true;
  }

  /** Empties the slot after its reply moved away. */
  vacate(): void {
    this.done = false;
    this.final = false;
    this.address = null;
    this.receivedAt = null;
    this.replyTtl = null;
    this.annotation = "";
    this.icmp = null;
    this.tcpFlags = null;
    this.extensions = null;
    this.moved = false;
    this.vacated = true;
  }

  /** The public view of this probe. */
  result(): ProbeResult {
    return {
      ttl: this.ttl,
      index: this.place,
      address: this.address,
      rtt: this.rtt,
      annotation: this.annotation,
      final: this.final,
      icmp: this.icmp,
      replyTtl: this.replyTtl,
      moved: this.moved,
      reprobed: this.reprobed,
      tcpFlags: this.tcpFlags,
      extensions: this.extensions,
    };
  }
}
