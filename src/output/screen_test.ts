import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../../tests/assert.ts";
import type { ReportFinding } from "../explain/report.ts";
import type { WatchSnapshot } from "../core/watch_model.ts";
import { DEFAULT_COLUMNS, JITTER_COLUMNS } from "../stats/columns.ts";
import { RunStats } from "../stats/mod.ts";
import type { TraceStart } from "../core/model.ts";
import { watchSettings } from "../../tests/helpers/snapshot_fixture.ts";
import {
  ASCII_STRIP,
  cycleCharacter,
  helpLines,
  historyStrip,
  hopMarkers,
  MIN_HOST_WIDTH,
  renderScreen,
  rttBand,
  type ScreenView,
  stripCycles,
  UNICODE_STRIP,
} from "./screen.ts";

type Value = number | "lost" | "pending";

/** A snapshot of hops 1..n, hop i answering from 198.18.i.2 with `series[i-1]` (one value a cycle). */
function snapshotOf(
  series: readonly (readonly Value[])[],
  extra: Partial<WatchSnapshot> = {},
  address = (ttl: number, _cycle: number) => `198.18.${ttl}.2`,
): WatchSnapshot {
  const run = new RunStats();
  series.forEach((values, i) => {
    const hop = run.hop(i + 1);
    values.forEach((v, cycle) => {
      hop.sent(cycle, 0);
      if (v === "lost") hop.lost(cycle, 0);
      else if (v !== "pending") hop.answered(cycle, 0, address(i + 1, cycle), v);
    });
  });
  return {
    cycles: Math.max(...series.map((s) => s.length)),
    paused: false,
    destination: series.length,
    at: "2024-01-01T00:00:00.000Z",
    hops: run.toJSON(),
    names: {},
    asPaths: {},
    faults: [],
    ...extra,
  };
}

const start = {
  target: { host: "dst.lab", address: "198.18.2.2", family: 4 },
  firstHop: 1,
  settings: { resolveNames: true },
} as unknown as TraceStart;

const watch = watchSettings({ cycles: 10, interval: 500, simultaneous: 256, snapshots: true });

function view(snapshot: WatchSnapshot, extra: Partial<ScreenView> = {}): ScreenView {
  return {
    program: "hopwise 0.1.0",
    start,
    watch,
    snapshot,
    columns: DEFAULT_COLUMNS,
    numeric: true,
    paused: false,
    help: false,
    findings: [],
    status: "",
    ...extra,
  };
}

const small = snapshotOf([[1, 1.2, 1, 1.1, 1], [10, 10.5, 25, 10, "lost", "pending"]]);

/** Long series: `n` hops of `cycles` cycles, hop i at i ms, every seventh cycle ten times slower. */
function long(n: number, cycles: number): WatchSnapshot {
  return snapshotOf(
    Array.from(
      { length: n },
      (_, i) => Array.from({ length: cycles }, (_, c) => (i + 1) * (c % 7 === 3 ? 10 : 1)),
    ),
  );
}

Deno.test("renderScreen: the exact frame of a small run", () => {
  assertEquals(renderScreen(view(small), { columns: 80, rows: 10 }), [
    "hopwise 0.1.0: dst.lab (198.18.2.2)  cycles 6/10  every 0.5 s",
    "Keys:  h help  p pause  r reset  n names  j jitter  q quit",
    " Host              Loss%   Snt   Last   Avg  Best  Wrst StDev",
    "  1. 198.18.1.2     0.0%     5    1.0   1.1   1.0   1.2   0.1    .....",
    "  2. 198.18.2.2    20.0%     6   10.0  13.9  10.0  25.0   7.4    ..-.?",
  ]);
});

Deno.test("renderScreen: paused, a status, and before the run opens", () => {
  const lines = renderScreen(view(small, { paused: true, status: "statistics reset" }), {
    columns: 80,
    rows: 10,
  });
  assertEquals(lines[0], "hopwise 0.1.0: dst.lab (198.18.2.2)  [paused]  cycles 6/10  every 0.5 s");
  assertMatch(lines[1]!, / p resume /);
  assertEquals(lines.at(-1), "statistics reset");
  assertEquals(
    renderScreen(view(small, { start: null, watch: null, snapshot: null }), {
      columns: 80,
      rows: 10,
    }),
    [
      "hopwise 0.1.0: starting",
      "Keys:  h help  p pause  r reset  n names  j jitter  q quit",
      "",
      "Opening...",
    ],
  );
});

Deno.test("renderScreen: fits 40, 80 and 120 columns: the strip goes first, then the host", () => {
  const snapshot = long(3, 100);
  const frames = [40, 80, 120].map((columns) =>
    renderScreen(view(snapshot), { columns, rows: 24 })
  );
  frames.forEach((lines, i) => {
    const width = [40, 80, 120][i]!;
    for (const line of lines) assertOk(line.length <= width, `${width}: ${line}`);
    assertEquals(lines.length, 6);
  });
  // The strip starts past 5 (`NN. `) + 13 (host) + 43 (cells) + 3 (marker) + a space.
  const strip = (line: string) => line.slice(65);
  // 120: 55 for the strip.
  assertEquals(strip(frames[2]![3]!).length, 55);
  assertStringIncludes(frames[2]![2]!, " History");
  assertEquals(frames[2]![3]!.length, 120);
  // 80: 15 characters of strip, the newest cycles (85 to 99: 87 and 94 ten times slower).
  assertEquals(strip(frames[1]![3]!), "..#......#.....");
  assertOk(frames[1]![3]!.startsWith("  1. 198.18.1.2     0.0%   100"), frames[1]![3]);
  // 40: no strip, the host cut to its least, the line cut at the edge.
  const row = frames[0]![3]!;
  assertEquals(row, "  1. 198.18.   0.0%   100    1.0   2.3");
  assertEquals(row.slice(5, 5 + MIN_HOST_WIDTH), "198.18. ");
  assertEquals(frames[0]![0], "hopwise 0.1.0: dst.lab (198.18.2.2)");
});

Deno.test("renderScreen: fits the height, and says how many hops are left out", () => {
  const lines = renderScreen(view(long(10, 5)), { columns: 80, rows: 10 });
  assertEquals(lines.length, 10);
  assertEquals(lines.slice(3, 9).map((l) => l.slice(0, 4)), [
    "  1.",
    "  2.",
    "  3.",
    "  4.",
    "  5.",
    "  6.",
  ]);
  assertEquals(lines[9], "... 4 more hops (enlarge the window)");
  const one = renderScreen(view(long(7, 5), { status: "resumed" }), { columns: 80, rows: 10 });
  assertEquals(one[9], "... 1 more hop (enlarge the window)  resumed");
  // Tiny: never more lines than rows.
  assertEquals(renderScreen(view(long(10, 5)), { columns: 20, rows: 3 }).length, 3);
  assertEquals(renderScreen(view(long(10, 5)), { columns: 0, rows: 0 }), []);
});

Deno.test("renderScreen: further addresses below their hop, with their share", () => {
  const snapshot = snapshotOf(
    [[1, 1, 1, 1], [2, 2, 2, 2]],
    {},
    (ttl, cycle) => ttl === 2 && cycle >= 3 ? "198.18.9.2" : `198.18.${ttl}.2`,
  );
  const lines = renderScreen(view(snapshot), { columns: 80, rows: 10 });
  assertEquals(lines.slice(4), [
    "  2. 198.18.2.2     0.0%     4    2.0   2.0   2.0   2.0   0.0    ....",
    "       198.18.9.2 (25%)",
  ]);
  // Short of rows, the hops keep their rows and the further addresses go.
  const short = renderScreen(view(snapshot), { columns: 80, rows: 6 });
  assertEquals(short.slice(3).map((l) => l.slice(0, 4)), ["  1.", "  2."]);
});

Deno.test("renderScreen: names on and off, ??? for a hop without an answer", () => {
  const snapshot = snapshotOf([["lost", "lost"], [2, 2]], {
    names: { "198.18.2.2": "dst.lab" },
    asPaths: {},
  });
  const named = renderScreen(view(snapshot, { numeric: false }), { columns: 80, rows: 10 });
  assertMatch(named[3]!, /^ {2}1\. \?\?\? +100\.0/);
  assertMatch(named[4]!, /^ {2}2\. dst\.lab +0\.0%/);
  assertMatch(named[1]!, / n addresses /);
  const numeric = renderScreen(view(snapshot), { columns: 80, rows: 10 });
  assertMatch(numeric[4]!, /^ {2}2\. 198\.18\.2\.2 +0\.0%/);
});

Deno.test("renderScreen: the jitter columns", () => {
  const lines = renderScreen(view(small, { columns: JITTER_COLUMNS }), { columns: 80, rows: 10 });
  assertEquals(lines[2], " Host              Drop   Rcv    Avg Gmean Jttr Javg Jmax Jint");
  assertMatch(lines[4]!, /^ {2}2\. 198\.18\.2\.2 +1 +4 +13\.9/);
});

Deno.test("renderScreen: markers from the findings", () => {
  const findings: ReportFinding[] = [
    { kind: "rate-limited", hops: [1], addresses: [], text: "" },
    { kind: "loss", hops: [2, 3], addresses: [], text: "" },
    { kind: "latency-jump", hops: [2, 3], addresses: [], text: "" },
    { kind: "ecmp", hops: [3], addresses: [], text: "" },
  ];
  assertEquals(
    hopMarkers(findings),
    new Map([[1, "R"], [2, "LJ"], [3, "ljE"]]),
  );
  const lines = renderScreen(view(long(3, 5), { findings }), { columns: 80, rows: 10 });
  assertEquals(lines.slice(3).map((l) => l.slice(61, 64)), [" R ", " LJ", " lj"]);
});

Deno.test("the history strip: bands against the average, lost, partly lost, waiting", () => {
  assertEquals([1, 1.2, 2, 3.5, 10].map((rtt) => rttBand(rtt, 2)), [0, 0, 0, 1, 3]);
  assertEquals(rttBand(1.4, 0.5), 0, "within 1 ms of the average");
  assertEquals(rttBand(20, 10), 1);
  assertEquals(rttBand(30, 10), 2);
  assertEquals(cycleCharacter([5], 5), ".");
  assertEquals(cycleCharacter(["lost"], 5), "?");
  assertEquals(cycleCharacter(["lost", 5], 5), "!");
  assertEquals(cycleCharacter(["pending"], 5), " ");
  assertEquals(cycleCharacter([], 5), " ");
  assertEquals(cycleCharacter([50], 5, UNICODE_STRIP), "\u2588");
  const snapshot = snapshotOf([[10, 10, 19, 30, 50, "lost", "pending"]]);
  // Against an average of 10 ms (the run's own average is 23.8).
  const hop = { ...snapshot.hops[0]!, mean: 10 };
  assertEquals(stripCycles(snapshot.hops, 100), [0, 1, 2, 3, 4, 5, 6]);
  assertEquals(stripCycles(snapshot.hops, 3), [4, 5, 6]);
  assertEquals(stripCycles(snapshot.hops, 0), []);
  assertEquals(historyStrip(hop, [0, 1, 2, 3, 4, 5, 6]), "..-+#? ");
  assertEquals(historyStrip(hop, [0, 1, 2, 3, 4, 5, 6], UNICODE_STRIP), "▁▁▃▅█? ");
  const unicode = renderScreen(view(snapshot, { unicode: true }), { columns: 80, rows: 10 });
  assertMatch(unicode[3]!, / ▁▁▁▃▅\?$/);
  assertEquals(ASCII_STRIP.bands.join(""), ".-+#");
});

Deno.test("the help overlay lists the keys and the legends, cut to the screen", () => {
  const lines = renderScreen(view(small, { help: true }), { columns: 80, rows: 24 });
  assertEquals(lines.slice(2), helpLines());
  for (const key of ["h ", "p ", "r ", "n ", "j ", "z ", "q ", "Ctrl-C"]) {
    assertOk(lines.some((l) => l.includes(`  ${key}`)), key);
  }
  assertOk(lines.some((l) => l.includes("R  rate-limited")));
  assertOk(helpLines(true).some((l) => l.includes("▁ ▃ ▅ █")));
  const short = renderScreen(view(small, { help: true }), { columns: 40, rows: 10 });
  assertEquals(short.length, 10);
  assertEquals(short.at(-1), "(enlarge the window for the whole help)");
  for (const line of short) assertOk(line.length <= 40, line);
});
