/**
 * The ranks of the folders of src/ (and ffi/), written once: a folder imports
 * only folders of a lower rank, so folders of one rank never import each
 * other. tests/structure_test.ts checks the code against it, and
 * docs/architecture.md's diagram is drawn from it.
 *
 * @module
 */

/** Each rank's folders, from the bottom up, with what they hold. */
export const FOLDER_RANKS: ReadonlyArray<ReadonlyArray<readonly [string, string]>> = [
  [["packet", "wire formats and IP addresses"], ["stats", "mtr's statistics, windows"]],
  [["core", "data model, probe, method and transport contracts, errors"]],
  [["lookup", "names, AS numbers, places"], ["ffi", "the C shim's sockets, beside src/"]],
  [["engine", "the probing core"], ["methods", "one file per method"]],
  [["config", "options resolved once"]],
  [["session", "the one run sequence"]],
  [["modes", "trace, multipath, watch, many"]],
  [["explain", "findings"]],
  [["output", "pure formatters"]],
  [["serve", "the service: figures, HTTP, config"]],
  [["cli", "flags to typed commands"]],
];

/** A folder's rank, or null when it has none. */
export function rankOf(folder: string): number | null {
  const rank = FOLDER_RANKS.findIndex((row) => row.some(([name]) => name === folder));
  return rank < 0 ? null : rank;
}

/** The layer diagram of `ranks`: the top rank first, one line a rank. */
export function layerDiagram(ranks: typeof FOLDER_RANKS): string {
  const lines = ranks.map((row, rank) =>
    `${rank}  ` +
    row.map(([name, what]) => `${name}/ (${what})`).join("  |  ")
  );
  return ["```text", ...lines.reverse(), "```"].join("\n");
}
