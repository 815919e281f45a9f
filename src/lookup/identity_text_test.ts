import { assertEquals } from "../../tests/assert.ts";
import { asnText, identityText, identityWord, networkText, placeText } from "./identity_text.ts";

Deno.test("the network: AS number and name, either alone, or null", () => {
  assertEquals(networkText({ asn: 64502, asName: "Example-Transit" }), "AS64502 Example-Transit");
  assertEquals(networkText({ asn: 64502 }), "AS64502");
  assertEquals(networkText({ asName: "Example-Transit" }), "Example-Transit");
  assertEquals(networkText({ country: "DE" }), null);
  assertEquals(networkText(undefined), null);
  assertEquals(asnText({ asn: 0 }), "AS0");
});

Deno.test("the place: country and city, ?? for a city without its country, or null", () => {
  assertEquals(placeText({ country: "DE", city: "Frankfurt am Main" }), "DE, Frankfurt am Main");
  assertEquals(placeText({ country: "DE" }), "DE");
  assertEquals(placeText({ city: "Frankfurt" }), "??, Frankfurt");
  assertEquals(placeText({ asn: 1 }), null);
});

Deno.test("everything known: network, then place", () => {
  assertEquals(
    identityText({ asn: 64502, asName: "Example-Transit", country: "DE", prefix: "198.18.0.0/15" }),
    "AS64502 Example-Transit, DE",
  );
  assertEquals(identityText({ country: "DE", city: "Berlin" }), "DE, Berlin");
  assertEquals(identityText({ prefix: "198.18.0.0/15" }), null);
});

Deno.test("untrusted text: control characters, backslashes and braces are escaped", () => {
  assertEquals(identityWord("evil\x1b[31m{x}\\"), "evil\\x1b[31m\\x7bx\\x7d\\\\");
  assertEquals(placeText({ country: "DE", city: "a}b" }), "DE, a\\x7db");
  assertEquals(networkText({ asn: 1, asName: "A\nB" }), "AS1 A\\x0aB");
});
