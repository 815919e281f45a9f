import { assertEquals } from "../../tests/assert.ts";
import { asNameQuery, CYMRU_ZONE, originQuery, parseAsName, parseOrigin } from "./cymru.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { asSource } from "./identity_sources.ts";

Deno.test("origin query names: reversed octets, and nibbles for IPv6", () => {
  assertEquals(originQuery("198.18.1.2"), "2.1.18.198.origin.asn.cymru.com");
  assertEquals(originQuery("198.18.1.2", "asn.lab"), "2.1.18.198.origin.asn.lab");
  assertEquals(
    originQuery("2001:db8:0:1::2"),
    "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com",
  );
  assertEquals(originQuery("not an address"), null);
  assertEquals(asNameQuery(64501), "AS64501.asn.cymru.com");
  assertEquals(asNameQuery(64501, "asn.lab"), "AS64501.asn.lab");
});

Deno.test("an origin answer: the most specific prefix's AS, the first of several", () => {
  assertEquals(parseOrigin(["64501 | 198.18.1.0/24 | ZZ | arin | 2006-01-01"]).identity, {
    asn: 64501,
    prefix: "198.18.1.0/24",
  });
  assertEquals(
    parseOrigin([
      "64500 | 198.18.0.0/15 | ZZ | arin | 2006-01-01",
      "64502 64503 | 198.18.4.0/24 | ZZ | ripencc | 2010-05-05",
    ]).identity,
    { asn: 64502, prefix: "198.18.4.0/24" },
  );
  assertEquals(parseOrigin(["64510 | 2001:db8::/32 | ZZ | ripencc |"]).identity, {
    asn: 64510,
    prefix: "2001:db8::/32",
  });
});

Deno.test("an origin answer's ties: every AS announcing the most specific prefix, once each", () => {
  assertEquals(
    parseOrigin([
      "64500 | 198.18.0.0/15 | ZZ | arin | 2006-01-01",
      "64502 64503 64502 x | 198.18.4.0/24 | ZZ | ripencc | 2010-05-05",
    ]),
    { identity: { asn: 64502, prefix: "198.18.4.0/24" }, origins: [64502, 64503] },
  );
  assertEquals(parseOrigin(["64501 | 198.18.1.0/24 | ZZ | arin |"]).origins, [64501]);
  assertEquals(parseOrigin(["x 64501 | 198.18.1.0/24 | ZZ | arin |"]), {
    identity: {},
    origins: [],
  });
});

Deno.test("the DNS source shows several origins as whois shows ties; the identity keeps the first", async () => {
  const records: Record<string, string[]> = {
    "2.4.18.198.origin.asn.lab": ["64502 64503 | 198.18.4.0/24 | ZZ | lab | 2026-01-01"],
    "2.1.18.198.origin.asn.lab": ["64501 | 198.18.1.0/24 | ZZ | lab | 2026-01-01"],
    "AS64502.asn.lab": ["64502 | ZZ | lab | 2026-01-01 | LAB-TRANSIT"],
  };
  const txt = (name: string) => Promise.resolve(records[name] ?? []);
  const source = asSource({ kind: "dns", zone: "asn.lab" }, { resolver: new TableResolver(), txt });
  const signal = new AbortController().signal;
  assertEquals(await source.ask("198.18.4.2", signal), {
    identity: { asn: 64502, asName: "LAB-TRANSIT", prefix: "198.18.4.0/24" },
    asPath: "AS64502/AS64503",
  });
  assertEquals(await source.ask("198.18.1.2", signal), {
    identity: { asn: 64501, prefix: "198.18.1.0/24" },
  });
});

Deno.test("garbage origin answers are unknown, never an error", () => {
  for (
    const garbage of [
      "",
      "hello",
      "|||||",
      "AS64501 | 198.18.1.0/24",
      "64501 | 198.18.1.0",
      "64501 | 198.18.1.0/33",
      "99999999999 | 198.18.1.0/24",
      "64501 | 2001:zz8::/32",
      "-1 | 198.18.1.0/24",
      "\x1b[31m | \x00",
    ]
  ) {
    assertEquals(parseOrigin([garbage]), { identity: {}, origins: [] }, JSON.stringify(garbage));
  }
  assertEquals(parseOrigin([]), { identity: {}, origins: [] });
  // A good record among garbage still counts.
  assertEquals(parseOrigin(["junk", "64501 | 198.18.1.0/24 | ZZ | | "]).identity.asn, 64501);
});

Deno.test("an AS name answer: the last field, for the AS asked, without control characters", () => {
  assertEquals(
    parseAsName(
      ["64502 | ZZ | ripencc | 2010-05-05 | EXAMPLE-TRANSIT - Example Transit, ZZ"],
      64502,
    ),
    "EXAMPLE-TRANSIT - Example Transit, ZZ",
  );
  assertEquals(parseAsName(["64502 | ZZ | ripencc | 2010 | EVIL\x1b[2J"], 64502), "EVIL[2J");
  assertEquals(parseAsName(["64503 | ZZ | ripencc | 2010 | OTHER"], 64502), null);
  assertEquals(parseAsName(["64502 | ZZ | ripencc"], 64502), null);
  assertEquals(parseAsName(["64502 | ZZ | ripencc | 2010 |   "], 64502), null);
  assertEquals(parseAsName(["garbage"], 64502), null);
});

Deno.test("Team Cymru's own zone is asked nothing of private, shared or link-local space; a mirror is", async () => {
  const asked: string[] = [];
  const txt = (name: string) => {
    asked.push(name);
    return Promise.resolve([]);
  };
  const tools = { resolver: new TableResolver(), txt };
  const signal = new AbortController().signal;
  const cymru = asSource({ kind: "dns", zone: CYMRU_ZONE }, tools);
  for (const address of ["10.1.2.3", "100.64.0.1", "169.254.0.1", "fd00::1", "fe80::1"]) {
    assertEquals(await cymru.ask(address, signal), { identity: {} }, address);
  }
  assertEquals(asked, []);
  await cymru.ask("198.51.100.1", signal);
  assertEquals(asked, ["1.100.51.198.origin.asn.cymru.com"]);
  await asSource({ kind: "dns", zone: "asn.example.net" }, tools).ask("10.1.2.3", signal);
  assertEquals(asked.at(-1), "3.2.1.10.origin.asn.example.net");
});
