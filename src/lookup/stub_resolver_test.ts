import { assertEquals } from "../../tests/assert.ts";
import { soaRecord } from "../../tests/helpers/dns_answers.ts";
import { type Asked, DnsFake } from "../../tests/helpers/dns_fake.ts";
import type { ReverseConfig } from "./dns_config.ts";
import { StubResolver } from "./stub_resolver.ts";

const CONFIG: ReverseConfig = {
  sources: ["files", "dns"],
  hosts: new Map([["198.18.1.1", "from-hosts.lab"]]),
  servers: [{ address: "198.18.250.2", family: 4 }, { address: "198.18.250.3", family: 4 }],
  timeoutMs: 2000,
  attempts: 2,
  rotate: false,
};

const ptr = (name: string) => (q: Asked) => ({
  records: [{ owner: q.name, type: 12, target: name }],
});

Deno.test("StubResolver: hosts first, then a PTR question", async () => {
  const fake = new DnsFake(ptr("r2.lab"));
  const stub = new StubResolver(fake, CONFIG);
  assertEquals(await stub.reverse("198.18.1.1"), { name: "from-hosts.lab" });
  assertEquals(fake.asked.length, 0);
  assertEquals(await stub.reverse("198.18.2.2"), { name: "r2.lab" });
  assertEquals(fake.asked.map((q) => [q.server, q.name]), [[
    "198.18.250.2",
    "2.2.18.198.in-addr.arpa",
  ]]);
});

Deno.test("StubResolver: NXDOMAIN and no PTR are no name; DNS before files goes on to files", async () => {
  const fake = new DnsFake((q) => (q.name.startsWith("1.") ? { rcode: 3 } : {}));
  const stub = new StubResolver(fake, { ...CONFIG, sources: ["dns", "files"] });
  assertEquals(await stub.reverse("198.18.1.1"), { name: "from-hosts.lab" });
  assertEquals(await stub.reverse("198.18.1.3"), { none: true });
  assertEquals(await stub.reverse("198.18.1.4"), { none: true });
  assertEquals(fake.asked.length, 3); // no second server asked after a definite answer
});

Deno.test("StubResolver: no name says how long it holds where the zone's SOA says", async () => {
  const zone = "18.198.in-addr.arpa";
  const fake = new DnsFake((q) =>
    q.name.startsWith("3.")
      ? { rcode: 3, authority: [soaRecord(zone, 86400, 1800)] }
      : q.name.startsWith("4.")
      ? { authority: [soaRecord(zone, 300, 1800)] }
      : { rcode: 3 }
  );
  const stub = new StubResolver(fake, CONFIG);
  assertEquals(await stub.reverse("198.18.1.3"), { none: true, ttl: 1800 });
  assertEquals(await stub.reverse("198.18.1.4"), { none: true, ttl: 300 });
  assertEquals(await stub.reverse("198.18.1.5"), { none: true });
  // DNS first, then files that do not know it either: the zone's word stands.
  const dnsFirst = new StubResolver(fake, { ...CONFIG, sources: ["dns", "files"] });
  assertEquals(await dnsFirst.reverse("198.18.1.3"), { none: true, ttl: 1800 });
});

Deno.test("StubResolver: glibc's schedule over silent servers", async () => {
  const fake = new DnsFake(() => null);
  const stub = new StubResolver(fake, CONFIG);
  // Silence from every server is a failure (a name found before is still shown), not "no name".
  assertEquals(await stub.reverse("198.18.2.2"), { failed: "no answer from 198.18.250.3 in 2 s" });
  // Server 0 waits the timeout (2 s), server 1 timeout << 1 / 2 servers (2 s), each round.
  assertEquals(fake.asked.map((q) => [q.at, q.server]), [
    [0, "198.18.250.2"],
    [2000, "198.18.250.3"],
    [4000, "198.18.250.2"],
    [6000, "198.18.250.3"],
  ]);
  // Three servers, 5 s: 5, 10 / 3 = 3 and 20 / 3 = 6 s.
  const three = new DnsFake(() => null);
  const servers = [2, 3, 4].map((i) => ({ address: `198.18.250.${i}`, family: 4 as const }));
  await new StubResolver(three, { ...CONFIG, servers, timeoutMs: 5000, attempts: 1 })
    .reverse("198.18.2.2");
  assertEquals(three.asked.map((q) => q.at), [0, 5000, 8000]);
});

Deno.test("StubResolver: SERVFAIL moves to the next server at once; TC leaves it to getnameinfo", async () => {
  const fake = new DnsFake((q) => q.server.endsWith(".2") ? { rcode: 2 } : ptr("r2.lab")(q));
  const stub = new StubResolver(fake, CONFIG);
  assertEquals(await stub.reverse("198.18.2.2"), { name: "r2.lab" });
  assertEquals(fake.asked.map((q) => q.at), [0, 0]);
  const tc = new StubResolver(new DnsFake(() => ({ truncated: true })), CONFIG);
  assertEquals(await tc.reverse("198.18.2.2"), { system: true });
});

Deno.test("StubResolver: answers from elsewhere, or to another question, do not count", async () => {
  for (
    const wrong of [
      (q: Asked) => ({ from: "198.18.9.9", ...ptr("spoof.lab")(q) }),
      (q: Asked) => ({ question: "9.9.18.198.in-addr.arpa", ...ptr("spoof.lab")(q) }),
      (q: Asked) => ({ id: q.id ^ 1, ...ptr("spoof.lab")(q) }),
    ]
  ) {
    const fake = new DnsFake(wrong);
    assertEquals(await new StubResolver(fake, CONFIG).reverse("198.18.2.2"), {
      failed: "no answer from 198.18.250.3 in 2 s",
    });
    assertEquals(fake.asked.length, 4);
  }
});

Deno.test("StubResolver: one socket, many questions in flight, rotate, close", async () => {
  const fake = new DnsFake((
    q,
  ) => (q.name.startsWith("9.") ? null : ptr(`n${q.name.split(".")[0]}.lab`)(q)));
  const stub = new StubResolver(fake, { ...CONFIG, rotate: true });
  const names = await Promise.all([2, 3, 4, 5].map((i) => stub.reverse(`198.18.1.${i}`)));
  assertEquals(names, [2, 3, 4, 5].map((i) => ({ name: `n${i}.lab` })));
  assertEquals(fake.sockets, 1);
  assertEquals(fake.asked.map((q) => q.server.at(-1)), ["2", "3", "2", "3"]);
  assertEquals(new Set(fake.asked.map((q) => q.id)).size, 4);
  // Closed (the system's files changed): what is in flight fails, and no more is asked.
  const pending = stub.reverse("198.18.1.9");
  stub.close();
  assertEquals(await pending, { failed: "the lookups were closed" });
  const before = fake.asked.length;
  await new Promise((resolve) => setTimeout(resolve, 10));
  assertEquals(fake.asked.length, before);
});

/** TXT rdata: each text a character-string. */
const txtData = (...texts: string[]) =>
  new Uint8Array(texts.flatMap((t) => {
    const bytes = new TextEncoder().encode(t);
    return [bytes.length, ...bytes];
  }));

Deno.test("StubResolver: TXT records, none for NXDOMAIN, and a failure in words", async () => {
  const origin = "1.2.18.198.origin.asn.lab";
  const fake = new DnsFake((q) =>
    q.name === origin
      ? {
        records: [{ owner: origin, type: 16, target: txtData("64501 | 198.18.0.0/15", " | ZZ") }],
      }
      : { rcode: 3 }
  );
  const stub = new StubResolver(fake, CONFIG);
  assertEquals(await stub.txt(origin), { records: ["64501 | 198.18.0.0/15 | ZZ"] });
  assertEquals(await stub.txt("AS64501.asn.lab"), { records: [] });
  // Every server refuses: the last one's words (Deno.resolveDns would say "not found").
  const refused = new StubResolver(new DnsFake(() => ({ rcode: 5 })), CONFIG);
  assertEquals(await refused.txt(origin), { failed: "198.18.250.3 answered REFUSED" });
  const silent = new StubResolver(new DnsFake(() => null), CONFIG);
  assertEquals(await silent.txt(origin), { failed: "no answer from 198.18.250.3 in 2 s" });
  // Files play no part in TXT questions.
  assertEquals(fake.asked.length, 2);
});
