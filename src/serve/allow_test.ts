import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { OptionError } from "../core/errors.ts";
import { allowed, type AllowRule, parseAllowRule } from "./allow.ts";

const rules = (...texts: string[]): AllowRule[] => texts.map(parseAllowRule);

Deno.test("prefixes and single addresses parse to their canonical text", () => {
  assertEquals(parseAllowRule("198.18.0.0/15").text, "198.18.0.0/15");
  assertEquals(parseAllowRule(" 198.18.4.2 ").text, "198.18.4.2/32");
  assertEquals(parseAllowRule("2001:DB8::/32").text, "2001:db8::/32");
  assertEquals(parseAllowRule("2001:db8::1").text, "2001:db8::1/128");
  assertEquals(parseAllowRule("0.0.0.0/0").text, "0.0.0.0/0");
  assertEquals(parseAllowRule("::/0").text, "::/0");
  // An IPv4-mapped prefix is the IPv4 prefix it carries.
  assertEquals(parseAllowRule("::ffff:198.18.0.0/111").text, "198.18.0.0/15");
  assertEquals(parseAllowRule("198.18.0.0/15"), {
    kind: "prefix",
    bytes: new Uint8Array([198, 18, 0, 0]),
    length: 15,
    text: "198.18.0.0/15",
  });
});

Deno.test("name rules parse in lower case, without the trailing dot", () => {
  assertEquals(parseAllowRule("DB.Example.NET."), {
    kind: "name",
    name: "db.example.net",
    wildcard: false,
    text: "db.example.net",
  });
  assertEquals(parseAllowRule("*.example.net"), {
    kind: "name",
    name: "example.net",
    wildcard: true,
    text: "*.example.net",
  });
});

Deno.test("text that is no rule is refused in one line", () => {
  const cases: Array<[string, string]> = [
    [
      "198.18.0.1/15",
      `"198.18.0.1/15" has bits set past its prefix length (the network is ` +
      "198.18.0.0/15)",
    ],
    [
      "2001:db8::1/32",
      `"2001:db8::1/32" has bits set past its prefix length (the network is ` +
      "2001:db8::/32)",
    ],
    ["198.18.0.0/33", `"/33" is not a prefix length from 0 to 32`],
    ["2001:db8::/129", `"/129" is not a prefix length from 0 to 128`],
    ["198.18.0.0/015", `"/015" is not a prefix length from 0 to 32`],
    ["198.18.0.0/", `"/" is not a prefix length from 0 to 32`],
    ["300.1.2.3", `"300.1.2.3" is not an IPv4 or IPv6 address`],
    ["198.18.0", `"198.18.0" is not an IPv4 or IPv6 address`],
    ["db.example.net/24", `"db.example.net" is not an IPv4 or IPv6 address`],
    ["fe80::1%eth0", `"fe80::1%eth0" is not an IPv4 or IPv6 address`],
    ["*", `"*" is not an address, a prefix, a host name or a pattern *.NAME`],
    ["*.", `"*." is not an address, a prefix, a host name or a pattern *.NAME`],
    [
      "a.*.example.net",
      `"a.*.example.net" is not an address, a prefix, a host name or a ` +
      "pattern *.NAME",
    ],
    [
      "**.example.net",
      `"**.example.net" is not an address, a prefix, a host name or a ` +
      "pattern *.NAME",
    ],
    [
      "-a.example.net",
      `"-a.example.net" is not an address, a prefix, a host name or a ` +
      "pattern *.NAME",
    ],
    [
      "a..example.net",
      `"a..example.net" is not an address, a prefix, a host name or a ` +
      "pattern *.NAME",
    ],
    ["", `"" is not an address, a prefix, a host name or a pattern *.NAME`],
  ];
  for (const [text, message] of cases) {
    const e = assertThrows(() => parseAllowRule(text), OptionError);
    assertEquals(e.message, message);
    assertEquals((e as OptionError).option, "allow");
  }
});

Deno.test("IPv4 prefixes hold their edge addresses and nothing past them", () => {
  const list = rules("198.18.0.0/15");
  assertEquals(allowed(list, null, "198.18.0.0"), true);
  assertEquals(allowed(list, null, "198.19.255.255"), true);
  assertEquals(allowed(list, null, "198.17.255.255"), false);
  assertEquals(allowed(list, null, "198.20.0.0"), false);
  const odd = rules("198.18.4.8/29");
  assertEquals(allowed(odd, null, "198.18.4.8"), true);
  assertEquals(allowed(odd, null, "198.18.4.15"), true);
  assertEquals(allowed(odd, null, "198.18.4.7"), false);
  assertEquals(allowed(odd, null, "198.18.4.16"), false);
});

Deno.test("a /32 or a single address holds that address only; /0 holds its whole family", () => {
  for (const list of [rules("198.18.4.2/32"), rules("198.18.4.2")]) {
    assertEquals(allowed(list, null, "198.18.4.2"), true);
    assertEquals(allowed(list, null, "198.18.4.3"), false);
    assertEquals(allowed(list, null, "198.18.4.1"), false);
  }
  const all4 = rules("0.0.0.0/0");
  assertEquals(allowed(all4, null, "0.0.0.0"), true);
  assertEquals(allowed(all4, null, "255.255.255.255"), true);
  assertEquals(allowed(all4, null, "2001:db8::1"), false);
  const all6 = rules("::/0");
  assertEquals(allowed(all6, null, "::"), true);
  assertEquals(allowed(all6, null, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), true);
  assertEquals(allowed(all6, null, "198.18.0.1"), false);
});

Deno.test("IPv6 prefixes, /128 and odd lengths, in any spelling", () => {
  const list = rules("2001:db8::/32");
  assertEquals(allowed(list, null, "2001:db8::"), true);
  assertEquals(allowed(list, null, "2001:DB8:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"), true);
  assertEquals(allowed(list, null, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"), false);
  assertEquals(allowed(list, null, "2001:db9::"), false);
  const one = rules("2001:db8::1/128");
  assertEquals(allowed(one, null, "2001:0db8:0000::0001"), true);
  assertEquals(allowed(one, null, "2001:db8::2"), false);
  assertEquals(allowed(one, null, "2001:db8::"), false);
  const odd = rules("2001:db8:4::/47"); // 2001:db8:4:: to 2001:db8:5:ffff:...
  assertEquals(allowed(odd, null, "2001:db8:5:ffff::1"), true);
  assertEquals(allowed(odd, null, "2001:db8:6::"), false);
  assertEquals(allowed(odd, null, "2001:db8:3:ffff::"), false);
});

Deno.test("an IPv4-mapped IPv6 address is its IPv4 address", () => {
  assertEquals(allowed(rules("198.18.0.0/15"), null, "::ffff:198.18.0.1"), true);
  assertEquals(allowed(rules("::/0"), null, "::ffff:10.0.0.1"), false);
  assertEquals(allowed(rules("2001:db8::/32"), null, "::ffff:198.18.0.1"), false);
});

Deno.test("what is no address, or an empty list, allows nothing", () => {
  assertEquals(allowed([], null, "198.18.0.1"), false);
  assertEquals(allowed([], "db.example.net", "198.18.0.1"), false);
  assertEquals(allowed(rules("0.0.0.0/0", "::/0"), null, "db.example.net"), false);
  assertEquals(allowed(rules("::/0"), null, "fe80::1%eth0"), false);
  assertEquals(allowed(rules("0.0.0.0/0"), null, ""), false);
});

Deno.test("name patterns: one name exactly, or any name under one but not the name itself", () => {
  const list = rules("db.example.net", "*.lab.example.net");
  const at = "198.18.4.2";
  assertEquals(allowed(list, "db.example.net", at), true);
  assertEquals(allowed(list, "DB.Example.Net.", at), true);
  assertEquals(allowed(list, "x.db.example.net", at), false);
  assertEquals(allowed(list, "db.example.net.evil.example", at), false);
  assertEquals(allowed(list, "r1.lab.example.net", at), true);
  assertEquals(allowed(list, "a.b.lab.example.net", at), true);
  assertEquals(allowed(list, "lab.example.net", at), false);
  assertEquals(allowed(list, "xlab.example.net", at), false);
  assertEquals(allowed(list, ".lab.example.net", at), false);
  assertEquals(allowed(list, null, at), false);
  assertEquals(allowed(list, "", at), false);
  assertEquals(allowed(list, "..lab.example.net", at), false);
  assertEquals(allowed(list, "a b.lab.example.net", at), false);
});

Deno.test("a name that matches but resolves outside every prefix is refused", () => {
  const list = rules("198.18.0.0/15", "2001:db8::/32", "*.example.net");
  assertEquals(allowed(list, "db.example.net", "198.18.4.2"), true);
  assertEquals(allowed(list, "db.example.net", "2001:db8:4::2"), true);
  assertEquals(allowed(list, "db.example.net", "203.0.113.9"), false);
  assertEquals(allowed(list, "db.example.net", "127.0.0.1"), false);
  assertEquals(allowed(list, "db.example.net", "2001:db9::1"), false);
  // The address is what the prefixes bound: any name that resolves inside one is allowed.
  assertEquals(allowed(list, "other.example.org", "198.19.0.1"), true);
});

Deno.test("with name patterns only, a name never leads to a special address", () => {
  const list = rules("*.example.net");
  assertEquals(allowed(list, "db.example.net", "198.18.4.2"), true);
  assertEquals(allowed(list, "db.example.net", "2001:db8::2"), true);
  for (
    const special of [
      "0.0.0.0",
      "0.1.2.3",
      "127.0.0.1",
      "169.254.1.1",
      "224.0.0.1",
      "240.0.0.1",
      "255.255.255.255",
      "::",
      "::1",
      "::198.18.0.1",
      "fe80::1",
      "febf::1",
      "ff02::1",
      "::ffff:127.0.0.1",
    ]
  ) {
    assertEquals(allowed(list, "db.example.net", special), false, special);
  }
  assertEquals(allowed(list, "db.example.net", "fec0::1"), true);
  // A prefix that holds a special address allows it, by address.
  assertEquals(allowed(rules("127.0.0.0/8"), null, "127.0.0.1"), true);
});
