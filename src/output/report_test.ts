import { assertEquals, assertMatch, assertOk } from "../../tests/assert.ts";
import { traceStart } from "../../tests/fixtures.ts";
import { DEFAULT_COLUMNS, parseColumns, RunStats } from "../stats/mod.ts";
import type { WatchSnapshot } from "../core/watch_model.ts";
import { formatReport, type ReportOptions, reportTime } from "./report.ts";
import { parseReportColumns } from "./columns.ts";
import {
  addr,
  type HopPlan,
  type RunPlan,
  silent,
  snapshotOf,
  steady,
  watchSettings,
} from "../../tests/helpers/snapshot_fixture.ts";

const START = traceStart({ startedAt: "2026-12-02T12:04:21.000Z" });
const DEFAULTS: ReportOptions = { columns: DEFAULT_COLUMNS, numeric: false };

/** The report's lines (the final newline checked and dropped). */
function report(
  snapshot: WatchSnapshot,
  options: Partial<ReportOptions> = {},
  flows = 1,
): string[] {
  const text = formatReport(
    { start: START, watch: watchSettings({ flows }), snapshot, host: "vm" },
    { ...DEFAULTS, ...options },
  );
  assertOk(text.endsWith("\n"), "ends with a newline");
  return text.slice(0, -1).split("\n");
}

/** Three hops over three cycles: 0.1 ms; 1, 2, 3 ms; 10 ms, lost, 14 ms (the destination). */
const THREE: RunPlan = {
  cycles: 3,
  hops: [
    steady("198.18.99.2", 0.1),
    steady("198.18.98.2", (c) => c + 1),
    (c) => (c === 1 ? null : { address: "198.18.9.9", rtt: c === 0 ? 10 : 14 }),
  ],
};

const HEADER = "HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev";

Deno.test("reportTime: ISO 8601 to the second, +0000, as mtr's Start:", () => {
  assertEquals(reportTime("2026-12-02T12:04:21.000Z"), "2026-12-02T12:04:21+0000");
  assertEquals(reportTime("2026-12-02T12:04:21.537Z"), "2026-12-02T12:04:21+0000");
  assertEquals(reportTime("2026-12-02T12:04:21Z"), "2026-12-02T12:04:21+0000");
});

Deno.test("a 3-hop report: mtr 0.95's -r lines, exactly", () => {
  assertEquals(report(snapshotOf(THREE, { destination: 3 })), [
    "Start: 2026-12-02T12:04:21+0000",
    HEADER,
    "  1.|-- 198.18.99.2                0.0%     3    0.1   0.1   0.1   0.1   0.0",
    "  2.|-- 198.18.98.2                0.0%     3    3.0   2.0   1.0   3.0   1.0",
    "  3.|-- 198.18.9.9                33.3%     3   14.0  12.0  10.0  14.0   2.8",
  ]);
  // mtr's columns: "Loss%" from column 34 (0-based), the row's "%" under the header's.
  assertEquals(HEADER.indexOf("Loss%"), 34);
  const row = report(snapshotOf(THREE, { destination: 3 }))[2]!;
  assertEquals(row.indexOf("%"), HEADER.indexOf("Loss%") + 4);
  assertEquals(row.length, HEADER.length);
});

Deno.test("a hop that never answered is ???, its 100.0% overflowing as in mtr", () => {
  const plan = { ...THREE, hops: [THREE.hops[0]!, silent, THREE.hops[2]!] };
  assertEquals(
    report(snapshotOf(plan, { destination: 3 }))[3],
    "  2.|-- ???                       100.0     3    0.0   0.0   0.0   0.0   0.0",
  );
});

Deno.test("a hop with two addresses: the second on a `|  `|--` line with its share", () => {
  const two: HopPlan = (c) => ({ address: c < 2 ? addr(2, 1) : addr(2, 2), rtt: 2 * c + 2 });
  const plan = { ...THREE, hops: [THREE.hops[0]!, two, THREE.hops[2]!] };
  const lines = report(snapshotOf(plan, { destination: 3 }));
  assertEquals(lines.slice(3, 5), [
    "  2.|-- 198.18.2.1                 0.0%     3    6.0   4.0   2.0   6.0   2.0",
    "    |  `|-- 198.18.2.2 (33%)                     6.0   6.0   6.0   6.0   0.0",
  ]);
  assertEquals(lines.length, 6);
});

Deno.test("the address with most replies heads the hop, whatever came first", () => {
  const two: HopPlan = (c) => ({ address: c === 0 ? addr(2, 1) : addr(2, 2), rtt: 2 });
  const plan = { ...THREE, hops: [THREE.hops[0]!, two, THREE.hops[2]!] };
  const lines = report(snapshotOf(plan, { destination: 3 }));
  assertOk(lines[3]!.startsWith("  2.|-- 198.18.2.2 "), lines[3]);
  assertOk(lines[4]!.startsWith("    |  `|-- 198.18.2.1 (33%) "), lines[4]);
});

Deno.test("names, or addresses with -n (and with no name)", () => {
  const names = { "198.18.99.2": "r1.lab", "198.18.98.2": null };
  const snapshot = snapshotOf(THREE, { destination: 3, names });
  const named = report(snapshot);
  assertEquals(
    named[2],
    "  1.|-- r1.lab                     0.0%     3    0.1   0.1   0.1   0.1   0.0",
  );
  assertOk(named[3]!.startsWith("  2.|-- 198.18.98.2 "), named[3]);
  assertEquals(report(snapshot, { numeric: true }), report(snapshotOf(THREE, { destination: 3 })));
});

Deno.test("a long name widens the host column; the columns stay aligned", () => {
  const name = "a-rather-long-router-name.core.example.lab"; // 42 characters
  const lines = report(snapshotOf(THREE, { destination: 3, names: { "198.18.99.2": name } }));
  const header = lines[1]!;
  assertEquals(lines[2], `  1.|-- ${name}   0.0%     3    0.1   0.1   0.1   0.1   0.0`);
  for (const row of lines.slice(2)) {
    assertEquals(row.length, header.length, row);
    assertEquals(row.indexOf("%"), header.indexOf("Loss%") + 4, row);
  }
});

Deno.test("flows: one line per flow under each hop, only when the run has flows", () => {
  const plan: RunPlan = {
    cycles: 3,
    flows: 2,
    hops: [
      (_c, flow) => ({ address: addr(1, flow + 1), rtt: flow + 1 }),
      steady(addr(2), 5),
    ],
  };
  const snapshot = snapshotOf(plan, { destination: 2 });
  const lines = report(snapshot, {}, 2);
  assertEquals(lines.slice(2), [
    "  1.|-- 198.18.1.1                 0.0%     6    2.0   1.5   1.0   2.0   0.5",
    "    |  `|-- 198.18.1.2 (50%)                     2.0   2.0   2.0   2.0   0.0",
    "    |   flow 0   198.18.1.1        0.0%     3    1.0   1.0   1.0   1.0   0.0",
    "    |   flow 1   198.18.1.2        0.0%     3    2.0   2.0   2.0   2.0   0.0",
    "  2.|-- 198.18.2.1                 0.0%     6    5.0   5.0   5.0   5.0   0.0",
    "    |   flow 0   198.18.2.1        0.0%     3    5.0   5.0   5.0   5.0   0.0",
    "    |   flow 1   198.18.2.1        0.0%     3    5.0   5.0   5.0   5.0   0.0",
  ]);
  // One flow: no flow lines, though the statistics have flow 0.
  const one = report(snapshotOf(THREE, { destination: 3 }));
  assertOk(one.every((l) => !l.includes("flow")), one.join("\n"));
});

Deno.test("hops past the destination are not shown; nor silent ones past the last answer", () => {
  const plan = { ...THREE, hops: [...THREE.hops, steady(addr(4), 20), steady(addr(5), 21)] };
  const lines = report(snapshotOf(plan, { destination: 3 }));
  assertEquals(lines.length, 5);
  assertOk(lines[4]!.startsWith("  3.|-- 198.18.9.9 "), lines[4]);
  const unreached = { ...THREE, hops: [...THREE.hops, silent, silent] };
  assertEquals(report(snapshotOf(unreached)).length, 5);
});

Deno.test("hops before the first TTL probed are not shown, and rows keep their TTL", () => {
  const start = { ...START, firstHop: 2 };
  const text = formatReport(
    {
      start,
      watch: watchSettings(),
      snapshot: snapshotOf({ ...THREE, firstTtl: 2 }, { destination: 4 }),
      host: "vm",
    },
    DEFAULTS,
  );
  const rows = text.split("\n").slice(2, -1);
  assertEquals(rows.map((r) => r.slice(0, 8)), ["  2.|-- ", "  3.|-- ", "  4.|-- "]);
});

Deno.test("other columns: the header and cells follow them", () => {
  const lines = report(snapshotOf(THREE, { destination: 3 }), {
    columns: parseColumns("Drop,Rcv,_,Avg"),
  });
  assertEquals(lines[1], "HOST: vm                          Drop   Rcv    Avg");
  assertEquals(lines[4], "  3.|-- 198.18.9.9                   1     2   12.0");
});

Deno.test("addresses past the table's limit share one `(other addresses)` line", () => {
  const lines = report(snapshotOf(manyAddresses(), { destination: 1 }));
  assertEquals(lines.length, 5);
  assertEquals(lines.slice(2, 4), [
    // The host column widens to fit the "(other addresses)" line.
    "  1.|-- 198.18.1.1                    0.0%     4    1.0   1.0   1.0   1.0   0.0",
    "    |  `|-- 198.18.1.2 (25%)                        1.0   1.0   1.0   1.0   0.0",
  ]);
  // Its columns are checked in the next test.
  assertMatch(
    lines[4]!,
    /^ {4}\| {2}`\|-- \(other addresses\) \(50%\) +1\.0 +1\.0 +1\.0 +1\.0 +0\.0$/,
  );
});

Deno.test({
  name: "address and flow lines longer than the hops' labels keep the columns aligned",
  fn() {
    const cases = [
      report(snapshotOf(manyAddresses(), { destination: 1 })),
      report(snapshotOf(manyAddresses(), {
        destination: 1,
        names: { [addr(1, 2)]: "second-address.of.a.router.lab" },
      })),
      report(
        snapshotOf({
          cycles: 3,
          flows: 2,
          hops: [(_c, f) => ({ address: addr(1, f + 1), rtt: 1 })],
        }, {
          destination: 1,
          names: { [addr(1, 2)]: "flow-one.router.lab" }, // 19 characters
        }),
        {},
        2,
      ),
    ];
    for (const lines of cases) {
      const header = lines[1]!;
      for (const line of lines.slice(2)) {
        assertEquals(line.length, header.length, line);
        assertEquals(line.lastIndexOf("1.0"), header.indexOf("Wrst") + 1, line);
      }
    }
  },
});

/** One hop over 4 cycles answered by 4 addresses, 2 kept apart: the rest in "other". */
function manyAddresses(): RunStats {
  const run = new RunStats({ maxAddresses: 2 });
  for (let c = 0; c < 4; c++) {
    const hop = run.hop(1);
    hop.sent(c, 0);
    hop.answered(c, 0, addr(1, c + 1), 1);
  }
  return run;
}

Deno.test("identity columns: text, as wide as their widest value, blank when unknown, in the order given", () => {
  const identities = {
    "198.18.99.2": { asn: 64501, asName: "Example-Access", country: "DE", city: "Berlin" },
    "198.18.9.9": { asn: 64502, asName: "Example-Transit-Networks-International" },
  };
  const snapshot = snapshotOf(THREE, { destination: 3, identities });
  const lines = report(snapshot, { columns: parseReportColumns("Loss%,ASN,AS_Name,CC,Snt") });
  assertEquals(lines.slice(1), [
    "HOST: vm                          Loss% ASN     AS Name                  CC   Snt",
    "  1.|-- 198.18.99.2                0.0% AS64501 Example-Access           DE     3",
    "  2.|-- 198.18.98.2                0.0%                                         3",
    "  3.|-- 198.18.9.9                33.3% AS64502 Example-Transit-Networks        3",
  ]);
  // Without identity columns, identities change nothing.
  assertEquals(report(snapshot), report(snapshotOf(THREE, { destination: 3 })));
});

Deno.test("an identity column last: rows end with their last text, no padding", () => {
  const identities = {
    "198.18.99.2": { country: "DE", city: "Frankfurt am Main" },
    "198.18.9.9": { country: "NL" },
  };
  const snapshot = snapshotOf(THREE, { destination: 3, identities });
  const lines = report(snapshot, { columns: parseReportColumns("Loss%,CC,City") });
  assertEquals(lines.slice(1), [
    "HOST: vm                          Loss% CC City",
    "  1.|-- 198.18.99.2                0.0% DE Frankfurt am Main",
    "  2.|-- 198.18.98.2                0.0%",
    "  3.|-- 198.18.9.9                33.3% NL",
  ]);
});
