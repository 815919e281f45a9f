import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { DEFAULT_COLUMNS, formatCells, formatHeader } from "../stats/columns.ts";
import { snapshotOf, steady } from "../../tests/helpers/snapshot_fixture.ts";
import {
  formatRowCells,
  formatRowHeader,
  IDENTITY_COLUMNS,
  isIdentityColumn,
  lookedUpColumns,
  parseReportColumns,
  rowLayout,
} from "./columns.ts";

Deno.test("--columns takes identity columns anywhere, by name or alias, case-insensitive", () => {
  assertEquals(
    parseReportColumns("asn, Loss% asname,country CITY").map((c) => c.name),
    ["ASN", "Loss%", "AS_Name", "CC", "City"],
  );
  assertEquals(parseReportColumns("as_name").map(isIdentityColumn), [true]);
  assertThrows(() => parseReportColumns("ASN,AS"), RangeError, 'Column "ASN" is given twice');
  assertThrows(
    () => parseReportColumns("Region"),
    RangeError,
    'Unknown column "Region": valid columns are Loss%, Drop, Recv, Snt, Last, Best, Avg, Wrst, ' +
      'StDev, Gmean, Jttr, Javg, Jmax, Jint, ASN, AS_Name, CC, City ("_": a blank)',
  );
});

Deno.test("--columns takes a heading of two words as one name (AS Name, as shown)", () => {
  assertEquals(
    parseReportColumns("Loss%,ASN,AS Name,CC,City").map((c) => c.name),
    ["Loss%", "ASN", "AS_Name", "CC", "City"],
  );
  // Spaces alone between them, as after a comma: the heading still; a comma parts the words.
  assertEquals(parseReportColumns("asn as  name snt").map((c) => c.name), [
    "ASN",
    "AS_Name",
    "Snt",
  ]);
  assertThrows(() => parseReportColumns("AS,Name"), RangeError, 'Unknown column "Name"');
});

Deno.test("a layout without identity columns is mtr's, byte for byte", () => {
  const hop = snapshotOf({ cycles: 2, hops: [steady("198.18.1.1", 1.5)] }).hops[0]!;
  const layout = rowLayout(DEFAULT_COLUMNS, () => []);
  assertEquals(formatRowHeader(layout), formatHeader(DEFAULT_COLUMNS));
  assertEquals(formatRowCells(layout, hop, { asn: 1 }), formatCells(DEFAULT_COLUMNS, hop));
});

Deno.test("identity cells: left-aligned text, cut at the column's cap, escaped", () => {
  const hop = snapshotOf({ cycles: 1, hops: [steady("198.18.1.1", 1)] }).hops[0]!;
  const city = IDENTITY_COLUMNS.find((c) => c.name === "City")!;
  const long = { city: "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" };
  const layout = rowLayout([city], () => [long, undefined]);
  assertEquals(layout.widths, [21]);
  assertEquals(formatRowCells(layout, hop, long), " Llanfairpwllgwyngyll");
  assertEquals(formatRowCells(layout, hop, undefined), " ".repeat(21));
  assertEquals(formatRowHeader(rowLayout([city], () => [])), " City");
  assertEquals(city.text({ city: "a\x1bb" }), "a\\x1bb");
  assertEquals(city.value({ city: "a\x1bb" }), "a\\x1bb", "the CSV escapes it too");
  assertEquals(IDENTITY_COLUMNS[0]!.value({ asn: 64502 }), 64502);
  assertEquals(IDENTITY_COLUMNS[0]!.value({ city: "x" }), null);
});

Deno.test("the columns a run's lookups fill: ASN (AS_Name where the source names ASes), CC and City", () => {
  const names = (as: "named" | "numbered" | null, places: boolean) =>
    lookedUpColumns({ as, places }).map((c) => c.name);
  assertEquals(names(null, false), []);
  assertEquals(names("numbered", false), ["ASN"]);
  assertEquals(names("named", false), ["ASN", "AS_Name"]);
  assertEquals(names(null, true), ["CC", "City"]);
  assertEquals(names("named", true), ["ASN", "AS_Name", "CC", "City"]);
});
