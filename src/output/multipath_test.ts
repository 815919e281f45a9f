import { assertEquals } from "../../tests/assert.ts";
import { flowRanges } from "./multipath.ts";

Deno.test("flow lists print as ranges", () => {
  assertEquals(flowRanges([]), "");
  assertEquals(flowRanges([3]), "3");
  assertEquals(flowRanges([5, 0, 1, 2, 7, 8]), "0-2,5,7-8");
});
