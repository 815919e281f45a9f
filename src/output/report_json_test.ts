import { assertEquals, assertOk } from "../../tests/assert.ts";
import { traceStart } from "../../tests/fixtures.ts";
import type { CycleResult, WatchSnapshot } from "../core/watch_model.ts";
import type { ReportFinding } from "../explain/report.ts";
import { DEFAULT_COLUMNS } from "../stats/mod.ts";
import {
  cycleLine,
  endLine,
  formatCsv,
  REPORT_EVENTS_SCHEMA,
  REPORT_SCHEMA,
  type ReportDocumentInput,
  reportToJson,
  startLine,
} from "./report_json.ts";
import * as fixture from "../../tests/helpers/snapshot_fixture.ts";
import { parseReportColumns } from "./columns.ts";

const START = traceStart({ startedAt: "2026-12-02T12:04:21.000Z" });
const WATCH = fixture.watchSettings({ cycles: 3, interval: 500 });
const FINDINGS: ReportFinding[] = [
  { kind: "destination-loss", hops: [3], addresses: ["198.18.9.9"], text: "only the destination" },
];

/**
 * Three cycles: hop 1 from 198.18.99.2 at 1.23456789 ms and more; hop 2
 * from two addresses; hop 3, the destination, loses cycle 1; hop 4 is past
 * it.
 */
const PLAN: fixture.RunPlan = {
  cycles: 3,
  hops: [
    fixture.steady("198.18.99.2", (c) => 1.23456789 + c / 7),
    (c) => ({ address: c < 2 ? fixture.addr(2, 1) : fixture.addr(2, 2), rtt: 2 * c + 2 }),
    (c) => (c === 1 ? null : { address: "198.18.9.9", rtt: c === 0 ? 10 : 14 }),
    fixture.steady(fixture.addr(4), 20),
  ],
};

function snapshot(over: Partial<WatchSnapshot> = {}): WatchSnapshot {
  return fixture.snapshotOf(PLAN, {
    destination: 3,
    names: { "198.18.99.2": "r1.lab", [fixture.addr(2, 1)]: null },
    ...over,
  });
}

function input(over: Partial<ReportDocumentInput> = {}): ReportDocumentInput {
  return {
    start: START,
    watch: WATCH,
    snapshot: snapshot(),
    endedAt: "2026-12-02T12:04:24.000Z",
    reason: "done",
    statistics: { sent: 12, received: 11, matched: 11, socketErrors: 0, ignored: {} },
    findings: FINDINGS,
    ...over,
  };
}

/** Every number in `value`, with its path. */
function numbers(value: unknown, path = ""): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
}

/** `text` is one line of JSON; its value. */
function oneLine(text: string): Record<string, unknown> {
  assertOk(text.endsWith("\n"), "ends with a newline");
  assertEquals(text.indexOf("\n"), text.length - 1, "one line");
  return JSON.parse(text);
}

Deno.test("reportToJson: schema, target, settings with watch, run facts, findings", () => {
  const doc = reportToJson(input());
  assertEquals(doc.schema, REPORT_SCHEMA);
  assertEquals(REPORT_SCHEMA, "hopwise.report/1");
  assertEquals(doc.target, { host: "dst.lab", address: "198.18.9.9", family: 4 });
  assertEquals(doc.method, "default");
  assertEquals(doc.firstHop, 1);
  assertEquals(doc.startedAt, "2026-12-02T12:04:21.000Z");
  assertEquals(doc.endedAt, "2026-12-02T12:04:24.000Z");
  assertEquals(doc.reason, "done");
  assertEquals(doc.settings, { ...START.settings, watch: WATCH });
  assertEquals(doc.cycles, 3);
  assertEquals(doc.destination, 3);
  assertEquals(doc.findings, FINDINGS);
  assertEquals(doc.faults, []);
  assertEquals(doc.statistics, input().statistics);
  // It survives JSON as it is.
  assertEquals(JSON.parse(JSON.stringify(doc)), doc);
});

Deno.test("reportToJson: hops to the destination, names beside addresses", () => {
  type Hop = {
    ttl: number;
    sent: number;
    lost: number;
    lastAddress: string | null;
    addresses: { address: string; name: string | null; share: number }[];
    flows: { flow: number; addresses: { name: string | null }[] }[];
    history: { cycle: number; outcome: unknown }[];
  };
  const hops = reportToJson(input()).hops as Hop[];
  assertEquals(hops.map((h) => h.ttl), [1, 2, 3]);
  assertEquals(hops[0]!.addresses.map((a) => [a.address, a.name]), [["198.18.99.2", "r1.lab"]]);
  assertEquals(hops[0]!.flows[0]!.addresses[0]!.name, "r1.lab");
  assertEquals(hops[1]!.addresses.map((a) => [a.address, a.name, a.share]), [
    [fixture.addr(2, 1), null, 0.667],
    [fixture.addr(2, 2), null, 0.333],
  ]);
  assertEquals([hops[2]!.sent, hops[2]!.lost, hops[2]!.lastAddress], [3, 1, "198.18.9.9"]);
  assertEquals(hops[2]!.history.map((h) => h.outcome), [10, "lost", 14]);
});

Deno.test("reportToJson: round trips rounded, to 3 decimals at most, everywhere in hops", () => {
  const hops = reportToJson(input()).hops as { mean: number; best: number; history: unknown }[];
  const all = numbers(hops);
  assertOk(all.length > 50, "numbers found");
  for (const [path, n] of all) {
    assertEquals(Math.round(n * 1000) / 1000, n, `${path} = ${n}`);
  }
  // 1.23456789, +1/7, +2/7: best 1.235, mean 1.23456789 + 1/7 = 1.377.
  assertEquals([hops[0]!.best, hops[0]!.mean], [1.235, 1.377]);
});

Deno.test("startLine: one JSON line, the start facts and the watch settings", () => {
  const line = oneLine(startLine(START, WATCH));
  assertEquals(line.type, "start");
  assertEquals(line.schema, REPORT_EVENTS_SCHEMA);
  assertEquals(line.target, START.target);
  assertEquals(line.startedAt, START.startedAt);
  assertEquals(line.watch, WATCH);
});

Deno.test("cycleLine: one JSON line per cycle, round trips rounded", () => {
  const cycle: CycleResult = {
    cycle: 4,
    lastHop: 2,
    probes: [
      {
        ttl: 1,
        flow: 0,
        address: "198.18.99.2",
        rtt: 1.23456789,
        annotation: "",
        final: false,
        lost: false,
        reason: null,
      },
      {
        ttl: 2,
        flow: 0,
        address: null,
        rtt: null,
        annotation: "",
        final: false,
        lost: true,
        reason: "send: Network is unreachable",
      },
    ],
  };
  const line = oneLine(cycleLine(cycle));
  assertEquals(line, {
    type: "cycle",
    cycle: 4,
    lastHop: 2,
    probes: [{ ...cycle.probes[0]!, rtt: 1.235 }, cycle.probes[1]!],
  });
});

Deno.test("cycleLine: a probe's name, AS path and identity as the end line's addresses have them", () => {
  const probe = {
    ttl: 1,
    flow: 0,
    address: "198.18.99.2",
    rtt: 1,
    annotation: "",
    final: false,
    lost: false,
    reason: null,
  };
  const identity = IDENTITIES["198.18.99.2"]!;
  const line = oneLine(cycleLine({
    cycle: 0,
    lastHop: 1,
    probes: [
      { ...probe, name: "r1.lab", asPath: "AS64501", identity },
      { ...probe, ttl: 2, address: "198.18.2.2", name: null, identity: { country: "NL" } },
    ],
  }));
  const [first, second] = line.probes as Record<string, unknown>[];
  assertEquals(
    Object.keys(first!).slice(-8),
    ["name", "asPath", "asn", "asName", "prefix", "country", "city", "location"],
  );
  assertOk(!("identity" in first!), "the identity's fields, not an object");
  // The same fields, with the same values, as the report's document gives the address.
  const address = (reportToJson(input({ snapshot: snapshot({ identities: IDENTITIES }) }))
    .hops as { addresses: Record<string, unknown>[] }[])[0]!.addresses[0]!;
  for (const key of ["asn", "asName", "prefix", "country", "city", "location"]) {
    assertEquals(first![key], address[key], key);
  }
  assertEquals([second!.name, second!.country, "asn" in second!], [null, "NL", false]);
});

Deno.test("endLine: one JSON line, the document without its schema", () => {
  const line = oneLine(endLine(input({ reason: "aborted" })));
  const { schema: _s, ...doc } = JSON.parse(
    JSON.stringify(reportToJson(input({ reason: "aborted" }))),
  );
  assertEquals(line, { type: "end", ...doc });
  assertEquals(line.reason, "aborted");
  assertOk(!("schema" in line), "no schema");
});

const CSV_HEADER = "Hopwise_Version,Start_Time,Status,Host,Hop,Ip,Name,Share," +
  "Loss%,Snt,Last,Avg,Best,Wrst,StDev";

Deno.test({
  name: "formatCsv: the header names the value columns only (no blank column)",
  fn() {
    const csv = formatCsv(input(), DEFAULT_COLUMNS, "0.1.0");
    assertEquals(csv.split("\n")[0], CSV_HEADER);
  },
});

Deno.test("formatCsv: one row per hop and further address; fields with commas quoted", () => {
  const snap = snapshot({ names: { "198.18.99.2": 'r1, "core"' } });
  const csv = formatCsv({ start: START, snapshot: snap }, DEFAULT_COLUMNS, "0.1.0");
  assertOk(csv.endsWith("\n"));
  const [header, ...rows] = csv.slice(0, -1).split("\n");
  const names = header!.split(",");
  assertEquals(names.slice(0, 10), CSV_HEADER.split(",").slice(0, 10));
  // Read each row by the header (tolerant of a blank column, tested apart).
  const cells = (row: string) => {
    const fields = row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, ""));
    return Object.fromEntries(names.map((n, i) => [n, fields[i]]));
  };
  const common = { Hopwise_Version: "0.1.0", Start_Time: "1796213061", Status: "OK" };
  assertEquals(rows.length, 4); // hop 1, hop 2 and its second address, hop 3; not hop 4
  assertEquals(
    rows[0]!.split(",").slice(0, 6).join(","),
    "0.1.0,1796213061,OK,dst.lab,1,198.18.99.2",
  );
  assertOk(rows[0]!.includes(',"r1, ""core""",1,'), rows[0]);
  const { _: _blank, ...third } = cells(rows[3]!);
  assertEquals(third, {
    ...common,
    Host: "dst.lab",
    Hop: "3",
    Ip: "198.18.9.9",
    Name: "",
    Share: "1",
    "Loss%": "33.333",
    Snt: "3",
    Last: "14",
    Avg: "12",
    Best: "10",
    Wrst: "14",
    StDev: "2.828",
  });
  const second = cells(rows[2]!);
  assertEquals([second.Hop, second.Ip, second.Share, second["Loss%"], second.Snt], [
    "2",
    fixture.addr(2, 2),
    "0.333",
    "",
    "",
  ]);
  assertEquals([second.Last, second.Avg, second.StDev], ["6", "6", "0"]);
  assertEquals([cells(rows[1]!).Ip, cells(rows[1]!).Share], [fixture.addr(2, 1), "0.667"]);
});

Deno.test("formatCsv: a hop that never answered is ???, with no name, share or times", () => {
  const plan = { ...PLAN, hops: [PLAN.hops[0]!, fixture.silent, PLAN.hops[2]!] };
  const csv = formatCsv(
    { start: START, snapshot: fixture.snapshotOf(plan, { destination: 3 }) },
    DEFAULT_COLUMNS.filter((c) => c.name !== "_"),
    "0.1.0",
  );
  assertEquals(csv.split("\n")[2], "0.1.0,1796213061,OK,dst.lab,2,???,,,100,3,,,,,");
});

const IDENTITIES = {
  "198.18.99.2": {
    asn: 64501,
    asName: "Example, Access",
    prefix: "198.18.96.0/20",
    country: "DE",
    city: "Berlin",
    location: { latitude: 52.52, longitude: 13.4, accuracyKm: 20 },
  },
  [fixture.addr(2, 2)]: { country: "NL" },
};

Deno.test("reportToJson: what is known of each address beside it, only what is known", () => {
  type Address = Record<string, unknown>;
  type Hop = { addresses: Address[]; flows: { addresses: Address[] }[] };
  const hops = reportToJson(input({ snapshot: snapshot({ identities: IDENTITIES }) }))
    .hops as Hop[];
  const first = hops[0]!.addresses[0]!;
  assertEquals(
    Object.keys(first).slice(-7),
    ["name", "asn", "asName", "prefix", "country", "city", "location"],
  );
  assertEquals(first.location, { latitude: 52.52, longitude: 13.4, accuracyKm: 20 });
  assertEquals(hops[0]!.flows[0]!.addresses[0]!.asn, 64501);
  assertEquals(hops[1]!.addresses.map((a) => [a.country, "asn" in a]), [[undefined, false], [
    "NL",
    false,
  ]]);
  // No identities: the document is as it was.
  assertEquals(
    JSON.stringify(reportToJson(input({ snapshot: snapshot({ identities: {} }) }))),
    JSON.stringify(reportToJson(input())),
  );
});

Deno.test("formatCsv: identity columns hold each row's address's values, empty when unknown", () => {
  const csv = formatCsv(
    { start: START, snapshot: snapshot({ identities: IDENTITIES }) },
    parseReportColumns("ASN,AS_Name,CC,City,Snt"),
    "0.1.0",
  );
  const lines = csv.split("\n");
  assertEquals(
    lines[0],
    "Hopwise_Version,Start_Time,Status,Host,Hop,Ip,Name,Share,ASN,AS_Name,CC,City,Snt",
  );
  assertEquals(
    lines[1],
    '0.1.0,1796213061,OK,dst.lab,1,198.18.99.2,r1.lab,1,64501,"Example, Access",DE,Berlin,3',
  );
  assertEquals(lines[3], `0.1.0,1796213061,OK,dst.lab,2,${fixture.addr(2, 2)},,0.333,,,NL,,`);
});
