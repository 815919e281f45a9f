/**
 * The pictures in the lab: `--dot` renders under Graphviz's `dot -Tsvg`
 * without a warning and the SVG holds the nodes and edges of the topology
 * (a chain with a silent hop, many targets merged, an ECMP network's
 * diamonds under `--mda`), read back from the SVG; `--html FILE` opens in
 * headless Chromium with the network unreachable: not blank, no console
 * message, no request for anything outside the file, and its rendered DOM
 * holds every hop and every finding; the file is written whole or not at
 * all (a bad directory before anything is sent, a full disk, Ctrl-C).
 *
 * With `HOPWISE_DOCS_IMAGES=1` the steps also write their pictures under
 * docs/images/ (the screenshots of docs/pictures.md).
 */
import { assertEquals, assertOk as assert } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { ecmp } from "../../lab/ecmp.ts";
import { hopwiseArgv, labSkipReason, runHopwise, startIn } from "../../lab/harness.ts";
import {
  dotSkipReason,
  type DrawnGraph,
  nodesAt,
  readSvgGraph,
  renderDot,
  unescapeMarkup,
} from "../helpers/graph_check.ts";
import {
  type BrowserView,
  chromiumSkipReason,
  docsImagePath,
  openPage,
  pngStats,
} from "../helpers/browser_check.ts";

const reason = labSkipReason("pictures lab tests");
const noDot = reason ?? dotSkipReason("pictures lab tests (--dot)");
const noChromium = reason ?? chromiumSkipReason("pictures lab tests (--html in Chromium)");
const CLI = decodeURIComponent(new URL("../../cli.ts", import.meta.url).pathname);
/** Targets of the chain's destination, all at its hop. */
const ANY4 = "198.19.0.0/16";

/**
 * `dot -Tsvg` of `dot`: no warning, and the SVG's nodes are exactly `layers`
 * (per hop from 1, its addresses or `*`) with an edge from the source to the
 * first layer and from every node of a layer to every node of the next.
 */
async function expectDrawn(dot: string, layers: string[][]): Promise<DrawnGraph> {
  const drawn = await renderDot(dot);
  assertEquals(drawn.code, 0, drawn.stderr);
  assertEquals(drawn.stderr, "", "dot warned");
  const graph = readSvgGraph(drawn.svg);
  const ids = layers.map((words, i) =>
    words.map((word) => {
      const found = nodesAt(graph, i + 1, word);
      assertEquals(found.length, 1, `hop ${i + 1} ${word}: ${JSON.stringify([...graph.nodes])}`);
      return found[0]!;
    })
  );
  assertEquals(graph.nodes.size, 1 + layers.flat().length, JSON.stringify([...graph.nodes]));
  let expected = 0;
  let previous = ["src"];
  for (const layer of ids) {
    for (const a of previous) {
      for (const b of layer) assert(graph.edges.has(`${a}->${b}`), `edge ${a}->${b}`);
    }
    expected += previous.length * layer.length;
    previous = layer;
  }
  assertEquals(graph.edges.size, expected, JSON.stringify([...graph.edges]));
  return graph;
}

/** Writes `dot`'s PNG under docs/images when asked. */
async function docsDot(dot: string, name: string): Promise<void> {
  const path = docsImagePath(name);
  if (path === null) return;
  const child = new Deno.Command("dot", { args: ["-Tpng", "-Gdpi=80", "-o", path], stdin: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(dot));
  await writer.close();
  assertEquals((await child.status).code, 0);
}

/**
 * Opens `file` in Chromium, off the network, and checks the page: drawn (many
 * colours, a good share of the screen), silent (no console message), on its
 * own (no request), the whole file (no http(s) reference in it), and every
 * word of `words` in its rendered DOM.
 */
async function expectPage(file: string, words: string[], docsName: string): Promise<BrowserView> {
  const html = await Deno.readTextFile(file);
  assert(html.trimEnd().endsWith("</html>"), "the file is whole");
  assert(!/https?:\/\//i.test(html), "the file names no http(s) address");
  assert(!/\s(src|href)=/i.test(html), "the file loads nothing");
  const view = await openPage(file);
  assertEquals(view.code, 0, view.stderr.slice(-2000));
  assertEquals(view.console, [], "console messages");
  assertEquals(view.requests, [], "requests outside the file");
  const pixels = await pngStats(view.png);
  assert(pixels.colours > 32 && pixels.ink > 0.03, `blank screenshot? ${JSON.stringify(pixels)}`);
  const text = unescapeMarkup(view.dom.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ");
  for (const word of words) {
    assert(text.includes(word.replace(/\s+/g, " ")), `the page lacks: ${word}`);
  }
  const path = docsImagePath(docsName);
  if (path !== null) await Deno.writeFile(path, view.png);
  return view;
}

/** A directory the user hopwise becomes once it drops root (nobody) may write in. */
async function openDirectory(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-pictures-" });
  await Deno.chmod(dir, 0o777);
  return dir;
}

Deno.test({
  name: "pictures: a chain with a silent hop and many targets as DOT and HTML",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 4, silent: [2], anyPrefixes: [ANY4] });
    const layers = c.hops4.map((address, i) => [c.silent.includes(i + 1) ? "*" : address]);
    const dir = await openDirectory();
    const run = (args: string[]) => runHopwise(lab, c.source, args, { mod: CLI });
    try {
      await t.step({
        name: "a trace --dot: the chain, the silent hop a * node",
        ignore: noDot !== null,
        fn: async () => {
          const r = await run(["-n", "--dot", c.target4]);
          assertEquals(r.code, 0, r.stderr);
          await expectDrawn(r.stdout, layers);
          await docsDot(r.stdout, "trace-dot.png");
        },
      });

      await t.step({
        name: "--report --dot: the same nodes, the silent hop's loss 100%",
        ignore: noDot !== null,
        fn: async () => {
          const r = await run([
            "-n",
            "--report",
            "--cycles",
            "4",
            "--interval",
            "0.1",
            "--dot",
            c.target4,
          ]);
          assertEquals(r.code, 0, r.stderr);
          const graph = await expectDrawn(r.stdout, layers);
          const silent = nodesAt(graph, c.silent[0]!, "*")[0]!;
          assert(graph.nodes.get(silent)!.includes("loss 100%"), graph.nodes.get(silent));
        },
      });

      const hosts = [1, 2, 3, 4].map((n) => `198.19.7.${n}`);
      const list = `${dir}/list`;
      await Deno.writeTextFile(list, hosts.join("\n") + "\n");
      await t.step({
        name: "--targets --dot: shared hops once, edges weighted by the targets",
        ignore: noDot !== null,
        fn: async () => {
          const r = await run(["-n", "-q", "1", "--dot", "--targets", list]);
          assertEquals(r.code, 0, r.stderr);
          const graph = await expectDrawn(r.stdout, [...layers.slice(0, -1), hosts]);
          const first = nodesAt(graph, 1, c.hops4[0]!)[0]!;
          assertEquals(graph.edgeLabels.get(`src->${first}`), "4 targets (100%)");
          assert(graph.nodes.get(first)!.includes("4 targets"));
          await docsDot(r.stdout, "targets-dot.png");
        },
      });

      await t.step({
        name: "--report --html: every hop and finding on a page Chromium draws offline",
        ignore: noChromium !== null,
        fn: async () => {
          const file = `${dir}/report.html`;
          const r = await run([
            "-n",
            "--report",
            "--cycles",
            "20",
            "--interval",
            "0.1",
            "--json",
            "--html",
            file,
            c.target4,
          ]);
          assertEquals(r.code, 0, r.stderr);
          const report = JSON.parse(r.stdout) as {
            hops: Array<{ ttl: number; addresses: Array<{ address: string | null }> }>;
            findings: Array<{ text: string }>;
          };
          assert(report.findings.length > 0, "the silent hop makes a finding");
          const words = [
            ...report.hops.flatMap((h) => h.addresses.flatMap((a) => a.address ?? [])),
            ...report.findings.map((f) => f.text),
          ];
          const view = await expectPage(file, words, "report-html.png");
          // The docs show it on a phone's width too (one more launch, only when asked).
          const phone = docsImagePath("report-phone.png");
          if (phone !== null) {
            await Deno.writeFile(phone, (await openPage(file, { width: 390, height: 1300 })).png);
          }
          for (const hop of report.hops) assert(view.dom.includes(`id="hop-${hop.ttl}"`));
          assertEquals(
            (view.dom.match(/class="hw-chart"/g) ?? []).length,
            report.hops.length,
            "a chart per hop",
          );
        },
      });

      await t.step({
        name: "--targets --html: the merged graph and every target's hops",
        ignore: noChromium !== null,
        fn: async () => {
          const file = `${dir}/targets.html`;
          const r = await run(["-n", "-q", "1", "--html", file, "--targets", list]);
          assertEquals(r.code, 0, r.stderr);
          await expectPage(
            file,
            [...hosts, ...layers.slice(0, -1).flat().filter((w) => w !== "*")],
            "targets-html.png",
          );
        },
      });

      await t.step(
        "--privacy 2: the first hops and the source appear in neither picture",
        async () => {
          const file = `${dir}/private.html`;
          const r = await run([
            "-n",
            "--privacy",
            "2",
            "--report",
            "--cycles",
            "3",
            "--interval",
            "0.1",
            "--dot",
            "--html",
            file,
            c.target4,
          ]);
          assertEquals(r.code, 0, r.stderr);
          const html = await Deno.readTextFile(file);
          for (const hidden of [c.hops4[0]!, c.hops4[1]!, "198.18.1.1"]) {
            assert(!r.stdout.includes(hidden) && !html.includes(hidden), `${hidden} shown`);
          }
          assert(r.stdout.includes("hidden-1") && html.includes("hidden-1"));
          assert(r.stdout.includes(c.hops4[2]!) && html.includes(c.hops4[2]!));
        },
      );

      await t.step("--html into a missing directory: exit 2, one line, nothing run", async () => {
        const r = await run(["-n", "--report", "--html", `${dir}/missing/r.html`, c.target4]);
        assertEquals(r.code, 2, r.stderr);
        assertEquals(r.stdout, "");
        assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
        assert(r.stderr.includes("no such directory"), r.stderr);
        assert(r.ms < 10_000, `${r.ms} ms: did it probe?`);
      });

      await t.step(
        "--html on a full disk: one line, exit 1, no file and no temporary left",
        async () => {
          const full = `${dir}/full`;
          await Deno.mkdir(full);
          const mount = await new Deno.Command("mount", {
            args: ["-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs", full],
          }).output();
          assertEquals(mount.code, 0, new TextDecoder().decode(mount.stderr));
          try {
            // Leave less room than the page needs.
            const filler = await Deno.open(`${full}/filler`, { write: true, create: true });
            try {
              await filler.write(new Uint8Array(56 * 1024));
            } finally {
              filler.close();
            }
            const r = await run([
              "-n",
              "--report",
              "--cycles",
              "3",
              "--interval",
              "0.1",
              "--html",
              `${full}/r.html`,
              c.target4,
            ]);
            assertEquals(r.code, 1, r.stderr);
            assert(r.stdout.includes("HOST:"), "the report itself is printed");
            assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
            assert(r.stderr.includes("No space left"), r.stderr);
            const left = [...Deno.readDirSync(full)].map((e) => e.name);
            assertEquals(left, ["filler"]);
          } finally {
            await new Deno.Command("umount", { args: [full] }).output();
          }
        },
      );

      await t.step(
        "--html after Ctrl-C: the page of what was found, whole, and exit 130",
        async () => {
          const file = `${dir}/interrupted.html`;
          const p = startIn(
            lab,
            c.source,
            hopwiseArgv([
              "-n",
              "--report",
              "--cycles",
              "1000",
              "--interval",
              "0.1",
              "--html",
              file,
              c.target4,
            ], CLI),
          );
          await new Promise((resolve) => setTimeout(resolve, 2500));
          p.kill("SIGINT");
          const r = await p.done;
          assertEquals(r.code, 130, r.stderr);
          const html = await Deno.readTextFile(file);
          assert(html.trimEnd().endsWith("</html>"));
          assert(html.includes("interrupted"));
          assertEquals([...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".tmp")), []);
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "pictures: an ECMP network's diamonds under --mda, as DOT and HTML",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const e = await ecmp(lab);
    const dir = await openDirectory();
    try {
      const file = `${dir}/mda.html`;
      // One run for both pictures: the graph on stdout, the page beside.
      const r = await runHopwise(
        lab,
        e.source,
        ["-n", "--mda", "--confidence", "99", "--dot", "--html", file, e.target4],
        { mod: CLI },
      );
      assertEquals(r.code, 0, r.stderr);
      await t.step({
        name: "--mda --dot: every address of every hop, every link between them",
        ignore: noDot !== null,
        fn: async () => {
          const graph = await expectDrawn(r.stdout, e.hops4);
          for (const label of graph.edgeLabels.values()) {
            assert(/^\d+ flows? \(\d+(\.\d)?%\)$/.test(label), label);
          }
          await docsDot(r.stdout, "mda-dot.png");
        },
      });
      await t.step({
        name: "--mda --html: every address and diamond on a page Chromium draws offline",
        ignore: noChromium !== null,
        fn: async () => {
          await expectPage(file, [
            ...e.hops4.flat(),
            "2 paths, 2 wide at hop 2",
            "3 paths, 3 wide at hop 4",
          ], "mda-html.png");
        },
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
