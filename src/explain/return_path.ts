/**
 * The `--explain` detector of the way back: replies whose TTL says they
 * returned over a path of another length than the way out (`return-path`).
 *
 * @module
 */
import type { Finding, FindingEvidence } from "./model.ts";
import { finding, hopList } from "./text.ts";
import {
  answered,
  INITIAL_TTLS_TEXT,
  RETURN_PATH_THRESHOLD,
  returnHops,
  type TraceView,
} from "./view.ts";

/** Replies whose TTL says they came back over a path of another length. */
export function returnPath(view: TraceView, loopHops: ReadonlySet<number>): Finding[] {
  const evidence: FindingEvidence[] = [];
  const details: string[] = [];
  let longer = 0;
  let shorter = 0;
  const fin = view.finalHop;
  for (const h of view.hops) {
    if (loopHops.has(h.ttl)) continue;
    for (const p of answered(h)) {
      // The destination answering from much nearer is early-destination's.
      if (h === fin && p.final && p.address === view.target) {
        const back = returnHops(p.replyTtl);
        if (back !== null && h.ttl - back >= RETURN_PATH_THRESHOLD) continue;
      }
      const back = returnHops(p.replyTtl);
      if (back === null || Math.abs(back - h.ttl) < RETURN_PATH_THRESHOLD) continue;
      if (evidence.some((e) => e.hop === h.ttl && e.address === p.address)) continue;
      evidence.push(view.evidence(h.ttl, p));
      details.push(`hop ${h.ttl} ${p.address} reply TTL ${p.replyTtl}: ~${back} back`);
      if (back > h.ttl) longer++;
      else shorter++;
    }
  }
  if (evidence.length === 0) return [];
  const direction = longer > 0 && shorter > 0
    ? "longer or shorter"
    : longer > 0
    ? "longer"
    : "shorter";
  return [finding(
    "return-path",
    evidence,
    `replies from ${hopList(evidence.map((e) => e.hop))} came back over a path ${direction} ` +
      `than the way out (${
        details.join("; ")
      }; reckoned from an initial TTL of ${INITIAL_TTLS_TEXT}).`,
    [
      `asymmetric routing: replies return by another path (normal between networks; the RTTs of these hops include that path)`,
      `a device on the way back rewrites TTLs, or the responder starts from an unusual TTL`,
    ],
  )];
}
