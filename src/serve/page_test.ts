import { assertEquals, assertOk as assert, assertStringIncludes } from "../../tests/assert.ts";
import { traceStart } from "../../tests/fixtures.ts";
import {
  addr,
  losing,
  snapshotOf,
  spread,
  steady,
  watchSettings,
} from "../../tests/helpers/snapshot_fixture.ts";
import type { FleetFigures, TargetFigures } from "../core/fleet_model.ts";
import type { CycleProbe } from "../core/watch_model.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";
import { htmlPage } from "../output/html.ts";
import { CycleSeries } from "../output/cycle_series.ts";
import { parseAuthFile } from "./auth.ts";
import { EventLog } from "./events.ts";
import { type Answerer, handleRequest } from "./http.ts";
import { acceptsGzip, overviewPage, targetPage } from "./page.ts";

const HOSTILE = `<script>alert("x")</script>&'\\`;

/** A target of `hops` hops (hop 3 silent), up and reached unless `down`; `findings` on hop 2. */
function figuresOf(name: string, hops: number, over: Partial<TargetFigures> = {}): TargetFigures {
  return {
    target: name,
    labels: { site: "fra1" },
    address: addr(hops),
    method: "icmp",
    up: true,
    downReason: null,
    reached: true,
    pathHops: hops,
    pathChanges: 1,
    cycles: 120,
    lastCycleAt: "2026-12-06T22:00:00.000Z",
    hops: Array.from({ length: hops }, (_, i) => ({
      ttl: i + 1,
      sent: 120,
      received: i === 2 ? 0 : 120,
      rttBuckets: [],
      rttSum: 0,
      rttCount: 0,
      lastRtt: null,
      addresses: i === 2 ? [] : [{ address: addr(i + 1), name: null }],
      addressesOmitted: 0,
    })),
    findings: [],
    ...over,
  };
}

/** `count` targets of 6 hops, every tenth with two findings, every hundredth down. */
function fleetOf(count: number): FleetFigures {
  return {
    version: "test",
    probesSent: 1000,
    sendErrors: {},
    targets: Array.from({ length: count }, (_, i) =>
      figuresOf(`198.19.${i >> 8}.${i & 255}`, 6, {
        ...(i % 100 === 99 ? { up: false, downReason: "no route", pathHops: null } : {}),
        findings: i % 10 === 0
          ? [
            { kind: "rate-limited", ttl: 3, text: "hop 3 limits its answers" },
            { kind: "loss", ttl: 5, text: `loss from hop 5 on, target ${i}` },
            { kind: "loss", ttl: 6, text: `loss from hop 5 on, target ${i}` },
          ]
          : [],
      })),
  };
}

Deno.test("overviewPage: every target's state, path and findings, linked to its page; hostile words escaped", () => {
  const fleet: FleetFigures = {
    version: "test",
    probesSent: 10,
    sendErrors: {},
    targets: [
      figuresOf(`a&b"${HOSTILE}`, 4, {
        labels: { site: HOSTILE },
        findings: [{ kind: "loss", ttl: 2, text: `loss ${HOSTILE}` }],
      }),
      figuresOf("down.example", 0, { up: false, downReason: "does not resolve", pathHops: null }),
    ],
  };
  const html = htmlPage(overviewPage(fleet, "2026-12-06T22:00:01.000Z"), { refreshSeconds: 10 });
  assert(!html.includes("<script>alert"), "a hostile word made markup");
  assert(!html.includes(`"x"`), "a quote came through");
  // One script: the page's own refresh.
  assertEquals(html.match(/<script>/g)?.length, 1);
  // The link leads to the target's page by its very name.
  const href = /<h3><a href="([^"]*)">/.exec(html)![1]!.replaceAll("&#39;", "'");
  assertEquals(new URL(href, "http://127.0.0.1/").searchParams.get("name"), `a&b"${HOSTILE}`);
  assertStringIncludes(html, "site=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  assertStringIncludes(html, "loss &lt;script&gt;");
  assertStringIncludes(html, "down: does not resolve");
  assertStringIncludes(html, "up, reached at hop 4");
  // The path: hops 1, 2 and 4 by address, 3 a `*`.
  for (const ttl of [1, 2, 4]) assertStringIncludes(html, `<b>${addr(ttl)}</b>`);
  assertStringIncludes(html, '<span class="hw-mark">3</span>*');
  assertStringIncludes(html, "1 up, 1 down, 1 with findings");
});

Deno.test("overviewPage of 1,000 targets: no chart, a finding on several hops once, size and time", () => {
  const fleet = fleetOf(1000);
  const started = performance.now();
  const html = htmlPage(overviewPage(fleet, "2026-12-06T22:00:01.000Z"), { refreshSeconds: 10 });
  const ms = performance.now() - started;
  const bytes = new TextEncoder().encode(html).length;
  // deno-lint-ignore no-console
  console.log(`overview of 1,000 targets of 6 hops: ${bytes} bytes, built in ${ms.toFixed(0)} ms`);
  assert(!html.includes("<svg"), "a chart on the overview");
  assertEquals(html.match(/<article /g)?.length, 1000);
  assertEquals(html.match(/loss from hop 5 on, target 990</g)?.length, 1);
  assert(bytes < 1_500_000, `${bytes} bytes`);
});

/** A watched target as the page reads it: up, its window `snapshot`, or down. */
function watched(host: string, snapshot: ReturnType<typeof snapshotOf> | null): WatchedTarget {
  const start = traceStart({ target: { host, address: addr(5), family: 4 } });
  return {
    index: 0,
    entry: { host },
    state: snapshot ? "up" : "down",
    reason: snapshot ? null : "does not resolve",
    target: snapshot ? start.target : null,
    start: snapshot ? start : null,
    settings: watchSettings({ cycles: Infinity }),
    snapshot: () => snapshot,
    statistics: () => ({ sent: 0, matched: 0, ignored: {} }) as never,
    reset: () => {},
  };
}

Deno.test("targetPage: the report of the window, every hop charted, its findings; a down target its state", () => {
  const cycles = 60;
  const snapshot = snapshotOf({
    cycles,
    hops: [1, 2, 3, 4, 5].map((ttl) =>
      ttl === 4 ? losing(steady(addr(4), 4), spread(cycles / 3, cycles)) : steady(addr(ttl), ttl)
    ),
  }, { destination: 5 });
  const series = new CycleSeries({ keep: 240 });
  for (let cycle = 0; cycle < 300; cycle++) {
    const probes: CycleProbe[] = [1, 2, 3, 4, 5].map((ttl) => ({
      ttl,
      flow: 0,
      address: addr(ttl),
      rtt: ttl,
      annotation: "",
      final: ttl === 5,
      lost: false,
      reason: null,
    }));
    series.add({ cycle, lastHop: 5, probes });
  }
  const page = targetPage({
    target: watched(HOSTILE, snapshot),
    labels: { [HOSTILE]: HOSTILE },
    window: snapshot,
    series,
    version: "test",
    now: "2026-12-06T22:00:01.000Z",
  });
  const html = htmlPage(page, { refreshSeconds: 5 });
  assert(!html.includes("<script>alert"), "a hostile word made markup");
  assertEquals(html.match(/class="hw-chart"/g)?.length, 5);
  for (let ttl = 1; ttl <= 5; ttl++) assert(html.includes(`id="hop-${ttl}"`));
  assertStringIncludes(html, "the latest 240 cycles settled (of 300 since the watch began)");
  assert(page.sections.some((s) => s.findings.length > 0), "no finding beside a hop");
  assert(!page.settings.some(([k]) => k === "ended"));
  assertStringIncludes(html, '<nav class="hw-nav"><a href="./">← every target</a></nav>');

  const down = targetPage({
    target: watched("down.example", null),
    labels: {},
    window: null,
    series: null,
    version: "test",
    now: "2026-12-06T22:00:01.000Z",
  });
  assertEquals(down.sections, []);
  assertStringIncludes(htmlPage(down), "down: does not resolve");
});

/** An answerer of two targets' figures, with one page. */
function answerer(): Answerer {
  const fleet = fleetOf(2);
  return {
    figures: () => fleet,
    probe: null,
    events: new EventLog(),
    report: () => null,
    targetPage: (name) =>
      name === fleet.targets[0]!.target
        ? targetPage({
          target: watched(name, null),
          labels: {},
          window: null,
          series: null,
          version: "test",
          now: "2026-12-06T22:00:01.000Z",
        })
        : null,
    reload: null,
  };
}

Deno.test("the pages' routes: 200 with the policy as a header, 404 for no such target, 400 for a bad query", async () => {
  const get = (path: string) => handleRequest(new Request(`http://127.0.0.1${path}`), answerer());
  const overview = await get("/");
  assertEquals(overview.status, 200);
  assertEquals(overview.headers.get("content-type"), "text/html; charset=utf-8");
  assertStringIncludes(overview.headers.get("content-security-policy") ?? "", "default-src 'none'");
  assertStringIncludes(await overview.text(), "198.19.0.1");
  const page = await get(`/target?name=198.19.0.0`);
  assertEquals(page.status, 200);
  assertStringIncludes(await page.text(), "hopwise --serve: 198.19.0.0");
  for (
    const [path, status, words] of [
      ["/target?name=198.19.9.9", 404, 'no target "198.19.9.9"'],
      ["/target?name=%3Cb%3E", 404, 'no target "<b>"'],
      ["/target", 400, "name is missing"],
      ["/target?name=198.19.0.0&x=1", 400, 'unknown query parameter "x"'],
      ["/?name=198.19.0.0", 400, 'unknown query parameter "name"'],
      ["/target/198.19.0.0", 404, "no such path"],
    ] as const
  ) {
    const r = await get(path);
    assertEquals(r.status, status, path);
    assertEquals(r.headers.get("x-content-type-options"), "nosniff");
    assertStringIncludes(await r.text(), words);
  }
});

Deno.test("the pages ask for the service's credentials like every other path", async () => {
  const credentials = parseAuthFile("bearer page-token\n", "auth");
  for (const path of ["/", "/target?name=198.19.0.0"]) {
    const ask = (authorization: string | null) =>
      handleRequest(
        new Request(
          `http://127.0.0.1${path}`,
          authorization ? { headers: { authorization } } : {},
        ),
        answerer(),
        credentials,
      );
    const none = await ask(null);
    assertEquals(none.status, 401);
    assertEquals(none.headers.get("www-authenticate"), 'Basic realm="hopwise"');
    assertEquals(await none.text(), "authentication required\n");
    const wrong = await ask("Bearer page-tokem");
    assertEquals(wrong.status, 401);
    await wrong.body?.cancel();
    const right = await ask("Bearer page-token");
    assertEquals(right.status, 200, path);
    assertStringIncludes(await right.text(), "<main>");
  }
});

Deno.test("a page is gzipped for a client that takes gzip, the same page once inflated", async () => {
  assertEquals(
    ["gzip, deflate, br", "br;q=1, GZIP;q=0.5", "gzip;q=0", "identity", null, "br, x-gzip"]
      .map(acceptsGzip),
    [true, true, false, false, false, true],
  );
  const get = (encoding: string) =>
    handleRequest(
      new Request("http://127.0.0.1/", { headers: { "accept-encoding": encoding } }),
      answerer(),
    );
  const plain = await get("identity");
  assertEquals(plain.headers.get("content-encoding"), null);
  const zipped = await get("gzip");
  assertEquals(zipped.headers.get("content-encoding"), "gzip");
  assertEquals(zipped.headers.get("vary"), "accept-encoding");
  const inflated = await new Response(
    zipped.body!.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  // The pages differ only in their time.
  const timeless = (html: string) => html.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "T");
  assertEquals(timeless(inflated), timeless(await plain.text()));
});
