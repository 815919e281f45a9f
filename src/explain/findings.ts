/**
 * `--explain`: a plain-language diagnosis of a finished trace. {@linkcode explain}
 * reads a {@linkcode Trace} (and, for a TCP trace, companion traces of other
 * methods to the same target) and returns {@linkcode Finding}s, each naming its
 * evidence (hop numbers, addresses, reply TTLs) and its likely causes;
 * {@linkcode formatFindings} prints them one line each.
 *
 * The parts: `model.ts` (what a finding is), `view.ts` (the view of a trace
 * the detectors read), `text.ts` (building a finding and its words), and one
 * file per family of detectors: `addresses.ts`, `destination.ts`,
 * `silence.ts`, `return_path.ts`.
 *
 * Pure functions: nothing here sends a packet or reads a clock.
 *
 * @module
 */
import type { Trace } from "../core/model.ts";
import { findLoop, privateAddresses, repeatedAddresses } from "./addresses.ts";
import { earlyDestination, finalProof, pastDestination, transparentProxy } from "./destination.ts";
import type { Finding } from "./model.ts";
import { returnPath } from "./return_path.ts";
import { silentHops, silentToEnd } from "./silence.ts";
import { TraceView } from "./view.ts";

export type { Finding, FindingEvidence, FindingKind } from "./model.ts";
export { privateSpace } from "./addresses.ts";
export { RETURN_PATH_THRESHOLD, returnHops } from "./view.ts";

/** Options for {@linkcode explain}. */
export interface ExplainOptions {
  /**
   * Traces of the same target with other methods, run at the same time (the
   * command line runs an ICMP one with `-T --explain`): a TCP trace that
   * reaches the destination in fewer hops than these shows a
   * `transparent-proxy` finding.
   */
  companions?: readonly Trace[];
}

/**
 * Diagnoses a finished trace: the findings in the order of their first hop,
 * the `final-proof` finding last. A trace without hops gives no findings.
 *
 * @example
 * ```ts ignore
 * import { traceAll } from "../../mod.ts";
 * import { explain, formatFindings } from "./findings.ts";
 *
 * const t = await traceAll("198.18.4.2", { resolveNames: false });
 * console.log(formatFindings(explain(t)));
 * ```
 */
export function explain(trace: Trace, options: ExplainOptions = {}): Finding[] {
  if (trace.hops.length === 0) return [];
  const view = new TraceView(trace);
  const loop = findLoop(view);
  const found: Finding[] = [
    ...repeatedAddresses(view),
    ...(loop ? [loop.finding] : []),
    ...earlyDestination(view),
    ...pastDestination(view),
    ...transparentProxy(view, options.companions ?? []),
    ...silentHops(view),
    ...silentToEnd(view),
    ...privateAddresses(view),
    ...returnPath(view, loop?.hops ?? new Set()),
  ];
  found.sort((a, b) => (a.hops[0] ?? 0) - (b.hops[0] ?? 0));
  const proof = finalProof(view, found.some((f) => f.kind === "transparent-proxy"));
  return proof ? [...found, proof] : found;
}

/**
 * The findings as text, one line each (and a newline after each):
 * `kind: what was seen. Likely: cause; or cause. Try: suggestion; suggestion.`
 * An empty list gives "".
 *
 * @example
 * ```ts ignore
 * import { explain, formatFindings } from "./findings.ts";
 * declare const trace: import("../core/model.ts").Trace;
 * Deno.stdout.writeSync(new TextEncoder().encode(formatFindings(explain(trace))));
 * ```
 */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => {
    let line = `${f.kind}: ${f.text}`;
    if (f.causes.length > 0) line += ` Likely: ${f.causes.join("; or ")}.`;
    if (f.suggestions.length > 0) line += ` Try: ${f.suggestions.join("; ")}.`;
    return line + "\n";
  }).join("");
}
