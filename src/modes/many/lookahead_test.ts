import { assertEquals } from "../../../tests/assert.ts";
import { Lookahead } from "./lookahead.ts";

Deno.test("lookahead: 8 TTLs before any destination is reached", () => {
  assertEquals(new Lookahead().ttls, 8);
});

Deno.test("lookahead: the median distance of the destinations reached", () => {
  const lookahead = new Lookahead();
  for (const ttl of [5, 9, 12]) lookahead.reached(ttl);
  assertEquals(lookahead.ttls, 9);
  // An even count: the upper of the two middle distances.
  lookahead.reached(6);
  assertEquals(lookahead.ttls, 9);
  lookahead.reached(6);
  assertEquals(lookahead.ttls, 6);
});

Deno.test("lookahead: kept from 4 to 16 TTLs", () => {
  const near = new Lookahead();
  near.reached(1);
  assertEquals(near.ttls, 4);
  const far = new Lookahead();
  far.reached(300);
  assertEquals(far.ttls, 16);
});
