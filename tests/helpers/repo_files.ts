/**
 * The repository's files, for the tests that read its sources as text
 * (tests/structure_test.ts, tests/doc_imports_test.ts).
 *
 * @module
 */

/** The repository's root. */
export const ROOT: URL = new URL("../../", import.meta.url);

/** Folders never read: build output and dependencies (and any hidden folder). */
const SKIP = new Set(["build", "dist", "node_modules"]);

/**
 * Every file under `dir` (relative to the repository, "" for all of it, else
 * ending in `/`) whose name ends in `suffix`, sorted; none when `dir` is
 * missing.
 */
export function repoFiles(dir: string, suffix = ".ts"): string[] {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(new URL(dir, ROOT))];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".") || SKIP.has(entry.name)) continue;
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) out.push(...repoFiles(`${path}/`, suffix));
    else if (entry.isFile && entry.name.endsWith(suffix)) out.push(path);
  }
  return out.sort();
}
