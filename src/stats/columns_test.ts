import { assertEquals, assertStringIncludes, assertThrows } from "../../tests/assert.ts";
import * as columns from "./columns.ts";
import type { SeriesValues } from "./series.ts";
import { SeriesStats } from "./series.ts";

/** A series' values written out (not computed by the code under test). */
function values(v: Partial<SeriesValues>): SeriesValues {
  return {
    sent: 0,
    received: 0,
    lost: 0,
    inFlight: 0,
    lossPercent: 0,
    last: null,
    best: null,
    worst: null,
    mean: null,
    stdev: null,
    geometricMean: null,
    jitter: null,
    jitterMean: null,
    jitterMax: null,
    jitterInterarrival: null,
    ...v,
  };
}

Deno.test("mtr's fields: names, headers, widths, letters, in mtr's order", () => {
  assertEquals(
    columns.COLUMNS.map((c) => [c.key, c.name, c.header, c.width]),
    [
      [" ", "_", " ", 1],
      ["L", "Loss%", "Loss%", 6],
      ["D", "Drop", "Drop", 5],
      ["R", "Recv", "Rcv", 6],
      ["S", "Snt", "Snt", 6],
      ["N", "Last", "Last", 6],
      ["B", "Best", "Best", 6],
      ["A", "Avg", "Avg", 6],
      ["W", "Wrst", "Wrst", 6],
      ["V", "StDev", "StDev", 6],
      ["G", "Gmean", "Gmean", 6],
      ["J", "Jttr", "Jttr", 5],
      ["M", "Javg", "Javg", 5],
      ["X", "Jmax", "Jmax", 5],
      ["I", "Jint", "Jint", 5],
    ],
  );
});

Deno.test('the default set is mtr\'s -o "LS NABWV", the jitter set its j key\'s "DR AGJMXI"', () => {
  const names = (cs: readonly { name: string }[]) => cs.map((c) => c.name);
  assertEquals(names(columns.DEFAULT_COLUMNS), [
    "Loss%",
    "Snt",
    "_",
    "Last",
    "Avg",
    "Best",
    "Wrst",
    "StDev",
  ]);
  assertEquals(names(columns.JITTER_COLUMNS), [
    "Drop",
    "Recv",
    "_",
    "Avg",
    "Gmean",
    "Jttr",
    "Javg",
    "Jmax",
    "Jint",
  ]);
});

Deno.test("headers as mtr's report prints them", () => {
  // "%6s" Loss%, "%6s" Snt, " ", then "%6s" each: mtr 0.96's report header after HOST.
  assertEquals(
    columns.formatHeader(columns.DEFAULT_COLUMNS),
    " Loss%   Snt   Last   Avg  Best  Wrst StDev",
  );
  // "%5s" Drop, "%6s" Rcv, " ", "%6s" Avg, "%6s" Gmean, "%5s" the jitter four.
  assertEquals(
    columns.formatHeader(columns.JITTER_COLUMNS),
    " Drop   Rcv    Avg Gmean Jttr Javg Jmax Jint",
  );
});

Deno.test("cells as mtr's printf formats print them, ties to even", () => {
  const s = values({
    sent: 10,
    received: 9,
    lost: 1,
    lossPercent: 10,
    last: 1.25, // " %5.1f": a tie, glibc gives "  1.2"
    mean: 12.34,
    best: 0.25, // "  0.2"
    worst: 123.456,
    stdev: 0.75, // "  0.8"
  });
  // " 10.0%" "    10" " " "   1.2" "  12.3" "   0.2" " 123.5" "   0.8"
  assertEquals(
    columns.formatCells(columns.DEFAULT_COLUMNS, s),
    " 10.0%    10    1.2  12.3   0.2 123.5   0.8",
  );
});

Deno.test("100% loss overflows its cell and loses its % to the next, as in mtr's report", () => {
  // " 100.0%" is 7 wide in a 6-wide cell: Snt is written over the "%"; no answer shows 0.0.
  const s = values({ sent: 10, lost: 10, lossPercent: 100 });
  assertEquals(
    columns.formatCells(columns.DEFAULT_COLUMNS, s),
    " 100.0    10    0.0   0.0   0.0   0.0   0.0",
  );
});

Deno.test("Loss% is cut to thousandths of a percent first, as mtr's net_loss", () => {
  // mtr: (int)(1000 · 0.1500001) = 150, 150 / 1000.0 = 0.1499999999999999944... → " 0.1";
  // rounding 0.1500001 directly would give 0.2.
  assertEquals(
    columns.formatCells(columns.columnsFromKeys("L"), values({ lossPercent: 0.1500001 })),
    "  0.1%",
  );
  // 1 lost of 3 settled: 33.333... → " 33.3%".
  const s = new SeriesStats();
  s.probeAnswered(1);
  s.probeAnswered(1);
  s.probeLost();
  assertEquals(columns.formatCells(columns.columnsFromKeys("LDRS"), s), " 33.3%    1     2     3");
});

Deno.test("the jitter cells, with Jint as mtr shows its accumulator", () => {
  // 10 13 11 16 16 10.5 ms: Jttr 5.5, Javg (0+3+2+5+0+5.5)/6 = 2.583, Jmax 5.5,
  // jinta 13860 µs (series_test works it out) → 13.86.
  const s = new SeriesStats();
  for (const rtt of [10, 13, 11, 16, 16, 10.5]) s.probeAnswered(rtt);
  assertEquals(columns.formatCells(columns.columnsFromKeys("JMXI"), s), "  5.5  2.6  5.5 13.9");
});

Deno.test("parseColumns: commas or spaces, any case, Rcv for Recv", () => {
  const names = (spec: string) => columns.parseColumns(spec).map((c) => c.name);
  assertEquals(names("loss%, snt rcv,Avg"), ["Loss%", "Snt", "Recv", "Avg"]);
  assertEquals(names("  RECV\tJINT ,, jttr "), ["Recv", "Jint", "Jttr"]);
  assertEquals(names("Loss%,_,Avg,_,Best"), ["Loss%", "_", "Avg", "_", "Best"]);
  assertEquals(columns.parseColumns("loss, snt, last").map((c) => c.key), ["L", "S", "N"]);
});

Deno.test("parseColumns: unknown names list the valid ones; repeats and empty lists fail", () => {
  const e = assertThrows(
    () => columns.parseColumns("Loss%,Foo"),
    RangeError,
    'Unknown column "Foo"',
  );
  assertStringIncludes(
    e.message,
    'valid columns are Loss%, Drop, Recv, Snt, Last, Best, Avg, Wrst, StDev, Gmean, Jttr, Javg, Jmax, Jint ("_": a blank)',
  );
  assertThrows(() => columns.parseColumns("Avg,avg"), RangeError, 'Column "Avg" is given twice');
  assertThrows(() => columns.parseColumns("Rcv Recv"), RangeError, 'Column "Recv" is given twice');
  assertThrows(() => columns.parseColumns(""), RangeError, "Column list is empty");
  assertThrows(() => columns.parseColumns(" , "), RangeError, "Column list is empty");
});

Deno.test("columnsFromKeys: mtr's -o letters", () => {
  assertEquals(columns.columnsFromKeys("L_S").map((c) => c.name), ["Loss%", "Snt"]); // "_" skipped
  assertEquals(columns.columnsFromKeys("AA").map((c) => c.name), ["Avg", "Avg"]); // mtr repeats
  assertThrows(() => columns.columnsFromKeys("LZ"), RangeError, 'Unknown field letter "Z"');
});
