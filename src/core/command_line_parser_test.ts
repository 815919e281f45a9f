import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { ClifError, type ClifOption, parseClif } from "./command_line_parser.ts";
import {
  formatG,
  parseCDouble,
  parseCInt,
  parseCUnsigned,
  parseCUnsignedPrefix,
} from "./c_numbers.ts";

function table(seen: Array<[string, string | null]>): ClifOption[] {
  const rec = (name: string) => (v: string | null) => {
    seen.push([name, v]);
    return v !== "bad";
  };
  return [
    { short: "n", handle: rec("n") },
    { short: "I", long: "icmp", handle: rec("I") },
    { short: "q", long: "queries", arg: "nqueries", handle: rec("q") },
    { short: "F", long: "dont-fragment", abbrev: true, handle: rec("F") },
    { short: "O", long: "options", arg: "OPTS", several: true, handle: rec("O") },
    { long: "UL", oneDash: true, handle: rec("UL") },
    { short: "U", long: "udp", handle: rec("U") },
    { short: "V", long: "version", exit: true, handle: rec("V") },
  ];
}

async function parse(args: string[]) {
  const seen: Array<[string, string | null]> = [];
  const result = await parseClif(["prog", ...args], table(seen), true);
  return { seen, positionals: result.positionals.map((p) => [p.value, p.argc]) };
}

Deno.test("short options join, and an argument attaches to the first of a group", async () => {
  assertEquals((await parse(["-nI", "host"])).seen, [["n", null], ["I", null]]);
  assertEquals((await parse(["-q1", "host"])).seen, [["q", "1"]]);
  assertEquals((await parse(["-nq", "2", "host"])).seen, [["n", null], ["q", "2"]]);
  await assertRejects(
    () => parse(["-nq1", "host"]),
    ClifError,
    "Option `-q' (argc 1) requires an argument: `-q nqueries'",
  );
});

Deno.test("long options take --name=value only; some may be abbreviated", async () => {
  assertEquals((await parse(["--queries=4", "h"])).seen, [["q", "4"]]);
  await assertRejects(
    () => parse(["--queries", "4", "h"]),
    ClifError,
    "Option `--queries' (argc 1) requires an argument: `--queries=nqueries'",
  );
  assertEquals((await parse(["--dont", "h"])).seen, [["F", null]]);
  await assertRejects(() => parse(["--ud", "h"]), ClifError, "Bad option `--ud' (argc 1)");
  await assertRejects(
    () => parse(["--icmp=1", "h"]),
    ClifError,
    "Bad option `--icmp=1' (with arg `1') (argc 1)",
  );
});

Deno.test("one-dash long options, -- and lone dashes", async () => {
  assertEquals((await parse(["-UL", "h"])).seen, [["UL", null]]);
  await assertRejects(() => parse(["-ULn", "h"]), ClifError, "Bad option `-L' (argc 1)");
  assertEquals((await parse(["--", "-n"])).positionals, [["-n", 2]]);
  assertEquals((await parse(["-", "h"])).positionals, [["-", 1], ["h", 2]]);
  assertEquals((await parse(["---x"])).positionals, [["---x", 1]]);
});

Deno.test("lists split on commas and blanks; failures name the option and value", async () => {
  assertEquals((await parse(["-O", "a,b c", "h"])).seen, [["O", "a"], ["O", "b"], ["O", "c"]]);
  await assertRejects(
    () => parse(["-q", "bad", "h"]),
    ClifError,
    "Cannot handle `-q' option with arg `bad' (argc 2)",
  );
  await assertRejects(
    () => parse(["--queries=bad", "h"]),
    ClifError,
    "Cannot handle `--queries' option with arg `bad' (argc 1)",
  );
});

Deno.test("an exit option stops parsing at once", async () => {
  const seen: Array<[string, string | null]> = [];
  const r = await parseClif(["p", "-V", "-x"], table(seen), true);
  assertEquals(r.exitedOn?.short, "V");
});

Deno.test("keyword mode: -O values", async () => {
  const options: ClifOption[] = [
    { long: "raw", exclusive: true, handle: () => true },
    { long: "dgram", exclusive: true, handle: () => true },
    { long: "coverage", arg: "NUM", handle: (v) => v !== "x" },
  ];
  await parseClif(["icmp", "raw", "coverage=3"], options, false, { keyword: true });
  await assertRejects(
    () => parseClif(["icmp", "raw", "dgram"], options, false, { keyword: true }),
    ClifError,
    "Keyword `dgram' (argc 2): Only one of:\n    raw | dgram\nmay be specified.",
  );
  await assertRejects(
    () => parseClif(["icmp", "bogus"], options, false, { keyword: true }),
    ClifError,
    "`bogus' (argc 1): arguments are not allowed",
  );
  await assertRejects(
    () => parseClif(["icmp", "coverage"], options, false, { keyword: true }),
    ClifError,
    "Keyword `coverage' (argc 1) requires an argument: `coverage=NUM'",
  );
  await assertRejects(
    () => parseClif(["icmp", "coverage=x"], options, false, { keyword: true }),
    ClifError,
    "Cannot handle `coverage' keyword with arg `x' (argc 1)",
  );
});

Deno.test("numbers are read as C's strtoul, strtol and strtod read them", () => {
  assertEquals(parseCUnsigned("10"), 10);
  assertEquals(parseCUnsigned("0x10"), 16);
  assertEquals(parseCUnsigned("010"), 8); // octal
  assertEquals(parseCUnsigned(" +7"), 7);
  assertEquals(parseCUnsigned("-1"), 4294967295); // wraps
  assertEquals(parseCUnsigned("4294967296"), 0); // cut to 32 bits
  assertEquals(parseCUnsigned("99999999999999999999999"), 4294967295); // saturates first
  assertEquals(parseCUnsigned("1x"), null);
  assertEquals(parseCUnsigned(""), null);
  assertEquals(parseCUnsigned("08"), null); // not octal
  assertEquals(parseCUnsignedPrefix("12abc"), 12);
  assertEquals(parseCUnsignedPrefix("http"), null);
  assertEquals(parseCInt("-5"), -5);
  assertEquals(parseCInt("0x20"), 32);
  assertEquals(parseCInt("abc"), null);
  assertEquals(parseCDouble("1.5"), 1.5);
  assertEquals(parseCDouble(".5e1"), 5);
  assertEquals(parseCDouble("1."), 1);
  assertEquals(parseCDouble("inf"), Infinity);
  assertEquals(parseCDouble("1,"), null);
});

Deno.test("%g formatting for messages", () => {
  const cases: Array<[number, string]> = [
    [-1, "-1"],
    [0, "0"],
    [5, "5"],
    [0.5, "0.5"],
    [-0.5, "-0.5"],
    [1e-7, "1e-07"],
    [123456789, "1.23457e+08"],
    [100000, "100000"],
    [1234567, "1.23457e+06"],
    [0.0001, "0.0001"],
    [3.14159265, "3.14159"],
  ];
  for (const [value, text] of cases) assertEquals(formatG(value), text, String(value));
});
