/**
 * Structured output carries the facts of the classic text: traces over the
 * fake network are formatted as classic text, and again from their --json
 * document and their --ndjson lines turned back into events; the texts must
 * be the same. Every field the JSON uses is documented in docs/output.md's
 * JSON section.
 */
import { assertEquals, assertOk } from "./assert.ts";
import {
  ClassicFormatter,
  JSON_SCHEMA,
  JsonFormatter,
  type JsonProbe,
  NDJSON_SCHEMA,
  NdjsonFormatter,
  type ProbeResult,
  trace,
  type TraceEvent,
} from "../mod.ts";
import { FakeTransport, type Scenario } from "./fake/transport.ts";
import { TableResolver } from "./fake/resolver.ts";

const T = "198.18.9.9";
const networks: Array<[string, Scenario, Record<string, unknown>]> = [
  ["chain with names", {
    family: 4,
    source: "198.18.0.2",
    target: T,
    hops: [{ address: "198.18.1.1", rtt: 1.25 }, { address: null }, { address: T, rtt: 3.5 }],
  }, {}],
  ["load balancing, a lost probe, !H", {
    family: 4,
    source: "198.18.0.2",
    target: T,
    hops: [
      { address: null, addresses: ["198.18.1.1", null, "198.18.4.1"], rtt: 0.123456 },
      { address: "198.18.2.1", rtt: 2, icmp: { type: 3, code: 1 } },
    ],
  }, { resolveNames: false }],
  ["IPv6, icmp", {
    family: 6,
    source: "2001:db8::2",
    target: "2001:db8:9::9",
    hops: [{ address: "2001:db8:1::1", rtt: 1 }, { address: "2001:db8:9::9", rtt: 2 }],
  }, { method: "icmp" }],
];

function probeFromJson(ttl: number, p: JsonProbe): ProbeResult {
  return {
    ttl,
    index: p.index,
    address: p.address,
    ...(p.name !== undefined ? { name: p.name } : {}),
    rtt: p.rtt,
    annotation: p.annotation,
    final: p.final,
    icmp: p.icmp,
    replyTtl: p.replyTtl,
    tcpFlags: p.tcpFlags,
    extensions:
      p.extensions?.map(({ classNumber, cType, words }) => ({ classNumber, cType, words })) ??
        null,
    ...(p.asPath !== undefined ? { asPath: p.asPath } : {}),
    moved: p.moved,
    reprobed: p.reprobed,
  };
}

async function collect(
  scenario: Scenario,
  options: Record<string, unknown>,
): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  const resolver = new TableResolver({}, { "198.18.1.1": "r1.lab" });
  for await (
    const e of trace(scenario.target, {
      transport: new FakeTransport(scenario),
      resolver,
      ...options,
    })
  ) {
    events.push(e);
  }
  return events;
}

const classic = (events: TraceEvent[]) => {
  const f = new ClassicFormatter();
  return events.map((e) => f.format(e)).join("");
};

for (const [name, scenario, options] of networks) {
  Deno.test(`--json and --ndjson carry what the classic text shows: ${name}`, async () => {
    const events = await collect(scenario, options);
    const text = classic(events);

    const json = new JsonFormatter();
    const document = JSON.parse(events.map((e) => json.format(e)).join(""));
    assertEquals(document.schema, JSON_SCHEMA);
    const rebuilt: TraceEvent[] = [{ type: "start", ...document }];
    for (const hop of document.hops) {
      for (const p of hop.probes) rebuilt.push({ type: "probe", probe: probeFromJson(hop.ttl, p) });
    }
    rebuilt.push({
      type: "end",
      reason: document.reason,
      endedAt: document.endedAt,
      statistics: document.statistics,
    });
    assertEquals(classic(rebuilt), text);

    const ndjson = new NdjsonFormatter();
    const lines = events.map((e) => ndjson.format(e));
    assertOk(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n")));
    const parsed = lines.map((l) => JSON.parse(l));
    assertEquals(parsed[0].schema, NDJSON_SCHEMA);
    assertEquals(parsed.map((l) => l.type), events.map((e) => e.type));
    const fromLines: TraceEvent[] = parsed.map((l) =>
      l.type === "probe" ? { type: "probe", probe: probeFromJson(l.ttl, l.probe) } : l
    );
    assertEquals(classic(fromLines), text);
  });
}

Deno.test("docs/output.md documents every field of the JSON", async () => {
  const page = await Deno.readTextFile(new URL("../docs/output.md", import.meta.url));
  // The "## JSON" section alone (the trace's schema), up to the next "## "
  // heading: a field dropped from it cannot be found on another page or in
  // another mode's schema.
  const start = page.indexOf("\n## JSON\n");
  assertOk(start !== -1, 'docs/output.md has a "## JSON" section');
  const end = page.indexOf("\n## ", start + 1);
  const section = page.slice(start, end === -1 ? undefined : end);
  assertOk(section.length > 100, 'docs/output.md\'s "## JSON" section has the field documentation');
  const keys = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        keys.add(k);
        walk(v);
      }
    }
  };
  const events = await collect({
    family: 4,
    source: "198.18.0.2",
    target: T,
    hops: [{ address: "198.18.1.1", rtt: 1 }, { address: T, rtt: 2 }],
  }, {});
  const json = new JsonFormatter();
  walk(JSON.parse(events.map((e) => json.format(e)).join("")));
  const ndjson = new NdjsonFormatter();
  events.forEach((e) => walk(JSON.parse(ndjson.format(e))));
  // Fields that only some replies have.
  for (
    const k of [
      "classNumber",
      "cType",
      "words",
      "mpls",
      "label",
      "exp",
      "bottom",
      "asPath",
      "type",
      "code",
      // What --as-source and --geoip learn, where known.
      "asn",
      "asName",
      "prefix",
      "country",
      "city",
      "location",
      "latitude",
      "longitude",
      "accuracyKm",
    ]
  ) {
    keys.add(k);
  }
  const missing = [...keys].filter((k) => !section.includes(`\`${k}\``));
  assertEquals(missing, [], "fields missing from docs/output.md's JSON section");
});
