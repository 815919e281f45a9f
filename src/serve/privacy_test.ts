/**
 * The service with `--privacy 2`, over the fake network: two targets whose
 * paths share hop 1, each hop named. No answer of the service (`/metrics`,
 * `/api/targets`, `/api/report`, `/api/events`, `/`, a target's page,
 * `/probe`) holds a hidden hop's address or name or the source address
 * (nor the down reason of a third target, which names the source);
 * hop 3 is shown with its name; the hidden hops' series keep their labels
 * from scrape to scrape, and hop 1, shared, has one label for both.
 */
import { assertEquals, assertOk } from "../../tests/assert.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { threeRouters } from "../../tests/fake/paths.ts";
import { parseAllowRule } from "./allow.ts";
import { Service } from "./service.ts";

const SOURCE = threeRouters().source;
/** What must never be served: hops 1 and 2 of both paths, their names, the source. */
const SECRET = [
  ...["198.18.1.1", "198.18.2.1", "198.18.2.2", "198.18.2.3", "r1.lab", "r2.lab", "r2b.lab"],
  SOURCE,
];

/** Two targets three hops away; hop 1 is the same router, hop 2 is not. */
function network(): FakeTransport {
  return new FakeTransport({
    ...threeRouters(),
    routes: {
      "198.18.8.8": [
        { address: "198.18.1.1", rtt: 1 },
        { address: "198.18.2.2", rtt: 2 },
        { address: "198.18.3.2", rtt: 3 },
        { address: "198.18.8.8", rtt: 4 },
      ],
    },
  }, { concurrent: true });
}

const NAMES = {
  "198.18.1.1": "r1.lab",
  "198.18.2.1": "r2.lab",
  "198.18.2.2": "r2b.lab",
  "198.18.3.1": "r3.lab",
  "198.18.3.2": "r3b.lab",
};

/** The `hopwise_hop_address_info` lines of a scrape, sorted. */
function addressInfo(metrics: string): string[] {
  return metrics.split("\n").filter((l) => l.startsWith("hopwise_hop_address_info{")).sort();
}

/** A stream that never ends (`/api/events`), read until it holds `until` (or 3 s have passed). */
async function readUntil(response: Response, until: string): Promise<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => reader.cancel(), 3000);
  let text = "";
  try {
    while (!text.includes(until)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel();
  }
  return text;
}

Deno.test("--serve --privacy 2: nothing served holds the first two hops or the source; labels stay", async () => {
  const fake = network();
  const service = await Service.start({
    listen: { hostname: "127.0.0.1", port: 0 },
    // The third cannot start from an IPv4 source: its down reason names the source.
    targets: [{ host: "198.18.9.9" }, { host: "198.18.8.8", labels: { site: "b" } }, {
      host: "2001:db8::9",
    }],
    watch: { interval: 50, rate: 0, method: "icmp", source: SOURCE },
    // A window a second: the figures are drawn anew at its end, names and all (not 5 s later).
    window: 1000,
    version: "test",
    probe: { allow: [parseAllowRule("198.18.0.0/15")], maxConcurrent: 1 },
    transport: fake,
    resolver: new TableResolver({}, NAMES),
    privacy: 2,
  });
  const base = `http://127.0.0.1:${service.address.port}`;
  const get = async (path: string) => {
    const response = await fetch(base + path);
    const body = path === "/api/events"
      ? await readUntil(response, '"path-change"')
      : await response.text();
    assertEquals(response.status, 200, `${path}: ${body}`);
    const leaked = SECRET.filter((s) => body.includes(s));
    assertEquals(leaked, [], `${path} serves what --privacy hides:\n${body}`);
    return body;
  };
  try {
    // Until both targets' hop 3 is named: every lookup of the first cycles is in.
    let first = "";
    for (let i = 0; i < 200; i++) {
      first = await get("/metrics");
      if (first.includes('name="r3.lab"') && first.includes('name="r3b.lab"')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const info = addressInfo(first);
    const of = (target: string, ttl: number) =>
      info.filter((l) => l.includes(`target="${target}"`) && l.includes(`ttl="${ttl}"`))
        .map((l) => l.match(/address="([^"]*)",name="([^"]*)"/)?.slice(1));
    assertEquals(of("198.18.9.9", 3), [["198.18.3.1", "r3.lab"]], first);
    // Hop 1 is one router: one label for both targets; hop 2 is two: two labels. No names.
    const hidden = [1, 2].map((ttl) => [of("198.18.9.9", ttl), of("198.18.8.8", ttl)]);
    assertEquals(hidden[0]![0], hidden[0]![1]);
    assertEquals(hidden[0]![0]!.length, 1);
    assertOk(/^hidden-\d+$/.test(hidden[0]![0]![0]![0]!), info.join("\n"));
    assertEquals(hidden.flat(2).map((a) => a![1]), ["", "", "", ""]);
    assertEquals(new Set(hidden.flat(2).map((a) => a![0])).size, 3, info.join("\n"));
    assertEquals(new Set(hidden[1]!.flat().map((a) => a![0])), new Set(["hidden-2", "hidden-2b"]));
    // More cycles, one more scrape: the same series.
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(addressInfo(await get("/metrics")), info);

    const report = JSON.parse(await get("/api/report?target=198.18.9.9"));
    assertEquals(report.settings.source, "hidden");
    const targets = JSON.parse(await get("/api/targets")).targets;
    assertEquals(targets.length, 3);
    const down = targets.find((t: { target: string }) => t.target === "2001:db8::9");
    assertOk(
      down?.state === "down" && /source" hidden is not/.test(down.reason),
      JSON.stringify(down),
    );
    const page = await get(`/target?name=198.18.9.9`);
    assertOk(page.includes("hidden-") && page.includes("r3.lab"), "the target's page");
    // Its charts go on from cycle to cycle (the hidden start is one object while the watch is one).
    assertOk(/the latest ([2-9]|\d\d+) cycles settled/.test(page), "the charts keep their cycles");
    const overview = await get("/");
    assertOk(overview.includes("hidden-") && overview.includes("r3b.lab"), "the overview");
    // Hop 2 of the first path moves: the event names the new router by a new label.
    fake.scenario.hops[1]!.address = "198.18.2.3";
    const events = (await get("/api/events")).trim().split("\n").map((l) => JSON.parse(l));
    const moved = events.filter((e) => e.type === "path-change");
    assertEquals(moved.map((e) => [e.target, e.ttl]), [["198.18.9.9", 2]], JSON.stringify(events));
    // Named for the hop where it was first met: the third there.
    assertEquals(moved[0].address, "hidden-2c");
    assertOk(!hidden.flat(2).some((a) => a![0] === moved[0].address));
    // A probe's hop 1 is the service's: the same label.
    const probe = addressInfo(await get("/probe?target=198.18.9.9&cycles=2"));
    assertOk(probe.some((l) => l.includes(`address="${hidden[0]![0]![0]![0]}"`)), probe.join("\n"));
  } finally {
    await service.close();
  }
});
