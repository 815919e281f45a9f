/**
 * Examples that name real files: every relative import in a ```` ```ts ````
 * block of a JSDoc comment (in any .ts file of the repository), of README.md
 * and of docs/*.md names a file that exists. Examples that would send probes
 * are marked `ignore` (`deno test --doc` does not run or check them), so
 * nothing else notices when a module they import moves or goes.
 */
import { assertEquals, assertOk } from "./assert.ts";
import { repoFiles, ROOT } from "./helpers/repo_files.ts";

/** A relative import in an example. */
interface DocImport {
  /** Line of the import in its file, from 1. */
  line: number;
  /** The specifier, as written. */
  specifier: string;
}

const FENCE = /^\s*(`{3,})\s*([\w-]*)/;
const TS_FENCE = new Set(["ts", "typescript", "tsx", "mts"]);
const SPECIFIERS = [
  /\bfrom\s+["']([^"']+)["']/g,
  /\bimport\s+["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/**
 * The relative imports of the ```` ```ts ```` blocks in `lines` (with
 * `offset`, the line number of the first, less one).
 */
function blockImports(lines: readonly string[], offset: number): DocImport[] {
  const found: DocImport[] = [];
  let fence: string | null = null;
  let ts = false;
  lines.forEach((text, i) => {
    const open = FENCE.exec(text);
    if (fence === null) {
      if (open) ({ fence, ts } = { fence: open[1]!, ts: TS_FENCE.has(open[2]!) });
      return;
    }
    if (open && open[1]!.length >= fence.length && open[2] === "") {
      fence = null;
      return;
    }
    if (!ts) return;
    for (const pattern of SPECIFIERS) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1]!;
        if (specifier.startsWith("./") || specifier.startsWith("../")) {
          found.push({ line: offset + i + 1, specifier });
        }
      }
    }
  });
  return found;
}

/** The relative imports of the examples in the JSDoc comments of a .ts file's `text`. */
function jsDocImports(text: string): DocImport[] {
  const found: DocImport[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const offset = text.slice(0, comment.index).split("\n").length - 1;
    const lines = comment[0].split("\n").map((l) => l.replace(/^\s*\/?\*+\/?\s?/, ""));
    found.push(...blockImports(lines, offset));
  }
  return found;
}

/** The relative imports of the examples in a Markdown file's `text`. */
function markdownImports(text: string): DocImport[] {
  return blockImports(text.split("\n"), 0);
}

/** Whether `specifier`, imported from `file` (relative to the repository), names no file. */
function missing(file: string, specifier: string): boolean {
  try {
    return !Deno.statSync(new URL(specifier.split(/[?#]/)[0]!, new URL(file, ROOT))).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    throw e;
  }
}

Deno.test("doc imports: the reader finds imports in JSDoc and Markdown examples", () => {
  const jsDoc = [
    "/**",
    " * Text.",
    " *",
    " * ```ts ignore",
    ' * import { traceAll } from "../tracer.ts";',
    ' * import { x } from "jsr:@std/x";',
    ' * const m = await import("./lazy.ts");',
    " * ```",
    " * ```text",
    ' * import { no } from "./not_code.ts";',
    " * ```",
    " */",
    'import { real } from "./not_a_doc.ts";',
  ].join("\n");
  assertEquals(jsDocImports(jsDoc), [
    { line: 5, specifier: "../tracer.ts" },
    { line: 7, specifier: "./lazy.ts" },
  ]);
  const markdown = ["# T", "", "```ts", 'import { trace } from "./mod.ts";', "```", ""].join("\n");
  assertEquals(markdownImports(markdown), [{ line: 4, specifier: "./mod.ts" }]);
});

Deno.test("doc imports: every relative import in an example names a file that exists", () => {
  const sources = repoFiles("").map((file) => ({ file, imports: jsDocImports }));
  const pages = ["README.md", ...repoFiles("docs/", ".md")]
    .filter((file) => !missing("", file))
    .map((file) => ({ file, imports: markdownImports }));
  let examples = 0;
  const broken: string[] = [];
  for (const { file, imports } of [...sources, ...pages]) {
    for (const { line, specifier } of imports(Deno.readTextFileSync(new URL(file, ROOT)))) {
      examples++;
      if (missing(file, specifier)) broken.push(`${file}:${line}: "${specifier}"`);
    }
  }
  assertOk(examples > 0, "no example imports found: the reader is broken");
  assertEquals(broken, []);
});
