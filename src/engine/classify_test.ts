import { assertEquals } from "../../tests/assert.ts";
import { classifyIcmp, classifyLocal, ignoredIcmp } from "./classify.ts";
import { ttlToHops } from "../core/reply_ttl.ts";

Deno.test("time exceeded in transit is an ordinary hop", () => {
  assertEquals(classifyIcmp(4, 11, 0, 0), null);
  assertEquals(classifyIcmp(6, 3, 0, 0), null);
});

Deno.test("IPv4 unreachable codes", () => {
  const expected: Record<number, string> = {
    0: "!N",
    1: "!H",
    2: "!P",
    3: "",
    4: "!F-1492",
    5: "!S",
    6: "!N",
    7: "!H",
    8: "!N",
    9: "!X",
    10: "!X",
    11: "!N",
    12: "!H",
    13: "!X",
    14: "!V",
    15: "!C",
    16: "!<16>",
  };
  for (const [code, annotation] of Object.entries(expected)) {
    assertEquals(classifyIcmp(4, 3, Number(code), 1492), { annotation, final: true }, code);
  }
  assertEquals(classifyIcmp(4, 11, 1, 0), { annotation: "!<11-1>", final: true });
  assertEquals(classifyIcmp(4, 12, 0, 0), { annotation: "!<12-0>", final: true });
});

Deno.test("IPv6 unreachable codes and packet too big", () => {
  const expected: Record<number, string> = {
    0: "!N",
    1: "!X",
    2: "!H",
    3: "!H",
    4: "",
    5: "!<5>",
    7: "!<7>",
  };
  for (const [code, annotation] of Object.entries(expected)) {
    assertEquals(classifyIcmp(6, 1, Number(code), 0), { annotation, final: true }, code);
  }
  assertEquals(classifyIcmp(6, 2, 0, 1280), { annotation: "!F-1280", final: true });
  assertEquals(classifyIcmp(6, 3, 1, 0), { annotation: "!<3-1>", final: true });
  assertEquals(classifyIcmp(6, 4, 2, 0), { annotation: "!<4-2>", final: true });
});

Deno.test("local errors: only EMSGSIZE with an MTU is a reply", () => {
  assertEquals(classifyLocal("EMSGSIZE", 1400), { annotation: "!F-1400", final: true });
  assertEquals(classifyLocal("EMSGSIZE", 0), null);
  assertEquals(classifyLocal("EHOSTUNREACH", 0), null);
});

Deno.test("source quench and redirect are ignored (IPv4 only)", () => {
  assertEquals([ignoredIcmp(4, 4), ignoredIcmp(4, 5), ignoredIcmp(4, 3), ignoredIcmp(6, 4)], [
    true,
    true,
    false,
    false,
  ]);
});

Deno.test("backward hops from a reply TTL (initial 64, 128 or 255)", () => {
  assertEquals([ttlToHops(64), ttlToHops(63), ttlToHops(1), ttlToHops(65)], [1, 2, 64, 64]);
  assertEquals([ttlToHops(128), ttlToHops(100), ttlToHops(255), ttlToHops(200)], [1, 29, 1, 56]);
});
