import { assertEquals } from "../../tests/assert.ts";
import { probeResult, traceStart } from "../../tests/fixtures.ts";
import { identityFields, jsonProbe, jsonRtt, traceToJson } from "./json.ts";

Deno.test("JSON round-trip times are milliseconds to the microsecond", () => {
  assertEquals(jsonRtt(0.03741700000000048), 0.037);
  assertEquals(jsonRtt(12.3456789), 12.346);
  assertEquals(jsonRtt(0), 0);
  assertEquals(jsonRtt(null), null);
  const probe = {
    ttl: 1,
    index: 0,
    address: "198.18.1.1",
    rtt: 1.0004999,
    annotation: "",
    final: false,
    icmp: { type: 11, code: 0 },
    replyTtl: 64,
    moved: false,
    reprobed: false,
    tcpFlags: null,
    extensions: null,
  };
  const document = traceToJson({
    ...traceStart(),
    hops: [{ ttl: 1, probes: [probe] }],
    reason: "max-hops",
    endedAt: "2026-11-21T00:00:01.000Z",
    statistics: { sent: 1, received: 1, matched: 1, socketErrors: 0, ignored: {} },
  });
  const text = JSON.stringify(document);
  assertEquals(text.includes('"rtt":1}') || text.includes('"rtt":1,'), true, text);
});

Deno.test("a probe's JSON has what is known of its responder, only what is known", () => {
  const base = probeResult(3, 0, { address: "198.18.3.1", rtt: 1 });
  const identity = {
    city: "Frankfurt",
    country: "DE",
    asn: 64502,
    location: { latitude: 50.1, longitude: 8.7 },
  };
  const json = jsonProbe({ ...base, identity });
  assertEquals(
    Object.keys(json).filter((k) => k in identity),
    ["asn", "country", "city", "location"],
  );
  assertEquals([json.asn, json.country, json.city, json.location], [
    64502,
    "DE",
    "Frankfurt",
    { latitude: 50.1, longitude: 8.7 },
  ]);
  assertEquals(
    JSON.stringify(jsonProbe(base)),
    JSON.stringify(jsonProbe({ ...base, identity: {} })),
  );
  assertEquals(identityFields(undefined), {});
});
