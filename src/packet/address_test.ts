import { assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  addressBytes,
  canonicalAddress,
  familyOf,
  formatIPv6,
  parseIPv4,
  parseIPv6,
} from "./address.ts";

// Expected texts are glibc's inet_ntop(inet_pton(...)), taken with Python's socket module.
const GLIBC: Array<[string, string]> = [
  ["2001:db8::1", "2001:db8::1"],
  ["::1", "::1"],
  ["::", "::"],
  ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
  ["::ffff:198.18.0.1", "::ffff:198.18.0.1"],
  ["::198.18.0.1", "::198.18.0.1"],
  ["fe80::1:0:0:0", "fe80::1:0:0:0"],
  ["1:0:0:0:0:0:0:0", "1::"],
  ["2001:db8:0:1:0:0:0:2", "2001:db8:0:1::2"],
  ["0:0:0:0:0:1:0:0", "::1:0:0"],
  ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
  ["::ffff:0:0", "::ffff:0.0.0.0"],
  ["0:0:0:0:0:ffff:0:1", "::ffff:0.0.0.1"],
  ["2001:DB8::A", "2001:db8::a"],
];

Deno.test("IPv6 addresses print as glibc's inet_ntop prints them", () => {
  for (const [input, expected] of GLIBC) {
    assertEquals(formatIPv6(parseIPv6(input)!), expected, input);
    assertEquals(canonicalAddress(input), expected, input);
  }
});

Deno.test("IPv4 parsing is inet_pton's: four decimal parts, no leading zeros", () => {
  assertEquals([...parseIPv4("198.18.0.1")!], [198, 18, 0, 1]);
  assertEquals([...parseIPv4("0.0.0.0")!], [0, 0, 0, 0]);
  for (const bad of ["198.18.2.256", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.x", "", " 1.2.3.4"]) {
    assertEquals(parseIPv4(bad), null, bad);
  }
});

Deno.test("IPv6 parsing rejects what inet_pton rejects", () => {
  for (
    const bad of [
      ":::",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "::1%lo",
      "g::",
      "1:2:3:4:5:6:7::8",
    ]
  ) {
    assertEquals(parseIPv6(bad), null, bad);
  }
});

Deno.test("families and bytes of literals", () => {
  assertEquals(familyOf("198.18.0.1"), 4);
  assertEquals(familyOf("2001:db8::1"), 6);
  assertEquals(familyOf("dst.lab"), 0);
  assertEquals(addressBytes("2001:db8::1").length, 16);
  assertThrows(() => addressBytes("dst.lab"), TypeError, "dst.lab");
});
