/**
 * The service's pages in the lab: one `hopwise --serve` watching three
 * targets behind a chain whose router 2 is silent and router 3 drops a
 * third of what it forwards; headless Chromium, run in the source's
 * namespace (it reaches nothing but the lab), opens `/` and one target's
 * page: each drawn (its screenshot's pixels counted), no console message, no
 * request outside the service's origin, and its rendered text holding what
 * the service's JSON says at the same moment: every target with its state
 * and findings on `/`; every hop, a chart each, and the findings on the
 * target's page.
 *
 * With `HOPWISE_DOCS_IMAGES=1` it also writes the two screenshots under
 * docs/images/ (docs/pictures.md shows them).
 *
 * Needs root, iproute2 and chromium.
 */
import { assertEquals, assertOk as assert } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason, startIn } from "../../lab/harness.ts";
import {
  type BrowserView,
  chromiumSkipReason,
  docsImagePath,
  openPage,
  pngStats,
} from "../helpers/browser_check.ts";
import { unescapeMarkup } from "../helpers/graph_check.ts";

const reason = labSkipReason("service page lab tests");
const noChromium = reason ?? chromiumSkipReason("service page lab tests");
const CLI = decodeURIComponent(new URL("../../cli.ts", import.meta.url).pathname);
const ORIGIN = "http://127.0.0.1:9798";

/** A document of the service's JSON, fetched from inside `node`. */
async function fetchJson(lab: Lab, node: string, path: string): Promise<unknown> {
  const script = `const r = await fetch(${JSON.stringify(ORIGIN + path)});` +
    `if (!r.ok) { console.error(r.status, await r.text()); Deno.exit(1); } console.log(await r.text());`;
  const r = await lab.exec(node, [Deno.execPath(), "eval", "--quiet", script]);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Figures in words change from one moment to the next: `loss 31%` and `loss 33%` read alike. */
function figureless(text: string): string {
  return text.replace(/\d+(\.\d+)?/g, "#").replace(/\s+/g, " ");
}

/** Whether `text` says `words`, whatever their figures. */
function says(text: string, words: string): boolean {
  return figureless(text).includes(figureless(words));
}

/**
 * Opens `path` of the service in Chromium inside `ns` and checks the page:
 * drawn, silent, asking nothing of any other origin; resolves to its text
 * and DOM.
 */
async function openChecked(
  ns: string,
  path: string,
  docsName: string,
): Promise<{ text: string; view: BrowserView }> {
  const view = await openPage(ORIGIN + path, { wrap: ["ip", "netns", "exec", ns] });
  assertEquals(view.code, 0, view.stderr.slice(-2000));
  assertEquals(view.console, [], "console messages");
  assertEquals(view.requests, [], "requests outside the service's origin");
  const pixels = await pngStats(view.png);
  assert(pixels.colours > 32 && pixels.ink > 0.03, `blank screenshot? ${JSON.stringify(pixels)}`);
  const docs = docsImagePath(docsName);
  if (docs !== null) await Deno.writeFile(docs, view.png);
  return { text: unescapeMarkup(view.dom.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " "), view };
}

interface TargetsDocument {
  targets: Array<{
    target: string;
    state: string;
    findings: Array<{ kind: string; text: string }>;
  }>;
}

interface ReportDocument {
  hops: Array<{ ttl: number; addresses: Array<{ address: string | null }> }>;
  findings: Array<{ text: string }>;
}

/**
 * Checks that a page made between two readings of the findings shows them: every finding that held
 * at both readings (figures aside) or, when none did (a finding near its threshold may come and go
 * in the seconds Chromium takes), at least one finding of either reading.
 */
function showsFindings(
  text: string,
  before: ReadonlyArray<{ text: string }>,
  after: ReadonlyArray<{ text: string }>,
  what: string,
): void {
  const held = after.filter((f) => before.some((b) => figureless(b.text) === figureless(f.text)));
  if (held.length > 0) {
    for (const f of held) assert(says(text, f.text), `${what} lacks ${f.text}`);
    return;
  }
  const either = [...before, ...after];
  assert(either.length > 0, `${what}: no finding at either reading`);
  assert(
    either.some((f) => says(text, f.text)),
    `${what} shows none of: ${either.map((f) => f.text).join("; ")}`,
  );
}

Deno.test({
  name: "serve page: / and a target's page in Chromium hold every target, hop and finding",
  ignore: noChromium !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using lab = await Lab.create({ prefix: "hwpage" });
    const c = await chain(lab, {
      routers: 4,
      silent: [2],
      forwardLoss: [{ hop: 3, share: 0.3 }],
      anyPrefixes: ["198.19.0.0/16"],
    });
    const dir = await Deno.makeTempDir({ prefix: "hopwise-serve-page-" });
    const hosts = ["198.19.7.1", "198.19.7.2", "198.19.7.3"];
    await Deno.writeTextFile(`${dir}/targets`, hosts.join("\n") + "\n");
    const service = startIn(
      lab,
      c.source,
      hopwiseArgv(
        ["--serve", "9798", "-n", "-I", "--interval", "0.2", "--targets", `${dir}/targets`],
        CLI,
      ),
    );
    try {
      // About 25 cycles a target.
      await new Promise((r) => setTimeout(r, 5000));
      const ns = lab.ns(c.source);

      // What the JSON says before and after the page is opened: a finding that held at both
      // moments (figures aside) held while the page was made.
      const targetsNow = () => fetchJson(lab, c.source, "/api/targets") as Promise<TargetsDocument>;
      const before = await targetsNow();
      const overview = await openChecked(ns, "/", "serve-html.png");
      const targets = await targetsNow();
      assertEquals(targets.targets.map((t) => t.target), hosts);
      for (const t of targets.targets) {
        assert(overview.text.includes(t.target), `/ lacks ${t.target}`);
        assert(
          overview.view.dom.includes(`href="target?name=${t.target}"`),
          `no link to ${t.target}`,
        );
        assertEquals(t.state, "up");
        const earlier = before.targets.find((b) => b.target === t.target)?.findings ?? [];
        showsFindings(overview.text, earlier, t.findings, `/ (${t.target})`);
      }
      assert(overview.text.includes("3 up, 0 down"), "/ lacks the states");
      assert(!overview.view.dom.includes("<svg"), "a chart on /");

      const reportNow = () =>
        fetchJson(lab, c.source, `/api/report?target=${hosts[0]}`) as Promise<ReportDocument>;
      const reportBefore = await reportNow();
      const target = await openChecked(ns, `/target?name=${hosts[0]}`, "serve-target-html.png");
      const report = await reportNow();
      assertEquals(report.hops.length, c.hops4.length);
      for (const hop of report.hops) {
        assert(target.view.dom.includes(`id="hop-${hop.ttl}"`), `no hop ${hop.ttl}`);
        for (const a of hop.addresses) {
          if (a.address !== null) assert(target.text.includes(a.address), `lacks ${a.address}`);
        }
      }
      assertEquals(
        (target.view.dom.match(/class="hw-chart"/g) ?? []).length,
        report.hops.length,
        "a chart per hop",
      );
      showsFindings(target.text, reportBefore.findings, report.findings, "the target's page");
    } finally {
      service.kill("SIGTERM");
      const r = await service.done;
      await Deno.remove(dir, { recursive: true });
      assertEquals(r.code, 0, r.stderr);
    }
  },
});
