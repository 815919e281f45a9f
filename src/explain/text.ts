/**
 * The text and evidence helpers the `--explain` detectors build findings
 * with: {@linkcode finding} (a finding from its evidence, deduplicated),
 * hop and word lists, reply TTLs in words, method labels.
 *
 * @module
 */
import type { MethodName } from "../core/model.ts";
import type { Finding, FindingEvidence, FindingKind } from "./model.ts";

/** The distinct items, in order of first appearance. */
export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** One evidence entry per hop and address (the first probe of each). */
export function dedupe(evidence: readonly FindingEvidence[]): FindingEvidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = `${e.method} ${e.hop} ${e.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A finding of `kind` resting on `evidence` (deduplicated), its hops and
 * addresses taken from that evidence.
 *
 * @example
 * ```ts
 * import { finding } from "./text.ts";
 * const f = finding("silent-hops", [{ method: "icmp", hop: 3, address: null, replyTtl: null }], "hop 3 gave no answer.");
 * f.hops; // [3]
 * ```
 */
export function finding(
  kind: FindingKind,
  evidence: readonly FindingEvidence[],
  text: string,
  causes: string[] = [],
  suggestions: string[] = [],
): Finding {
  const kept = dedupe(evidence);
  return {
    kind,
    hops: unique(kept.map((e) => e.hop)).sort((a, b) => a - b),
    addresses: unique(kept.flatMap((e) => (e.address === null ? [] : [e.address]))),
    evidence: kept,
    text,
    causes,
    suggestions,
  };
}

/**
 * Hop numbers in words: "hop 3", "hops 2-4", "hops 2, 5 and 7".
 *
 * @example
 * ```ts
 * import { hopList } from "./text.ts";
 * hopList([4, 2, 3, 7]); // "hops 2-4 and 7"
 * ```
 */
export function hopList(hops: readonly number[]): string {
  const sorted = unique(hops).sort((a, b) => a - b);
  if (sorted.length === 1) return `hop ${sorted[0]}`;
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return `hops ${andList(ranges)}`;
}

/** Items in words: "a", "a and b", "a, b and c" ("" for none). */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "reply TTL 62" / "reply TTLs 62, 61" (in order); "" when none is known. */
export function ttlText(evidence: readonly FindingEvidence[]): string {
  const ttls = evidence.map((e) => e.replyTtl).filter((t): t is number => t !== null);
  if (ttls.length === 0) return "";
  return ttls.length === 1 ? `reply TTL ${ttls[0]}` : `reply TTLs ${ttls.join(", ")}`;
}

/** A method as its protocol's name: "UDP" for `default`, "ICMP", "TCPCONN", ... */
export function methodLabel(method: MethodName): string {
  return method === "default" ? "UDP" : method === "icmp" ? "ICMP" : method.toUpperCase();
}
