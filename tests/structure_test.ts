/**
 * The shape the code keeps: no source file of src/ or ffi/ past 450 lines,
 * nor any test helper of tests/, no import cycle among the project's
 * modules, nothing in scripts/ or lab/ importing from tests/, and ffi/
 * reached only through the session step (src/session/kernel.ts) and the
 * library's entry (mod.ts), and the folders of src/ ranked: each imports
 * only folders of a lower rank (FOLDER_RANKS).
 */
import { assertEquals } from "./assert.ts";
import { FOLDER_RANKS, layerDiagram, rankOf } from "./helpers/folder_ranks.ts";
import { repoFiles, ROOT } from "./helpers/repo_files.ts";

const root = ROOT;
const rootPath = decodeURIComponent(root.pathname);

// An import or export clause holds names, braces, commas, `as`, `*` and `type`: never `;`, `(` or `=`.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s(type\s)?[^;()=]*?from\s+"([^"]+)"/g;
const DYNAMIC = /\bimport\(\s*"([^"]+)"\s*\)/g;

/** An import of a project module. */
interface Import {
  /** The module, relative to the repository. */
  target: string;
  /** A literal dynamic import(): loaded only when reached. */
  dynamic: boolean;
  /** `import type`: nothing is loaded. */
  typeOnly: boolean;
}

/** The project modules `file` imports (statically, or with a literal dynamic import). */
function importsOf(file: string): Import[] {
  const text = Deno.readTextFileSync(new URL(file, root));
  const found: Import[] = [];
  const add = (specifier: string, dynamic: boolean, typeOnly: boolean) => {
    if (!specifier.startsWith(".")) return;
    const url = new URL(specifier, new URL(file, root));
    found.push({
      target: decodeURIComponent(url.pathname).slice(rootPath.length),
      dynamic,
      typeOnly,
    });
  };
  for (const match of text.matchAll(IMPORT)) add(match[2]!, false, match[1] !== undefined);
  for (const match of text.matchAll(DYNAMIC)) add(match[1]!, true, false);
  return found;
}

const project = [
  "mod.ts",
  "cli.ts",
  ...repoFiles("src/"),
  ...repoFiles("ffi/"),
  ...repoFiles("scripts/"),
]
  .concat(repoFiles("lab/"), repoFiles("examples/"));
const sources = project.filter((f) => !f.endsWith("_test.ts"));

Deno.test("no source file in src/ or ffi/ is over 450 lines", () => {
  const long = sources
    .filter((f) => f.startsWith("src/") || f.startsWith("ffi/"))
    .map((f) => [f, Deno.readTextFileSync(new URL(f, root)).split("\n").length - 1] as const)
    .filter(([, lines]) => lines > 450)
    .map(([f, lines]) => `${f}: ${lines}`);
  assertEquals(long, []);
});

Deno.test("no test helper in tests/ (a file not named _test.ts) is over 450 lines", () => {
  const long = repoFiles("tests/")
    .filter((f) => !f.endsWith("_test.ts"))
    .map((f) => [f, Deno.readTextFileSync(new URL(f, root)).split("\n").length - 1] as const)
    .filter(([, lines]) => lines > 450)
    .map(([f, lines]) => `${f}: ${lines}`);
  assertEquals(long, []);
});

Deno.test("no import cycle among the project's modules", () => {
  const graph = new Map(sources.map((f) => [f, importsOf(f).map((i) => i.target)]));
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "visiting");
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assertEquals(cycles, []);
});

Deno.test("nothing in scripts/, lab/ or src/ imports from tests/", () => {
  const offenders = sources
    .filter((f) => !f.startsWith("examples/"))
    .filter((f) => importsOf(f).some((i) => i.target.startsWith("tests/")));
  assertEquals(offenders, []);
});

Deno.test("ffi/ is reached only through the session step and mod.ts", () => {
  const allowed = new Set(["mod.ts", "src/session/kernel.ts"]);
  const offenders = sources
    .filter((f) => !f.startsWith("ffi/") && !f.startsWith("scripts/") && !allowed.has(f))
    .filter((f) => importsOf(f).some((i) => i.target.startsWith("ffi/")));
  assertEquals(offenders, []);
});

Deno.test("a plain trace loads no other mode, no explain, whois or JSON output", () => {
  // The modules cli.ts reaches through static imports alone.
  const reached = new Set<string>();
  const walk = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const i of importsOf(file)) if (!i.dynamic && !i.typeOnly) walk(i.target);
  };
  walk("cli.ts");
  const onDemand = [...reached].filter((f) =>
    /^src\/(explain\/|lookup\/whois|output\/(json|compare|multipath)|modes\/(multipath|compare|flow_plan|mda)|cli\/(compare|multipath)_command)/
      .test(f)
  );
  assertEquals(onDemand, []);
});

Deno.test("every folder of src/ has a rank, and its code and unit tests import only folders ranked below it", () => {
  const folderOf = (file: string) => file.startsWith("ffi/") ? "ffi" : file.split("/")[1]!;
  const unranked = new Set<string>();
  const upward: string[] = [];
  for (const file of project.filter((f) => f.startsWith("src/") || f.startsWith("ffi/"))) {
    if (!file.startsWith("ffi/") && file.split("/").length < 3) {
      unranked.add(file); // a file at src/'s root belongs to no folder
      continue;
    }
    const from = folderOf(file);
    if (rankOf(from) === null) unranked.add(from);
    for (const { target } of importsOf(file)) {
      if (!target.startsWith("src/") && !target.startsWith("ffi/")) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const [a, b] = [rankOf(from), rankOf(to)];
      if (a !== null && b !== null && b >= a) upward.push(`${file} -> ${target} (${a} -> ${b})`);
    }
  }
  assertEquals([...unranked], []);
  assertEquals(upward, []);
});

Deno.test("docs/architecture.md draws the folders from the same ranks", () => {
  const page = Deno.readTextFileSync(new URL("docs/architecture.md", root));
  const diagram = layerDiagram(FOLDER_RANKS);
  assertEquals(page.includes(diagram), true, `docs/architecture.md lacks:\n${diagram}`);
});
