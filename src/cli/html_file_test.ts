import { assertEquals, assertOk as assert } from "../../tests/assert.ts";
import { htmlPathProblem, writeFileAtomically, writeHtmlReport } from "./html_file.ts";

Deno.test("htmlPathProblem: a missing directory, a directory, a directory the writer may not write", () => {
  const dir = Deno.makeTempDirSync({ prefix: "hopwise-html-" });
  try {
    assertEquals(htmlPathProblem(`${dir}/missing/r.html`), "no such directory");
    assertEquals(htmlPathProblem(dir), "is a directory");
    assertEquals(htmlPathProblem(`${dir}/`), "is a directory");
    assertEquals(htmlPathProblem(`${dir}/r.html`), null);
    Deno.chmodSync(dir, 0o755);
    const owner = Deno.statSync(dir);
    // Its owner may write; another user (not in its group) may not, until the directory is opened.
    assertEquals(htmlPathProblem(`${dir}/r.html`, { uid: owner.uid!, gid: owner.gid! }), null);
    const other = { uid: owner.uid! + 12345, gid: owner.gid! + 12345 };
    assert(htmlPathProblem(`${dir}/r.html`, other)?.includes(`uid ${other.uid}`));
    Deno.chmodSync(dir, 0o777);
    assertEquals(htmlPathProblem(`${dir}/r.html`, other), null);
    // A sticky directory: another's file cannot be replaced.
    Deno.chmodSync(dir, 0o1777);
    Deno.writeTextFileSync(`${dir}/theirs.html`, "x");
    assert(htmlPathProblem(`${dir}/theirs.html`, other) !== null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomically replaces the file whole, keeps its mode, leaves no temporary file", () => {
  const dir = Deno.makeTempDirSync({ prefix: "hopwise-html-" });
  try {
    const path = `${dir}/r.html`;
    Deno.writeTextFileSync(path, "old");
    Deno.chmodSync(path, 0o640);
    const text = "<!doctype html>" + "x".repeat(300_000);
    writeFileAtomically(path, text);
    assertEquals(Deno.readTextFileSync(path), text);
    assertEquals(Deno.statSync(path).mode! & 0o777, 0o640);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["r.html"]);
    // A path it cannot write: one line, false, nothing left.
    const lines: string[] = [];
    assertEquals(writeHtmlReport(`${dir}/missing/r.html`, text, (l) => lines.push(l)), false);
    assertEquals(lines.length, 1);
    assert(
      lines[0]!.startsWith(`hopwise: --html: cannot write "${dir}/missing/r.html": `),
      lines[0],
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["r.html"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
