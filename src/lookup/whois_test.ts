import { assertEquals } from "../../tests/assert.ts";
import { asPathFromWhois } from "./whois.ts";

const object = (prefix: string, origin: string, key = "route") =>
  `${key}:      ${prefix}\ndescr:      x\norigin:     ${origin}\n\n`;

Deno.test("the most specific route object's origin wins", () => {
  assertEquals(
    asPathFromWhois(object("198.18.0.0/15", "AS64500") + object("198.18.1.0/24", "AS64501")),
    "AS64501",
  );
  assertEquals(
    asPathFromWhois(object("198.18.1.0/24", "AS64501") + object("198.18.0.0/15", "AS64500")),
    "AS64501",
  );
  assertEquals(asPathFromWhois(object("2001:db8::/32", "AS1", "route6")), "AS1");
});

Deno.test("equally specific origins join with /, without repeats", () => {
  const answer = object("198.18.4.0/24", "AS64501") + object("198.18.4.0/24", "AS64502") +
    object("198.18.4.0/24", "AS64501");
  assertEquals(asPathFromWhois(answer), "AS64501/AS64502");
});

Deno.test("Linux traceroute's substring test for repeats, quirks included", () => {
  // "AS1" is not taken for a repeat of "AS11" (the match is followed by "1")...
  assertEquals(
    asPathFromWhois(object("10.0.0.0/8", "AS11") + object("10.0.0.0/8", "AS1")),
    "AS11/AS1",
  );
  // ...but strstr finds only the first match, so "AS11" can come twice.
  assertEquals(
    asPathFromWhois(
      object("10.0.0.0/8", "AS111") + object("10.0.0.0/8", "AS11") + object("10.0.0.0/8", "AS11"),
    ),
    "AS111/AS11/AS11",
  );
});

Deno.test("no route object gives *; CRLF answers and odd lines are fine", () => {
  assertEquals(asPathFromWhois(""), "*");
  assertEquals(asPathFromWhois("% No entries found\r\n"), "*");
  assertEquals(asPathFromWhois("route: 198.18.0.0/16\r\norigin: AS7\r\n"), "AS7");
  // A route line without a prefix length counts as /0.
  assertEquals(asPathFromWhois("route: junk\norigin: AS8\n"), "AS8");
});
