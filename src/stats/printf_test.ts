import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { printfFixed, printfInteger } from "./printf.ts";

Deno.test("%.1f: exact ties go to the even digit, as glibc", () => {
  // 0.25, 1.25, 2.25 are exact binary ties: glibc prints 0.2, 1.2, 2.2 (toFixed: 0.3, 1.3, 2.3).
  assertEquals(["0.25", "1.25", "2.25", "0.75"].map((t) => printfFixed(Number(t), 1)), [
    "0.2",
    "1.2",
    "2.2",
    "0.8",
  ]);
  // 0.35 is 0.34999999999999997... and 0.45 is 0.45000000000000001...: no tie.
  assertEquals([printfFixed(0.35, 1), printfFixed(0.45, 1)], ["0.3", "0.5"]);
  assertEquals([printfFixed(12.345, 1), printfFixed(99.96, 1)], ["12.3", "100.0"]);
});

Deno.test("%.0f and %.2f ties, signs, width", () => {
  assertEquals([printfFixed(2.5, 0), printfFixed(3.5, 0), printfFixed(0.5, 0)], ["2", "4", "0"]);
  assertEquals([printfFixed(0.125, 2), printfFixed(0.375, 2)], ["0.12", "0.38"]);
  assertEquals([printfFixed(-0.25, 1), printfFixed(-1.26, 1)], ["-0.2", "-1.3"]);
  assertEquals([printfFixed(1.5, 1, 5), printfFixed(1234.5, 1, 5)], ["  1.5", "1234.5"]);
  assertEquals([printfFixed(NaN, 1, 4), printfFixed(-Infinity, 1)], [" nan", "-inf"]);
  assertThrows(() => printfFixed(1, -1), RangeError, "Precision");
});

Deno.test("%Nd", () => {
  assertEquals([printfInteger(7, 5), printfInteger(123456, 5), printfInteger(-3, 4)], [
    "    7",
    "123456",
    "  -3",
  ]);
});
