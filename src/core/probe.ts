/**
 * One probe and its lifecycle, as one typed status:
 *
 * ```text
 *   unsent ──send──> in-flight ──reply──> answered
 *     ^                 │ └──wait over──> expired
 *     │                 └──given up───> dropped ──(its turn)──> expired
 *     └──── resend (--mtu) / reprobe (second pass) ──── answered | expired
 * ```
 *
 * `dropped` means nothing more is waited for: the run gave it up (past the
 * destination, stopped), or the smart algorithm moved its reply to an
 * earlier slot; a trace then expires it at its turn without waiting. Every
 * transition checks the status it starts from, so a probe cannot be
 * answered twice or sent while in flight.
 *
 * @module
 */
import type { IcmpExtensionObject } from "../packet/icmp_extension.ts";
import type { IcmpInfo, ProbeResult } from "./model.ts";

/** Where a probe is in its life. */
export type ProbeStatus = "unsent" | "in-flight" | "answered" | "expired" | "dropped";

/** What a reply told about a probe. */
export interface ProbeAnswer {
  /** The responder, or null (a local error names none). */
  address: string | null;
  /** Kernel receive time on the transport's clock. */
  receivedAt: number;
  /** TTL of the reply packet, when known. */
  replyTtl: number | null;
  /** Linux traceroute's annotation (`!H`, ...), or "". */
  annotation: string;
  /** The reply ends the trace. */
  final: boolean;
  /** ICMP type and code of the reply, when it was ICMP. */
  icmp: IcmpInfo | null;
  /** Flags of a TCP reply from the destination. */
  tcpFlags: string[] | null;
  /** ICMP extension objects of the reply (with `-e`). */
  extensions: IcmpExtensionObject[] | null;
}

/** Told when one of its probes is answered, or is to be sent again. */
export interface ProbeOwner {
  /** A reply was recorded for `probe`. */
  answered(probe: Probe): void;
  /** `probe` is unsent again, to go out smaller (`--mtu`): its plan has a send to make now. */
  resent?(probe: Probe): void;
}

/** The lifecycle of one probe, with its slot and flow. */
export class Probe {
  /** Its slot: its position in its table (the single trace: (ttl - 1) × queries + place). */
  readonly slot: number;
  /** TTL it is sent with. */
  readonly ttl: number;
  /** Place within its hop, from 0. */
  readonly place: number;
  /**
   * Its flow, for flow-stable probing: added to the trace's `flow` (the
   * multipath mode sends one probe per flow and hop).
   */
  readonly flow: number;
  /** Who is told of its answer. */
  readonly owner: ProbeOwner | null;
  /**
   * The address it is sent to, when its session serves many targets (one
   * unconnected socket); null when the session's socket names the target.
   */
  readonly target: string | null;
  #status: ProbeStatus = "unsent";
  #sentAt: number | null = null;
  #answer: ProbeAnswer | null = null;
  /** Kept through a resend: `F=<mtu>` (`--mtu`) when the reply brings no annotation. */
  #note = "";
  #moved = false;
  #reprobed = false;

  /** Makes slot `slot` (TTL `ttl`, place `place`) of flow `flow`. */
  constructor(
    at: { slot: number; ttl: number; place: number; flow?: number; target?: string | null },
    owner: ProbeOwner | null = null,
  ) {
    this.slot = at.slot;
    this.ttl = at.ttl;
    this.place = at.place;
    this.flow = at.flow ?? 0;
    this.target = at.target ?? null;
    this.owner = owner;
  }

  /** Where it is in its life. */
  get status(): ProbeStatus {
    return this.#status;
  }

  /** Send time on the transport's clock, or null before sending. */
  get sentAt(): number | null {
    return this.#sentAt;
  }

  /** The reply recorded, or null. */
  get answer(): ProbeAnswer | null {
    return this.#answer;
  }

  /** Answered or expired: its slot's result is known (Linux traceroute's `done`). */
  get settled(): boolean {
    return this.#status === "answered" || this.#status === "expired";
  }

  /** It got an answer of any kind (an address, an annotation, or a final reply). */
  get answered(): boolean {
    const a = this.#answer;
    return a !== null && (a.address !== null || a.annotation !== "" || a.final);
  }

  /** Its reply ends the trace. */
  get final(): boolean {
    return this.#answer?.final ?? false;
  }

  /** The responder, or null. */
  get address(): string | null {
    return this.#answer?.address ?? null;
  }

  /** The annotation its result shows (`!H`, `F=1400`, ...), or "". */
  get annotation(): string {
    return this.#answer?.annotation || this.#note;
  }

  /** TTL of the reply packet, or null. */
  get replyTtl(): number | null {
    return this.#answer?.replyTtl ?? null;
  }

  /** When the reply arrived, or null. */
  get receivedAt(): number | null {
    return this.#answer?.receivedAt ?? null;
  }

  /** Round-trip time in ms, or null when there is no reply time. */
  get rtt(): number | null {
    if (this.#answer === null || this.#sentAt === null) return null;
    return this.#answer.receivedAt - this.#sentAt;
  }

  /** Its reply was moved here by the smart algorithm. */
  get moved(): boolean {
    return this.#moved;
  }

  /** It was sent again after its hop went unanswered (adaptive timing's second pass). */
  get reprobed(): boolean {
    return this.#reprobed;
  }

  #expect(...from: ProbeStatus[]): void {
    if (!from.includes(this.#status)) {
      throw new Error(
        `Probe ${this.ttl}.${this.place} is ${this.#status}, not ${from.join(" or ")}`,
      );
    }
  }

  /** unsent → in-flight, sent at `at`. */
  sent(at: number): void {
    this.#expect("unsent");
    this.#status = "in-flight";
    this.#sentAt = at;
  }

  /**
   * The time it really left, where its send was queued at the time `sent`
   * took (a batched send). Its status is unchanged.
   */
  sentExactly(at: number): void {
    this.#expect("in-flight");
    this.#sentAt = at;
  }

  /** in-flight → answered. */
  answerWith(answer: ProbeAnswer): void {
    this.#expect("in-flight");
    this.#status = "answered";
    this.#answer = answer;
    this.owner?.answered(this);
  }

  /** in-flight or dropped → expired: its wait is over, unanswered. */
  expire(): void {
    this.#expect("in-flight", "dropped");
    this.#status = "expired";
  }

  /** unsent, in-flight or answered → dropped: nothing more is waited for, nothing kept. */
  drop(): void {
    this.#expect("unsent", "in-flight", "answered");
    this.#status = "dropped";
    this.#answer = null;
    this.#moved = false;
  }

  /**
   * in-flight → unsent, to be sent again smaller (`--mtu`): `note`
   * (`F=<mtu>`) stays its annotation unless its reply brings one.
   */
  resend(note: string): void {
    this.#expect("in-flight");
    this.#status = "unsent";
    this.#sentAt = null;
    this.#answer = null;
    this.#note = note;
    this.owner?.resent?.(this);
  }

  /**
   * expired (or answered with nothing to show) → unsent, to be sent once
   * more (adaptive timing's second pass).
   */
  reprobe(): void {
    this.#expect("expired", "answered");
    this.#status = "unsent";
    this.#sentAt = null;
    this.#answer = null;
    this.#note = "";
    this.#reprobed = true;
  }

  /**
   * Takes `other`'s reply (the smart algorithm's move: a final unreachable
   * that belongs to this expired slot); `other` is then dropped.
   */
  takeReplyOf(other: Probe): void {
    this.#expect("expired", "dropped");
    other.#expect("answered");
    this.#status = "answered";
    this.#sentAt = other.#sentAt;
    this.#answer = other.#answer;
    this.#moved = true;
    other.drop();
  }

  /** The public view of this probe. */
  result(): ProbeResult {
    const a = this.#answer;
    return {
      ttl: this.ttl,
      index: this.place,
      address: a?.address ?? null,
      rtt: this.rtt,
      annotation: this.annotation,
      final: a?.final ?? false,
      icmp: a?.icmp ?? null,
      replyTtl: a?.replyTtl ?? null,
      moved: this.#moved,
      reprobed: this.#reprobed,
      tcpFlags: a?.tcpFlags ?? null,
      extensions: a?.extensions ?? null,
    };
  }
}
