import { assertEquals, assertOk, assertStringIncludes } from "../../tests/assert.ts";
import { expandPrefix, MAX_PREFIX_ADDRESSES, parseTargets } from "./targets.ts";

const hosts = (text: string) => parseTargets(text).targets.map((t) => t.host);

Deno.test("blank lines and whole-line and trailing comments name no target", () => {
  const { targets, errors } = parseTargets(
    "# a lab list\n\n   \n198.18.1.2 # the first\n\t# indented comment\nr1.lab#no space\n",
  );
  assertEquals(targets, [
    { index: 0, line: 4, host: "198.18.1.2" },
    { index: 1, line: 6, host: "r1.lab" },
  ]);
  assertEquals(errors, []);
});

Deno.test("an empty list and a list of comments have no targets and no errors", () => {
  assertEquals(parseTargets(""), { targets: [], errors: [] });
  assertEquals(parseTargets("# one\n#two\n\n"), { targets: [], errors: [] });
});

Deno.test("whitespace around a target is trimmed", () => {
  assertEquals(hosts("  198.18.1.2  \n\tr1.lab\t\n   2001:db8::1 # x\n"), [
    "198.18.1.2",
    "r1.lab",
    "2001:db8::1",
  ]);
});

Deno.test("host names are kept as written; lines that cannot be one are errors with their line", () => {
  const text = [
    "r1.lab", // 1
    "bad host", // 2
    "under_score.lab.", // 3
    "-leading.lab", // 4
    "1..2", // 5
    "::zz", // 6
    "x".repeat(64) + ".lab", // 7: a label longer than 63
    "a.lab", // 8
  ].join("\n");
  const { targets, errors } = parseTargets(text);
  assertEquals(targets, [
    { index: 0, line: 1, host: "r1.lab" },
    { index: 1, line: 3, host: "under_score.lab." },
    { index: 2, line: 8, host: "a.lab" },
  ]);
  assertEquals(errors, [
    { line: 2, text: "bad host", reason: "not a host name or an address" },
    { line: 4, text: "-leading.lab", reason: "not a host name or an address" },
    { line: 5, text: "1..2", reason: "not an IPv4 or IPv6 address" },
    { line: 6, text: "::zz", reason: "not an IPv4 or IPv6 address" },
    { line: 7, text: "x".repeat(64) + ".lab", reason: "not a host name or an address" },
  ]);
});

Deno.test("an error's text is the line trimmed, without its comment", () => {
  const { errors } = parseTargets("  bad host   # why\n");
  assertEquals(errors, [{ line: 1, text: "bad host", reason: "not a host name or an address" }]);
});

Deno.test("IPv4 and IPv6 literals are targets as written", () => {
  const { targets, errors } = parseTargets(
    "198.18.0.1\n2001:db8::2\n2001:DB8:0:0::3\n::ffff:198.18.0.4\n",
  );
  assertEquals(targets.map((t) => t.host), [
    "198.18.0.1",
    "2001:db8::2",
    "2001:DB8:0:0::3",
    "::ffff:198.18.0.4",
  ]);
  assertEquals(targets.map((t) => t.line), [1, 2, 3, 4]);
  assertEquals(errors, []);
});

Deno.test("a /32 is its one address", () => {
  assertEquals(parseTargets("198.18.4.7/32").targets, [{ index: 0, line: 1, host: "198.18.4.7" }]);
  const expanded = expandPrefix("198.18.4.7/32");
  assertOk(typeof expanded !== "string");
  assertEquals(expanded.family, 4);
  assertEquals(expanded.count, 1);
  assertEquals([...expanded.addresses], ["198.18.4.7"]);
});

Deno.test("a /30 is its four addresses, network and broadcast included", () => {
  assertEquals(hosts("198.18.4.0/30"), ["198.18.4.0", "198.18.4.1", "198.18.4.2", "198.18.4.3"]);
});

Deno.test("a /24 is 256 addresses from .0 to .255, in order", () => {
  const expanded = expandPrefix("198.18.4.0/24");
  assertOk(typeof expanded !== "string");
  assertEquals(expanded.count, 256);
  const all = [...expanded.addresses];
  assertEquals(all.length, 256);
  assertEquals(all[0], "198.18.4.0");
  assertEquals(all[1], "198.18.4.1");
  assertEquals(all.at(-1), "198.18.4.255");
  assertEquals(new Set(all).size, 256);
  assertEquals(hosts("198.18.4.0/24"), all);
});

Deno.test("a prefix crossing a byte boundary carries into the next byte", () => {
  const all = hosts("198.18.4.0/23");
  assertEquals(all.length, 512);
  assertEquals(all[255], "198.18.4.255");
  assertEquals(all[256], "198.18.5.0");
  assertEquals(all.at(-1), "198.18.5.255");
});

Deno.test("a base address with host bits set starts at the network's first address", () => {
  assertEquals(hosts("198.18.4.6/30"), ["198.18.4.4", "198.18.4.5", "198.18.4.6", "198.18.4.7"]);
  const expanded = expandPrefix("198.18.4.200/24");
  assertOk(typeof expanded !== "string");
  const all = [...expanded.addresses];
  assertEquals([all[0], all.at(-1)], ["198.18.4.0", "198.18.4.255"]);
  assertEquals(hosts("2001:db8::ff/120")[0], "2001:db8::");
});

Deno.test("an IPv6 /126 is four addresses in the shortest form", () => {
  const expanded = expandPrefix("2001:db8::5/126");
  assertOk(typeof expanded !== "string");
  assertEquals(expanded.family, 6);
  assertEquals(expanded.count, 4);
  assertEquals([...expanded.addresses], [
    "2001:db8::4",
    "2001:db8::5",
    "2001:db8::6",
    "2001:db8::7",
  ]);
});

Deno.test("a prefix at the bound expands; one past it is a line error naming the bound", () => {
  assertEquals(MAX_PREFIX_ADDRESSES, 2 ** 16);
  const v4 = expandPrefix("198.18.0.0/16");
  assertOk(typeof v4 !== "string");
  assertEquals(v4.count, MAX_PREFIX_ADDRESSES);
  const v6 = expandPrefix("2001:db8::/112");
  assertOk(typeof v6 !== "string");
  assertEquals(v6.count, MAX_PREFIX_ADDRESSES);

  const { targets, errors } = parseTargets("198.18.1.1\n198.18.0.0/15\n2001:db8::/111\n");
  assertEquals(targets.map((t) => t.host), ["198.18.1.1"]);
  assertEquals(errors.map((e) => [e.line, e.text]), [[2, "198.18.0.0/15"], [3, "2001:db8::/111"]]);
  for (const e of errors) assertStringIncludes(e.reason, `at most ${MAX_PREFIX_ADDRESSES}`);
  assertStringIncludes(errors[0]!.reason, `${2 ** 17} addresses`);
  assertStringIncludes(errors[0]!.reason, "/16 prefixes");
  assertStringIncludes(errors[1]!.reason, "/112 prefixes");
});

Deno.test("a bad prefix length or base address is a line error", () => {
  const { targets, errors } = parseTargets(
    "198.18.0.0/33\n198.18.0.0/\n198.18.0.0/x\n2001:db8::/129\nr1.lab/24\n198.18.0.0/-1\n",
  );
  assertEquals(targets, []);
  assertEquals(errors, [
    { line: 1, text: "198.18.0.0/33", reason: '"/33" is not a prefix length from 0 to 32' },
    { line: 2, text: "198.18.0.0/", reason: '"/" is not a prefix length from 0 to 32' },
    { line: 3, text: "198.18.0.0/x", reason: '"/x" is not a prefix length from 0 to 32' },
    { line: 4, text: "2001:db8::/129", reason: '"/129" is not a prefix length from 0 to 128' },
    { line: 5, text: "r1.lab/24", reason: '"r1.lab" is not an IPv4 or IPv6 address' },
    { line: 6, text: "198.18.0.0/-1", reason: '"/-1" is not a prefix length from 0 to 32' },
  ]);
  assertEquals(typeof expandPrefix("198.18.0.0/33"), "string");
});

Deno.test("indexes run on across a prefix's addresses; each keeps its line", () => {
  const { targets } = parseTargets("r1.lab\n# skip\n198.18.4.0/31\nbad host\n2001:db8::1\n");
  assertEquals(targets, [
    { index: 0, line: 1, host: "r1.lab" },
    { index: 1, line: 3, host: "198.18.4.0" },
    { index: 2, line: 3, host: "198.18.4.1" },
    { index: 3, line: 5, host: "2001:db8::1" },
  ]);
  targets.forEach((t, i) => assertEquals(t.index, i));
});

Deno.test("CRLF line endings: the same targets, lines and errors as LF", () => {
  const lf = "# list\n198.18.1.2\nr1.lab # c\n\n198.18.4.0/31\nbad host\n2001:db8::1\n";
  const crlf = lf.replaceAll("\n", "\r\n");
  assertOk(crlf.includes("\r\n"));
  const a = parseTargets(lf);
  const b = parseTargets(crlf);
  assertEquals(b, a);
  assertEquals(b.targets.map((t) => t.host), [
    "198.18.1.2",
    "r1.lab",
    "198.18.4.0",
    "198.18.4.1",
    "2001:db8::1",
  ]);
  assertEquals(b.errors, [{ line: 6, text: "bad host", reason: "not a host name or an address" }]);
  for (const t of b.targets) assertOk(!t.host.includes("\r"));
});

Deno.test("the last line needs no newline", () => {
  assertEquals(parseTargets("r1.lab\nr2.lab").targets.map((t) => [t.line, t.host]), [
    [1, "r1.lab"],
    [2, "r2.lab"],
  ]);
});

Deno.test("parseTargets: digits and dots with a part over 255 or an empty part are no address", () => {
  const { targets, errors } = parseTargets("198.18.1.300\n198.18..1\n198.18.1\n198.18.1.2\n");
  assertEquals(errors.map((e) => [e.line, e.reason]), [
    [1, "not an IPv4 or IPv6 address"],
    [2, "not an IPv4 or IPv6 address"],
  ]);
  // A shorthand the resolver reads (inet_aton's) is left to it.
  assertEquals(targets.map((t) => t.host), ["198.18.1", "198.18.1.2"]);
});
