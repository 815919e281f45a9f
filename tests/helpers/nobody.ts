/**
 * Runs as an ordinary user in the lab: uid 65534 ("nobody"), from a copy of
 * Deno and hopwise it can read (lab/harness.ts's readableCopy).
 *
 * @module
 */
import type { Lab } from "../../lab/lab.ts";
import { type ReadableCopy, type Run, runHopwise } from "../../lab/harness.ts";

/** uid 65534: nobody. */
export const NOBODY = 65534;

/** What runs hopwise (from `copy`) as uid 65534 in `node` of `lab`. */
export function hopwiseAsNobody(
  lab: Lab,
  node: string,
  copy: ReadableCopy,
): (args: string[]) => Promise<Run> {
  return (args) =>
    runHopwise(lab, node, args, { user: NOBODY, deno: copy.deno, mod: copy.mod, env: copy.env });
}
