/**
 * `--explain`: findings about a finished trace.
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
