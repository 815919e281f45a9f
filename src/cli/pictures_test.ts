import { assertEquals, assertOk as assert, assertStringIncludes } from "../../tests/assert.ts";
import { runCli } from "../../tests/fake/cli.ts";
import type { Scenario } from "../../tests/fake/transport.ts";

/** Three hops, the second silent. */
const PATH: Scenario = {
  family: 4,
  source: "198.18.0.2",
  target: "198.18.9.9",
  hops: [{ address: "198.18.1.1", rtt: 1 }, { address: null }, { address: "198.18.9.9", rtt: 3 }],
};

Deno.test("--dot and --html where they do not belong: one line, exit 2, nothing sent", async () => {
  for (
    const [args, words] of [
      [["--html", "r.html", "198.18.9.9"], "--html is for --report, --flows, --mda and --targets"],
      [["--html", "r.html", "--watch", "198.18.9.9"], "--html is for"],
      [["--dot", "--compare", "udp,icmp", "198.18.9.9"], "--dot draws the path"],
      [["--dot", "--explain", "198.18.9.9"], "--dot draws the path"],
      [["--report", "--html", "/nonexistent/dir/r.html", "198.18.9.9"], "no such directory"],
    ] as const
  ) {
    const r = await runCli([...args]);
    assertEquals([r.status, r.stdout, r.fake.sent.length], [2, "", 0], r.stderr);
    assertStringIncludes(r.stderr, words);
    assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  }
});

Deno.test("a trace --dot: the whole trace as one graph, the silent hop a * node", async () => {
  const r = await runCli(["-n", "--dot", "198.18.9.9"], "hopwise", PATH);
  assertEquals(r.status, 0, r.stderr);
  assert(r.stdout.startsWith("digraph hopwise {"), r.stdout);
  assertStringIncludes(r.stdout, "1  198.18.1.1");
  assertStringIncludes(r.stdout, "2  *");
  assertStringIncludes(r.stdout, "3  198.18.9.9");
  assertEquals((r.stdout.match(/ -> /g) ?? []).length, 3);
});

Deno.test("--report --html writes the page beside the report; --report --dot prints the graph", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-pictures-" });
  try {
    const file = `${dir}/r.html`;
    const args = ["-n", "--report", "--cycles", "3", "--interval", "0.1"];
    const r = await runCli([...args, "--html", file, "198.18.9.9"], "hopwise", PATH);
    assertEquals(r.status, 0, r.stderr);
    assertStringIncludes(r.stdout, "HOST:");
    const html = await Deno.readTextFile(file);
    for (const ttl of [1, 2, 3]) assertStringIncludes(html, `id="hop-${ttl}"`);
    assertEquals((html.match(/class="hw-chart"/g) ?? []).length, 3);
    const dot = await runCli([...args, "--dot", "198.18.9.9"], "hopwise", PATH);
    assertEquals(dot.status, 0, dot.stderr);
    assertStringIncludes(dot.stdout, "2  *<br/>loss 100%");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
