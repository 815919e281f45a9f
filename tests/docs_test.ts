/**
 * The documentation stays true to the program and to itself: README.md is a
 * short tour that gives CI its test command, every relative link of the
 * Markdown pages leads somewhere, the man page lists exactly the options
 * `--help` lists and renders without a warning, and the completion scripts
 * complete the option table.
 *
 * @module
 */
import { assertEquals, assertOk } from "./assert.ts";
import { pathExists } from "../lab/netns/command.ts";
import { completionScript, SHELLS } from "../src/cli/completions.ts";
import { initialState } from "../src/cli/flag_state.ts";
import { buildOptions } from "../src/cli/flags.ts";
import { helpText } from "../src/cli/usage.ts";
import { hasTool, read, root, rootPath, run } from "./helpers/repo_commands.ts";

/** The command line's option table, as `--help` and the completions see it. */
function optionTable() {
  return buildOptions(initialState("hopwise"), () => Promise.resolve(true), () => {
    throw new Error("-O help is not part of these tests");
  });
}

Deno.test("README.md is at most 300 lines and gives the test command CI runs", () => {
  const lines = read("README.md").split("\n");
  if (lines.at(-1) === "") lines.pop();
  assertOk(lines.length <= 300, `README.md has ${lines.length} lines, more than 300`);
  // .ci/run runs the first line that matches this, exactly.
  const test = lines.filter((l) => /^npx -y deno@[0-9]+\.[0-9]+\.[0-9]+ task test$/.test(l));
  assertEquals(test.length, 1, "README.md has one `npx -y deno@X.Y.Z task test` line");
  const demo = lines.filter((l) => /^npx -y deno@[0-9]+\.[0-9]+\.[0-9]+ task demo$/.test(l));
  assertEquals(demo.length, 1, "README.md has one `npx -y deno@X.Y.Z task demo` line");
});

/** Markdown without its fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")
    .replace(/(`+)[\s\S]*?\1/g, "");
}

/** GitHub's anchors of a page's headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutCode.matchAll(/^#{1,6} +(.*?) *#* *$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replaceAll("`", "");
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

Deno.test("every relative link of README.md and docs/*.md leads to a file of the repository", () => {
  const pages = [
    "README.md",
    ...[...Deno.readDirSync(new URL("docs/", root))]
      .filter((e) => e.isFile && e.name.endsWith(".md"))
      .map((e) => `docs/${e.name}`),
  ].sort();
  assertOk(pages.length > 1, "docs/ has Markdown pages");
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const text = read(page);
    for (const match of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const link = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:: not relative
      checked++;
      const [path, anchor] = link.split("#", 2) as [string, string | undefined];
      const target = path === "" ? new URL(page, root) : new URL(path, new URL(page, root));
      const file = decodeURIComponent(target.pathname);
      if (!file.startsWith(rootPath)) broken.push(`${page}: ${link} leaves the repository`);
      else if (!pathExists(file)) broken.push(`${page}: ${link} (no such file)`);
      else if (
        anchor && file.endsWith(".md") && !anchors(Deno.readTextFileSync(file)).has(anchor)
      ) {
        broken.push(`${page}: ${link} (no such heading)`);
      }
    }
  }
  assertOk(checked > 10, `only ${checked} relative links found`);
  assertEquals(broken, []);
});

/** Option spellings (`-q`, `--queries`, `-UL`) in a piece of text. */
function spellings(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s,[|])(--?[A-Za-z0-9][A-Za-z0-9-]*)/g)].map((m) => m[1]!);
}

/** The options `--help` lists: the first column of its option lines. */
function helpOptions(help: string): Set<string> {
  const found = new Set<string>();
  for (const line of help.split("\n")) {
    if (!/^ {2}-/.test(line)) continue;
    // The option column ends where two blanks lead to the description.
    const column = line.split(/ {2,}(?=[^\s-])/)[0]!;
    for (const option of spellings(column)) found.add(option);
  }
  return found;
}

/** The options the man page's OPTIONS section lists: its `.TP` tags. */
function manOptions(man: string): Set<string> {
  const lines = man.split("\n");
  const start = lines.indexOf(".SH OPTIONS");
  assertOk(start !== -1, "the man page has an OPTIONS section");
  const end = lines.findIndex((l, i) => i > start && l.startsWith(".SH "));
  const found = new Set<string>();
  const section = lines.slice(start, end === -1 ? undefined : end);
  section.forEach((line, i) => {
    if (line !== ".TP") return;
    const tag = (section[i + 1] ?? "")
      .replace(/^\.[A-Z]+\s*/, "") // .B, .BR, .BI
      .replace(/\\f(?:\[[^\]]*\]|\(..|.)/g, "") // font changes
      .replaceAll("\\-", "-")
      .replaceAll('"', "");
    for (const option of spellings(tag)) found.add(option);
  });
  return found;
}

Deno.test("the man page lists every option --help lists, and no other", () => {
  const help = helpOptions(helpText("hopwise"));
  const man = manOptions(read("docs/hopwise.1"));
  assertOk(help.has("--help") && help.has("-q"), "the help's options were found");
  const sorted = (set: Set<string>) => [...set].sort();
  assertEquals(
    {
      manOnly: sorted(man.difference(help)),
      helpOnly: sorted(help.difference(man)),
    },
    { manOnly: [], helpOnly: [] },
    "options in the man page but not in --help (manOnly), and the other way round (helpOnly)",
  );
});

const groff = hasTool("groff");
if (!groff) {
  // deno-lint-ignore no-console
  console.log("man page rendering test ignored: needs groff (apt-get install groff)");
}

Deno.test({
  name: "the man page renders with groff -man -ww without a warning",
  ignore: !groff,
  fn: async () => {
    const out = await run("groff", ["-man", "-ww", "-z", `${rootPath}docs/hopwise.1`]);
    assertEquals({ code: out.code, stderr: out.stderr }, { code: 0, stderr: "" });
  },
});

/**
 * What the bash script completes `words` to (the last word being completed),
 * in a bash that reads no start-up file.
 */
async function bashComplete(script: string, words: string[]): Promise<string[]> {
  const file = await Deno.makeTempFile({ suffix: ".bash" });
  try {
    await Deno.writeTextFile(file, script);
    const program = [
      `source ${file}`,
      'COMP_WORDS=("$@")',
      "COMP_CWORD=$(($# - 1))",
      'COMP_LINE="$*"',
      "COMP_POINT=${#COMP_LINE}",
      "_hopwise",
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join("\n");
    const out = await run("bash", ["--norc", "--noprofile", "-c", program, "bash", ...words]);
    assertEquals(out.stderr, "", `bash's errors completing ${words.join(" ")}`);
    assertEquals(out.code, 0);
    return out.stdout.split("\n").filter((l) => l !== "");
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("the bash completion completes options, methods, shells and files", async () => {
  const script = completionScript("bash", optionTable());
  assertEquals(await bashComplete(script, ["hopwise", "--rep"]), ["--report"]);
  assertEquals(await bashComplete(script, ["hopwise", "-n", "-M", "tc"]), ["tcp", "tcpconn"]);
  assertEquals(await bashComplete(script, ["hopwise", "--module", "=", "udp"]), [
    "udp",
    "udplite",
  ]);
  assertEquals(await bashComplete(script, ["hopwise", "--completions", "z"]), ["zsh"]);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/targets.txt`, "198.18.6.2\n");
    assertEquals(await bashComplete(script, ["hopwise", "--targets", `${dir}/tar`]), [
      `${dir}/targets.txt`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const zsh = hasTool("zsh");
const fish = hasTool("fish");

Deno.test("the zsh and fish completions name every long option", async () => {
  const table = optionTable();
  const longs = table.filter((o) => o.long !== undefined && !o.oneDash).map((o) => o.long!);
  assertOk(longs.includes("report"), "the option table has --report");
  const zshScript = completionScript("zsh", table);
  const fishScript = completionScript("fish", table);
  const missing = longs.flatMap((long) => [
    ...(zshScript.includes(`'--${long}`) || zshScript.includes(`'*--${long}`)
      ? []
      : [`zsh: --${long}`]),
    ...(fishScript.includes(` -l ${long} `) || fishScript.includes(` -l ${long}\n`)
      ? []
      : [`fish: --${long}`]),
  ]);
  assertEquals(missing, []);
  assertEquals([...SHELLS], ["bash", "zsh", "fish"]);
  for (
    const [shell, present, args, script] of [
      ["zsh", zsh, ["-n"], zshScript],
      ["fish", fish, ["--no-execute"], fishScript],
    ] as const
  ) {
    if (!present) {
      // deno-lint-ignore no-console
      console.log(`  ${shell} syntax check skipped: ${shell} is not installed`);
      continue;
    }
    const file = await Deno.makeTempFile();
    try {
      await Deno.writeTextFile(file, script);
      const out = await run(shell, [...args, file]);
      assertEquals({ code: out.code, stderr: out.stderr }, { code: 0, stderr: "" }, shell);
    } finally {
      await Deno.remove(file);
    }
  }
});
