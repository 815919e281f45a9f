import { assertEquals } from "../../tests/assert.ts";
import { answerBytes, soaRecord } from "../../tests/helpers/dns_answers.ts";
import {
  parsePtrAnswer,
  parseTxtAnswer,
  ptrQuery,
  RCODE,
  reverseName,
  txtQuery,
} from "./dns_message.ts";

const Q = "2.1.18.198.in-addr.arpa";

Deno.test("reverseName: in-addr.arpa and the nibbles of ip6.arpa", () => {
  assertEquals(reverseName("198.18.1.2"), Q);
  assertEquals(
    reverseName("2001:db8::1"),
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
  );
});

Deno.test("ptrQuery: header with RD, one question, PTR IN", () => {
  const q = ptrQuery(0xbeef, "2.1.in-addr.arpa");
  assertEquals([...q.subarray(0, 12)], [0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  assertEquals([...q.subarray(12)], [
    1,
    50,
    1,
    49,
    7,
    ..."in-addr".split("").map((c) => c.charCodeAt(0)),
    4,
    ..."arpa".split("").map((c) => c.charCodeAt(0)),
    0,
    0,
    12,
    0,
    1,
  ]);
});

Deno.test("parsePtrAnswer: the PTR owned by the question's name", () => {
  const a = parsePtrAnswer(answerBytes({
    id: 7,
    question: Q.toUpperCase(),
    records: [
      { owner: "other.in-addr.arpa", type: 12, target: "wrong.lab" },
      { owner: Q, type: 1, target: new Uint8Array([198, 18, 1, 2]) },
      { owner: Q, type: 12, target: "R1.Lab" },
      { owner: Q, type: 12, target: "second.lab" },
    ],
  }))!;
  assertEquals(a, {
    id: 7,
    rcode: 0,
    truncated: false,
    question: Q,
    negativeTtl: null,
    name: "R1.Lab",
  });
});

Deno.test("parsePtrAnswer: CNAMEs followed (RFC 2317), other owners skipped", () => {
  const a = parsePtrAnswer(answerBytes({
    id: 1,
    question: Q,
    records: [
      { owner: Q, type: 5, target: "2.0/25.1.18.198.in-addr.arpa" },
      { owner: Q, type: 12, target: "stale.lab" }, // owned by the name the CNAME left
      { owner: "2.0/25.1.18.198.in-addr.arpa", type: 12, target: "delegated.lab" },
    ],
  }))!;
  assertEquals(a.name, "delegated.lab");
});

Deno.test("parsePtrAnswer: names glibc refuses are no name", () => {
  for (const bad of ["-x.lab", "a b.lab", "evil\x1b[31m.lab", "a.b@c.lab", "x.lab\x00"]) {
    const a = parsePtrAnswer(
      answerBytes({ id: 1, question: Q, records: [{ owner: Q, type: 12, target: bad }] }),
    )!;
    assertEquals(a.name, null, JSON.stringify(bad));
  }
  for (const good of ["a_b.lab", "x-.lab", "a.-b.lab", "0.lab"]) {
    const a = parsePtrAnswer(
      answerBytes({ id: 1, question: Q, records: [{ owner: Q, type: 12, target: good }] }),
    )!;
    assertEquals(a.name, good);
  }
});

Deno.test("parsePtrAnswer: rcode, TC, and an empty answer", () => {
  assertEquals(
    parsePtrAnswer(answerBytes({ id: 3, question: Q, rcode: RCODE.nxDomain }))!.rcode,
    3,
  );
  assertEquals(
    parsePtrAnswer(answerBytes({ id: 3, question: Q, truncated: true }))!.truncated,
    true,
  );
  assertEquals(parsePtrAnswer(answerBytes({ id: 3, question: Q }))!.name, null);
});

Deno.test("Negative answers: how long they hold, from the zone's SOA (RFC 2308)", () => {
  const zone = "18.198.in-addr.arpa";
  const other = { owner: zone, type: 2, target: "ns.lab" }; // an NS record before the SOA
  // NXDOMAIN: the lesser of the SOA's own TTL and its MINIMUM.
  const nx = (ttl: number, minimum: number) =>
    parsePtrAnswer(answerBytes({
      id: 1,
      question: Q,
      rcode: RCODE.nxDomain,
      authority: [other, soaRecord(zone, ttl, minimum)],
    }))!.negativeTtl;
  assertEquals(nx(86400, 3600), 3600);
  assertEquals(nx(900, 3600), 900);
  // A TTL with its top bit set counts as 0 (RFC 2181).
  assertEquals(nx(0x80000000, 3600), 0);
  // NODATA (the name, but no PTR) holds as long.
  const noData = parsePtrAnswer(answerBytes({
    id: 1,
    question: Q,
    records: [{ owner: Q, type: 1, target: new Uint8Array([198, 18, 1, 2]) }],
    authority: [soaRecord(zone, 600, 1800)],
  }))!;
  assertEquals([noData.name, noData.negativeTtl], [null, 600]);
  // Without an SOA, or with a name found, nothing is said; nor for a SOA cut short.
  assertEquals(
    parsePtrAnswer(answerBytes({ id: 1, question: Q, rcode: RCODE.nxDomain }))!.negativeTtl,
    null,
  );
  const found = parsePtrAnswer(answerBytes({
    id: 1,
    question: Q,
    records: [{ owner: Q, type: 12, target: "r1.lab" }],
    authority: [soaRecord(zone, 600, 600)],
  }))!;
  assertEquals([found.name, found.negativeTtl], ["r1.lab", null]);
  const soa = soaRecord(zone, 600, 600);
  const short = { ...soa, target: (soa.target as Uint8Array).subarray(0, 30) };
  assertEquals(
    parsePtrAnswer(answerBytes({ id: 1, question: Q, rcode: 3, authority: [short] }))!.negativeTtl,
    null,
  );
  // TXT answers too (Team Cymru's zone for an address no one announces).
  assertEquals(
    parseTxtAnswer(answerBytes({
      id: 1,
      question: "9.9.18.198.origin.asn.lab",
      rcode: RCODE.nxDomain,
      authority: [soaRecord("asn.lab", 3600, 300)],
    }))!.negativeTtl,
    300,
  );
});

Deno.test("parsePtrAnswer: compressed names", () => {
  // Question at offset 12; the answer's owner is a pointer to it, the target "r1" + pointer
  // to the question's "18.198.in-addr.arpa" part.
  const head = answerBytes({ id: 9, question: Q });
  const msg = new Uint8Array([
    ...head,
    0xc0,
    12,
    0,
    12,
    0,
    1,
    0,
    0,
    0,
    60,
    0,
    5,
    2,
    114,
    49,
    0xc0,
    16,
  ]);
  msg[7] = 1; // one answer
  assertEquals(parsePtrAnswer(msg)!.name, "r1.18.198.in-addr.arpa");
});

Deno.test("parsePtrAnswer: malformed messages never throw", () => {
  const good = answerBytes({
    id: 1,
    question: Q,
    records: [{ owner: Q, type: 12, target: "a.lab" }],
  });
  for (let n = 0; n < good.length; n++) parsePtrAnswer(good.subarray(0, n));
  // A pointer to itself, a query (no QR), a label past the end.
  const loop = new Uint8Array([...answerBytes({ id: 1, question: Q }), 0xc0, 0]);
  loop[7] = 1;
  loop.set([0xc0, loop.length - 2], loop.length - 2);
  assertEquals(parsePtrAnswer(loop)?.name ?? null, null);
  assertEquals(parsePtrAnswer(ptrQuery(1, Q)), null);
  assertEquals(
    parsePtrAnswer(new Uint8Array([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 60, 1])),
    null,
  );
  for (let seed = 1; seed < 2000; seed++) {
    const bytes = good.slice();
    bytes[seed % bytes.length] = (seed * 7919) & 0xff;
    parsePtrAnswer(bytes);
  }
});

Deno.test("TXT: the question's type, and every TXT record of the name reached, strings joined", () => {
  const q = txtQuery(7, "AS64501.asn.lab");
  assertEquals([...q.subarray(q.length - 4)], [0, 16, 0, 1]);
  const text = (...parts: string[]) =>
    new Uint8Array(parts.flatMap((p) => {
      const bytes = new TextEncoder().encode(p);
      return [bytes.length, ...bytes];
    }));
  const a = parseTxtAnswer(answerBytes({
    id: 7,
    question: "AS64501.asn.lab",
    records: [
      { owner: "AS64501.asn.lab", type: 5, target: "alias.asn.lab" },
      {
        owner: "alias.asn.lab",
        type: 16,
        target: text("64501 | ZZ | ", "lab | 2006-01-01 | LAB-ONE"),
      },
      { owner: "other.asn.lab", type: 16, target: text("not this one") },
      // "ü" is two bytes, here split between two strings: read once joined.
      {
        owner: "alias.asn.lab",
        type: 16,
        target: new Uint8Array([
          8,
          ...new TextEncoder().encode("second ü").subarray(0, 8),
          1,
          0xbc,
        ]),
      },
      // A string that overruns its record ends the reading.
      { owner: "alias.asn.lab", type: 16, target: new Uint8Array([9, 65]) },
      { owner: "alias.asn.lab", type: 16, target: text("never read") },
    ],
  }));
  assertEquals(a?.records, ["64501 | ZZ | lab | 2006-01-01 | LAB-ONE", "second ü"]);
  assertEquals([a?.id, a?.rcode, a?.question], [7, RCODE.noError, "as64501.asn.lab"]);
});
