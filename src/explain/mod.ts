/**
 * `--explain`: findings about a finished trace, and the companion trace a TCP
 * trace is compared with.
 *
 * @module
 */
export {
  explain,
  type ExplainOptions,
  type Finding,
  type FindingEvidence,
  type FindingKind,
  formatFindings,
  privateSpace,
  RETURN_PATH_THRESHOLD,
  returnHops,
} from "./findings.ts";
export { type Companion, startCompanion } from "./companion.ts";
