import { assertEquals, assertOk as assert } from "../../tests/assert.ts";
import { traceStart } from "../../tests/fixtures.ts";
import {
  addr,
  losing,
  snapshotOf,
  spread,
  steady,
  watchSettings,
} from "../../tests/helpers/snapshot_fixture.ts";
import type { CycleProbe, CycleResult } from "../core/watch_model.ts";
import { explainReport } from "../explain/report.ts";
import { binSeries, CycleSeries } from "./cycle_series.ts";
import { htmlPage } from "./html.ts";
import { reportPage } from "./html_pages.ts";
import { latencyChartSvg, niceCeiling } from "./svg.ts";

/** A cycle of `hops` hops: hop h answers from addr(h) in about h ms, every 7th cycle hop 3 loses. */
function cycleOf(cycle: number, hops: number): CycleResult {
  const probes: CycleProbe[] = [];
  for (let ttl = 1; ttl <= hops; ttl++) {
    const lost = ttl === 3 && cycle % 7 === 0;
    probes.push({
      ttl,
      flow: 0,
      address: lost ? null : addr(ttl),
      rtt: lost ? null : ttl + ((cycle * 37 + ttl * 11) % 100) / 100,
      annotation: "",
      final: ttl === hops,
      lost,
      reason: null,
    });
  }
  return { cycle, lastHop: hops, probes };
}

Deno.test("CycleSeries keeps each hop's cycles; binSeries folds them into at most N columns", () => {
  const series = new CycleSeries();
  for (let c = 0; c < 100; c++) series.add(cycleOf(c, 4));
  const hop3 = series.hop(3)!;
  assertEquals(hop3.sent.length, 100);
  assertEquals(hop3.lost.reduce((a, b) => a + b, 0), 15);
  assert(Number.isNaN(hop3.median[0]!));
  const bins = binSeries(hop3, 10);
  assertEquals(bins.length, 10);
  assertEquals(bins.reduce((a, b) => a + b.sent, 0), 100);
  assertEquals(bins.reduce((a, b) => a + b.lost, 0), 15);
  assertEquals([bins[0]!.first, bins[0]!.last, bins[9]!.last], [0, 9, 99]);
  assert(bins.every((b) => b.low! <= b.median! && b.median! <= b.high!));
  assertEquals(binSeries(hop3, 1000).length, 100);
});

Deno.test("CycleSeries with keep: each hop holds the latest cycles only, numbered on", () => {
  const series = new CycleSeries({ keep: 40 });
  for (let c = 0; c < 1000; c++) series.add(cycleOf(c, 3));
  const hop = series.hop(2)!;
  assert(hop.sent.length >= 40 && hop.sent.length < 50, `${hop.sent.length}`);
  assertEquals(hop.firstCycle + hop.sent.length, 1000);
  assertEquals(binSeries(hop, 1000).at(-1)!.last, 999);
});

Deno.test("CycleSeries: unprobed cycles empty, a gap longer than keep, spread once a cycle has one", () => {
  const series = new CycleSeries({ keep: 100 });
  const probe = (ttl: number, rtt: number | null): CycleProbe => ({
    ttl,
    flow: 0,
    address: rtt === null ? null : addr(ttl),
    rtt,
    annotation: "",
    final: false,
    lost: rtt === null,
    reason: null,
  });
  // Hop 1 every cycle; hop 2 every other cycle.
  for (let c = 0; c < 90; c++) {
    series.add({
      cycle: c,
      lastHop: 2,
      probes: c % 2 ? [probe(1, 1)] : [probe(1, 1), probe(2, 2)],
    });
  }
  let hop2 = series.hop(2)!;
  assertEquals([hop2.firstCycle, hop2.sent.length], [0, 89]);
  assertEquals(hop2.sent.slice(0, 4), [1, 0, 1, 0]);
  assert(Number.isNaN(hop2.median[1]!) && hop2.median[88] === 2);
  assertEquals([hop2.low[88], hop2.high[88]], [2, 2]);
  // Cycle 500 at hop 2: only it and the 99 before it are held, those empty.
  series.add({ cycle: 500, lastHop: 2, probes: [probe(2, 3), probe(2, 5), probe(2, null)] });
  hop2 = series.hop(2)!;
  assertEquals([hop2.firstCycle, hop2.sent.length], [401, 100]);
  assertEquals(hop2.sent.reduce((a, b) => a + b, 0), 3);
  assertEquals([hop2.median[99], hop2.low[99], hop2.high[99], hop2.lost[99]], [4, 3, 5, 1]);
  assertEquals(series.hop(1)!.sent.length, 90);
  assertEquals(series.cycles, 91);
});

Deno.test("latencyChartSvg: a scale from 0 to a round number; losses marked; all-lost columns shaded", () => {
  assertEquals([niceCeiling(0.7), niceCeiling(3), niceCeiling(12), niceCeiling(0)], [1, 5, 20, 1]);
  const bins = [
    { first: 0, last: 0, median: 2, low: 1, high: 3, sent: 1, lost: 0 },
    { first: 1, last: 1, median: null, low: null, high: null, sent: 1, lost: 1 },
  ];
  const svg = latencyChartSvg(bins, 'hop "3" <b>');
  assert(svg.includes(">5 ms</text>"), svg);
  assert(svg.includes('class="hw-all-lost"'));
  assert(svg.includes('class="hw-loss-mark"'));
  assert(svg.includes("hop &quot;3&quot; &lt;b&gt;"));
});

/** A 30-hop report of `cycles` cycles, its page, and the time it took. */
function bigReport(cycles: number): { html: string; ms: number } {
  const hops = 30;
  const snapshot = snapshotOf({
    cycles,
    hops: Array.from(
      { length: hops },
      (_, i) =>
        i === 2
          ? losing(steady(addr(3), 3), spread(cycles / 7, cycles))
          : steady(addr(i + 1), i + 1),
    ),
  }, { destination: hops });
  const series = new CycleSeries();
  for (let c = 0; c < cycles; c++) series.add(cycleOf(c, hops));
  const started = performance.now();
  const html = htmlPage(reportPage({
    start: traceStart(),
    watch: watchSettings({ cycles }),
    snapshot,
    endedAt: "2026-11-21T00:16:40.000Z",
    reason: "done",
    statistics: { sent: 0, matched: 0, ignored: {} } as never,
    findings: explainReport(snapshot, 1),
    series,
    version: "test",
  }));
  return { html, ms: performance.now() - started };
}

Deno.test("reportPage: a 1,000-cycle, 30-hop report is one page under 2 MB, every hop charted", () => {
  const { html, ms } = bigReport(1000);
  const bytes = new TextEncoder().encode(html).length;
  assert(bytes < 2_000_000, `${bytes} bytes`);
  assertEquals((html.match(/class="hw-chart"/g) ?? []).length, 30);
  for (let ttl = 1; ttl <= 30; ttl++) assert(html.includes(`id="hop-${ttl}"`));
  assert(!/https?:\/\//.test(html) && !/\s(src|href)=/.test(html), "nothing fetched");
  assert(html.includes("default-src 'none'"));
  // deno-lint-ignore no-console
  console.log(`1,000 cycles x 30 hops: ${bytes} bytes, built in ${ms.toFixed(0)} ms`);
  // The charts fold cycles into columns: ten times the cycles, about the same size.
  const tenThousand = new TextEncoder().encode(bigReport(10_000).html).length;
  assert(tenThousand < bytes * 1.2, `${tenThousand} bytes for 10,000 cycles`);
});

Deno.test("reportPage: findings beside the hop they concern, names, AS and places; hostile words escaped", () => {
  const hostile = '"><script>alert(1)</script>\u001b';
  const snapshot = snapshotOf({
    cycles: 40,
    hops: [steady(addr(1), 1), losing(steady(addr(2), 2), () => true), steady(addr(3), 3)],
  }, {
    destination: 3,
    names: { [addr(1)]: hostile },
    identities: { [addr(3)]: { asn: 64501, asName: hostile, country: "DE", city: "Berlin" } },
  });
  const findings = explainReport(snapshot, 1);
  assert(findings.some((f) => f.hops[0] === 2), JSON.stringify(findings));
  const html = htmlPage(reportPage({
    start: traceStart(),
    watch: watchSettings({ cycles: 40 }),
    snapshot,
    endedAt: "2026-11-21T00:00:40.000Z",
    reason: "done",
    statistics: {} as never,
    findings,
    series: null,
    version: "test",
  }));
  assert(!html.includes("<script>"), "no script in a report file");
  assert(html.includes("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#92;x1b"));
  assert(html.includes("AS64501"));
  assert(html.includes("Berlin, DE"));
  // The hop-2 finding is in hop 2's section.
  const hop2 = html.slice(html.indexOf('id="hop-2"'), html.indexOf('id="hop-3"'));
  for (const f of findings.filter((f) => f.hops[0] === 2)) {
    assert(hop2.includes(f.text.replaceAll("&", "&amp;").replaceAll("'", "&#39;")), f.text);
  }
});

Deno.test("htmlPage with refreshSeconds: a script that reloads the main content, allowed by the policy", () => {
  const page = reportPage({
    start: traceStart(),
    watch: watchSettings(),
    snapshot: snapshotOf({ cycles: 1, hops: [steady(addr(1), 1)] }, { destination: 1 }),
    endedAt: "2026-11-21T00:00:01.000Z",
    reason: "done",
    statistics: {} as never,
    findings: [],
    series: null,
    version: "test",
  });
  const live = htmlPage(page, { refreshSeconds: 5 });
  assert(live.includes("<script>") && live.includes("5000"));
  assert(live.includes("script-src 'unsafe-inline'; connect-src 'self'"));
  assert(!htmlPage(page).includes("<script>"));
});
