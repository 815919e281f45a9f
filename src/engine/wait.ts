/**
 * How long a probe waits for its reply: Linux traceroute's `-w MAX,HERE,NEAR`
 * rule (get_timeout), and hopwise's adaptive rule for a probe with nothing
 * to go by. Written once; every mode's plan asks here.
 *
 * - HERE × (rtt + 1 ms), when a probe of its own hop has answered;
 * - else NEAR × (rtt + 1 ms), when a later probe has;
 * - else, in adaptive timing, once any round trip is known (or for a
 *   re-probe): three times the longest round trip seen, at least a second;
 * - else MAX.
 *
 * HERE and NEAR waits are capped at MAX and are at least the rule's `min`
 * (0 in Linux traceroute's timing).
 *
 * @module
 */

/** +1 ms added to a round trip before multiplying (Linux: DEF_WAIT_PREC). */
export const WAIT_PRECISION = 1;

/**
 * Adaptive timing's wait for a probe with no answer of its hop or a later one
 * to go by, once some round trip is known: this, or three times the longest
 * round trip seen (Linux traceroute waits MAX, 5 s).
 */
export const NOTHING_NEAR_WAIT = 1000;

/** The rule's settings. */
export interface WaitRule {
  /** Longest wait, ms. */
  max: number;
  /** HERE factor (0: off). */
  here: number;
  /** NEAR factor (0: off). */
  near: number;
  /** Least wait HERE and NEAR give, ms. */
  min: number;
  /** Adaptive timing's rule for a probe with nothing near to go by. */
  adaptive: boolean;
}

/** What a probe's wait goes by. */
export interface WaitEvidence {
  /** Round trip of an answered probe of its hop, or null. */
  here: number | null;
  /** Round trip of an answered later probe, or null. */
  near: number | null;
  /** The longest round trip seen so far (0: none). */
  largest: number;
  /** The probe is a re-probe (adaptive timing's second pass). */
  reprobed: boolean;
}

/**
 * The wait of a probe, in ms.
 *
 * @example
 * ```ts
 * import { probeWait } from "./wait.ts";
 * const rule = { max: 5000, here: 3, near: 10, min: 0, adaptive: false };
 * probeWait(rule, { here: 9, near: null, largest: 9, reprobed: false }); // 30
 * ```
 */
export function probeWait(rule: WaitRule, evidence: WaitEvidence): number {
  const { max, here, near, min } = rule;
  const scaled = (rtt: number, factor: number) =>
    Math.min(max, Math.max(min, (rtt + WAIT_PRECISION) * factor));
  if (here && evidence.here !== null) return scaled(evidence.here, here);
  if (near && evidence.near !== null) return scaled(evidence.near, near);
  if (rule.adaptive && (evidence.largest > 0 || evidence.reprobed)) {
    return Math.min(max, Math.max(NOTHING_NEAR_WAIT, 3 * evidence.largest));
  }
  return max;
}
