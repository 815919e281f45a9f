/**
 * What a finding of `--explain` is: its kinds, the evidence it rests on and
 * its shape. A leaf module (types only), so that the view, the text helpers,
 * the detectors and `explain()` can all name these without an import cycle;
 * `findings.ts` re-exports them as the public API.
 *
 * @module
 */
import type { MethodName } from "../core/model.ts";

/**
 * What a finding is about:
 *
 * - `repeated-address`: one address (not the target's) answered at
 *   consecutive hops;
 * - `loop`: addresses repeat in a cycle (A-B-A-B): a routing loop;
 * - `early-destination`: the target's address answered before the end of
 *   the path (in time-exceeded messages), or the destination's reply TTL
 *   says it is much nearer than the hop it answered at;
 * - `past-destination`: the target's address answered, and later hops
 *   answered from other addresses: the trace went on past it;
 * - `transparent-proxy`: a TCP trace reached the destination in fewer hops
 *   than a trace of another method run alongside;
 * - `silent-hops`: hops that never answered, followed by hops that did;
 * - `silent-to-end`: no answer from some hop to the end of the trace;
 * - `private-address`: replies from private, shared (CGN) or link-local
 *   address space;
 * - `return-path`: the reply TTLs say replies came back over a path at
 *   least 2 hops longer or shorter than the forward one;
 * - `final-proof`: what the last hop proved about the destination.
 */
export type FindingKind =
  | "repeated-address"
  | "loop"
  | "early-destination"
  | "past-destination"
  | "transparent-proxy"
  | "silent-hops"
  | "silent-to-end"
  | "private-address"
  | "return-path"
  | "final-proof";

/** One reply (or one silent hop) a finding rests on. */
export interface FindingEvidence {
  /** The trace's method this came from (a companion's, for `transparent-proxy`). */
  method: MethodName;
  /** The hop (TTL). */
  hop: number;
  /** Who answered, or null for a hop without any answer. */
  address: string | null;
  /** The TTL left in the reply when it arrived, or null when unknown or silent. */
  replyTtl: number | null;
}

/** A finding of `explain()`. */
export interface Finding {
  /** What it is about. */
  kind: FindingKind;
  /** The hop numbers it rests on, ascending, without duplicates. */
  hops: number[];
  /** The addresses it rests on, in order of first appearance. */
  addresses: string[];
  /** The replies (and silent hops) it rests on, one entry per hop and address. */
  evidence: FindingEvidence[];
  /** What was seen, with its evidence, in one plain-language sentence. */
  text: string;
  /** Likely causes, most likely first (empty for `final-proof`). */
  causes: string[];
  /** What is worth trying next (other methods, ports); often empty. */
  suggestions: string[];
}
