import { assertEquals } from "../../tests/assert.ts";
import { MAX_NAME_LENGTH, sanitizeName } from "./names.ts";

Deno.test("names print safely: control characters and backslashes escaped", () => {
  assertEquals(sanitizeName("r1.lab"), "r1.lab");
  assertEquals(sanitizeName("evil\x1b[31mRED\x1b[0m.lab"), "evil\\x1b[31mRED\\x1b[0m.lab");
  assertEquals(sanitizeName("a\nb\tc\x7f\x9b"), "a\\x0ab\\x09c\\x7f\\x9b");
  assertEquals(sanitizeName("back\\slash"), "back\\\\slash");
  assertEquals(sanitizeName("bücher.example"), "bücher.example");
});

Deno.test("names are cut to 253 characters", () => {
  assertEquals(sanitizeName("a".repeat(400)).length, MAX_NAME_LENGTH);
  assertEquals(sanitizeName("\x01".repeat(100)).length, MAX_NAME_LENGTH);
});
