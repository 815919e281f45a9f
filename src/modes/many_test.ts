import { assertEquals, assertOk, assertRejects } from "../../tests/assert.ts";
import { FakeTransport, type HopBehaviour, type Scenario } from "../../tests/fake/transport.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { familyOf } from "../packet/address.ts";
import { OptionError, ResolveError } from "../core/errors.ts";
import type { ResolvedHost, Resolver } from "../lookup/resolver.ts";
import type { Family } from "../packet/address.ts";
import {
  type ManyOptions,
  type ManyResult,
  type ManySummary,
  MAX_PARALLEL,
  traceMany,
} from "./many.ts";
import { parseTargets, type TargetEntry } from "./targets.ts";

// One network, several destinations behind a shared first hop.
const R1 = "198.18.1.1";
const PATHS: Record<string, HopBehaviour[]> = {
  "198.18.9.9": [{ address: R1 }, { address: "198.18.9.9", rtt: 3 }],
  "198.18.8.8": [{ address: R1 }, { address: null }, { address: "198.18.8.8", rtt: 2 }],
  "198.18.7.7": [{ address: R1 }, { address: "198.18.5.5" }, { address: "198.18.7.7" }],
  // Its second hop says the host is unreachable (!H): traced, not reached.
  "198.18.6.6": [{ address: R1 }, { address: "198.18.2.2", icmp: { type: 3, code: 1 } }],
};
const NAMES: Record<string, string[]> = { "nine.lab": ["198.18.9.9"], "seven.lab": ["198.18.7.7"] };
const UNREACHABLE = new Set(["198.18.6.6"]);

function network(options: { sendLaterDelay?: number } = {}): FakeTransport {
  const { "198.18.9.9": first, ...routes } = PATHS;
  const scenario: Scenario = {
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: first!,
    routes,
  };
  return new FakeTransport(scenario, options);
}

/** The address a listed host stands for on the fake network. */
const addressOf = (host: string) => familyOf(host) ? host : NAMES[host]![0]!;

/** What a trace to `host` must find: each hop's responder, once per query. */
function expectedHops(host: string, queries: number): Array<Array<string | null>> {
  return PATHS[addressOf(host)]!.map((hop) => Array<string | null>(queries).fill(hop.address));
}

const addresses = (r: ManyResult) => r.trace!.hops.map((h) => h.probes.map((p) => p.address));

/** Every result, then the summary; `between` runs after each result (a slow consumer). */
async function collect(
  it: AsyncGenerator<ManyResult, ManySummary>,
  between?: (r: ManyResult) => Promise<void> | void,
): Promise<{ results: ManyResult[]; summary: ManySummary }> {
  const results: ManyResult[] = [];
  for (;;) {
    const step = await it.next();
    if (step.done) return { results, summary: step.value };
    results.push(step.value);
    await between?.(step.value);
  }
}

/** `work`, or a failure after `ms` (so that a hang fails the test instead of the suite). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What an abort while the second of `hosts` is under way leaves: the first
 * target's result alone, the third never started, and every socket closed.
 */
function assertStoppedAtSecond(
  run: { results: ManyResult[]; summary: ManySummary },
  fake: FakeTransport,
  hosts: readonly string[],
): void {
  assertEquals(run.results.map((r) => r.entry.host), [hosts[0]]);
  assertEquals(run.summary.aborted, true);
  assertEquals(run.summary.traced, 1);
  assertEquals(run.summary.failed, 0);
  // The third target was never started.
  assertOk(!fake.sent.some((p) => p.destination === hosts[2]));
  // The trace under way let its sockets go.
  assertEquals(fake.openSockets(), 0);
}

const byIndex = (results: ManyResult[]) =>
  [...results].sort((a, b) => a.entry.index - b.entry.index);

for (const method of ["icmp", "default"] as const) {
  Deno.test(`${method}: every target is traced to its own hops, with its entry`, async () => {
    const fake = network();
    const list = parseTargets("nine.lab\n# a comment\n198.18.8.8\nseven.lab # named\n198.18.6.6\n");
    assertEquals(list.errors, []);
    const { results, summary } = await within(
      5000,
      collect(traceMany(list.targets, {
        method,
        transport: fake,
        resolver: new TableResolver(NAMES),
        maxHops: 6,
      })),
    );
    assertEquals(results.length, list.targets.length);
    // Each entry comes back once, as listed.
    assertEquals(byIndex(results).map((r) => r.entry), list.targets);
    for (const r of results) {
      assertEquals(r.error, null, r.entry.host);
      assertEquals(r.events, null);
      assertOk(r.trace);
      assertEquals(r.trace.target.host, r.entry.host);
      assertEquals(r.trace.target.address, addressOf(r.entry.host));
      assertEquals(addresses(r), expectedHops(r.entry.host, 3), r.entry.host);
      const unreachable = UNREACHABLE.has(addressOf(r.entry.host));
      assertEquals(r.trace.reason, unreachable ? "unreachable" : "reached", r.entry.host);
    }
    const sent = results.reduce((n, r) => n + r.trace!.statistics.sent, 0);
    assertEquals(summary.targets, list.targets.length);
    assertEquals(summary.traced, list.targets.length);
    assertEquals(summary.reached, list.targets.length - UNREACHABLE.size);
    assertEquals(summary.failed, 0);
    assertEquals(summary.probes, sent);
    // What the traces count is what the network saw.
    assertEquals(summary.probes, fake.sent.length);
    assertEquals(summary.aborted, false);
    // Every probe went to one of the listed targets.
    const listed = new Set(list.targets.map((t) => addressOf(t.host)));
    for (const p of fake.sent) assertOk(listed.has(p.destination), p.destination);
    assertEquals(fake.openSockets(), 0);
  });
}

Deno.test("icmp shares one socket per family; the default method opens sockets per target", async () => {
  const hosts = ["198.18.9.9", "198.18.8.8", "198.18.7.7"];
  const opened: Record<string, number> = {};
  for (const method of ["icmp", "default"] as const) {
    const fake = network();
    const { summary } = await within(
      5000,
      collect(traceMany(hosts, { method, transport: fake, resolver: new TableResolver() })),
    );
    assertEquals(summary.traced, hosts.length);
    opened[method] = fake.opened.length;
    assertEquals(fake.openSockets(), 0);
  }
  // One shared socket for IPv4, one for IPv6, whatever the number of targets.
  assertEquals(opened.icmp, 2);
  assertOk(opened.default! > hosts.length, `default opened ${opened.default}`);
});

Deno.test("sends queued on a sending thread that is behind: round trips from when they left", async () => {
  const hosts = ["198.18.9.9", "198.18.8.8", "198.18.7.7"];
  const rtts = async (fake: FakeTransport) => {
    const { results } = await within(
      5000,
      collect(traceMany(hosts, { method: "icmp", transport: fake, resolver: new TableResolver() })),
    );
    return byIndex(results).map((r) => r.trace!.hops.map((h) => h.probes.map((p) => p.rtt)));
  };
  const atOnce = network();
  const behind = network({ sendLaterDelay: 3 });
  const expected = await rtts(atOnce);
  assertEquals(await rtts(behind), expected);
  // The probes did leave 3 ms after they were queued: every send of the run that queued them
  // came later on the clock than in the run that sent at once.
  assertEquals(behind.sent.length, atOnce.sent.length);
  assertOk(behind.sent.every((s, i) => s.at >= atOnce.sent[i]!.at + 3), "sends were not delayed");
});

Deno.test("plain strings get an entry of their place in the list, lines from 1", async () => {
  const hosts = ["198.18.9.9", "seven.lab", "198.18.8.8"];
  const { results } = await within(
    5000,
    collect(traceMany(hosts, {
      method: "icmp",
      transport: network(),
      resolver: new TableResolver(NAMES),
    })),
  );
  assertEquals(
    byIndex(results).map((r) => r.entry),
    hosts.map((host, index) => ({ index, line: index + 1, host })),
  );
});

Deno.test("a target that does not resolve is a result with its error; the others are traced", async () => {
  for (const method of ["icmp", "default"] as const) {
    const fake = network();
    const hosts = ["nine.lab", "nowhere.lab", "198.18.8.8"];
    const { results, summary } = await within(
      5000,
      collect(traceMany(hosts, { method, transport: fake, resolver: new TableResolver(NAMES) })),
    );
    const sorted = byIndex(results);
    assertEquals(sorted.map((r) => r.entry.host), hosts);
    const failed = sorted[1]!;
    assertEquals(failed.trace, null);
    assertEquals(failed.events, null);
    assertOk(failed.error instanceof ResolveError, String(failed.error));
    for (const r of [sorted[0]!, sorted[2]!]) {
      assertEquals(r.error, null);
      assertEquals(addresses(r), expectedHops(r.entry.host, 3));
    }
    assertEquals(summary.targets, 3);
    assertEquals(summary.traced, 2);
    assertEquals(summary.reached, 2);
    assertEquals(summary.failed, 1);
    assertEquals(
      summary.probes,
      sorted[0]!.trace!.statistics.sent + sorted[2]!.trace!.statistics.sent,
    );
    assertEquals(summary.probes, fake.sent.length);
    assertEquals(summary.aborted, false);
    assertEquals(fake.openSockets(), 0);
  }
});

Deno.test("an empty list: no results, a summary of nothing", async () => {
  const fake = network();
  const { results, summary } = await within(
    5000,
    collect(traceMany([], { method: "icmp", transport: fake, resolver: new TableResolver() })),
  );
  assertEquals(results, []);
  assertEquals([summary.targets, summary.traced, summary.failed, summary.probes], [0, 0, 0, 0]);
  assertEquals(fake.sent, []);
  assertEquals(fake.openSockets(), 0);
});

Deno.test("events: true keeps each trace's events in print order", async () => {
  const { results } = await within(
    5000,
    collect(traceMany(["198.18.9.9", "198.18.8.8"], {
      method: "icmp",
      transport: network(),
      resolver: new TableResolver(),
      events: true,
    })),
  );
  for (const r of results) {
    const events = r.events!;
    assertEquals(events[0]!.type, "start");
    assertEquals(events.at(-1), {
      type: "end",
      reason: r.trace!.reason,
      endedAt: r.trace!.endedAt,
      statistics: r.trace!.statistics,
    });
    const hops = events.flatMap((e) => e.type === "hop" ? [e.hop] : []);
    assertEquals(hops, r.trace!.hops);
    assertEquals(events.filter((e) => e.type === "probe").length, r.trace!.hops.length * 3);
  }
});

Deno.test("parallel 1: one trace at a time, in list order", async () => {
  const fake = network();
  const hosts = ["198.18.9.9", "198.18.8.8", "198.18.7.7", "198.18.6.6"];
  const { results } = await within(
    5000,
    collect(traceMany(hosts, {
      transport: fake,
      resolver: new TableResolver(),
      parallel: 1,
      rate: 0,
    })),
  );
  assertEquals(results.map((r) => r.entry.host), hosts);
  // The probes on the wire come in one run per target, in list order.
  const runs = fake.sent.map((p) => p.destination).filter((d, i, all) => d !== all[i - 1]);
  assertEquals(runs, hosts);
});

Deno.test("rate: probes of all the traces together are spaced by 1000/rate ms of the fake clock", async () => {
  for (const rate of [100, 40]) {
    const fake = network();
    await within(
      5000,
      collect(traceMany(["198.18.9.9", "198.18.8.8", "198.18.7.7"], {
        method: "icmp",
        transport: fake,
        resolver: new TableResolver(),
        rate,
      })),
    );
    assertOk(fake.sent.length > 3);
    const gaps = fake.sent.slice(1).map((p, i) => p.at - fake.sent[i]!.at);
    // A rate under 100 a second allows a burst of one: no two probes closer than the interval.
    assertOk(Math.min(...gaps) >= 1000 / rate, `gaps ${gaps} at rate ${rate}`);
  }
});

Deno.test("parallel and rate are checked before anything is opened or sent", async () => {
  const bad: Array<[Partial<ManyOptions>, string]> = [
    [{ parallel: 0 }, '"parallel"'],
    [{ parallel: MAX_PARALLEL + 1 }, '"parallel"'],
    [{ parallel: 1.5 }, '"parallel"'],
    [{ parallel: -1 }, '"parallel"'],
    [{ parallel: NaN }, '"parallel"'],
    [{ rate: -1 }, '"rate"'],
    [{ rate: NaN }, '"rate"'],
    [{ rate: Infinity }, '"rate"'],
  ];
  assertEquals(MAX_PARALLEL, 4096);
  for (const [options, name] of bad) {
    const fake = network();
    await assertRejects(
      () =>
        traceMany(["198.18.9.9"], {
          ...options,
          method: "icmp",
          transport: fake,
          resolver: new TableResolver(),
        }).next(),
      OptionError,
      name,
    );
    assertEquals(fake.opened.length, 0, JSON.stringify(options));
    assertEquals(fake.sent.length, 0);
  }
});

Deno.test("parallel at its bounds and rate 0 are accepted", async () => {
  for (const options of [{ parallel: 1 }, { parallel: MAX_PARALLEL }, { rate: 0 }]) {
    const fake = network();
    const { summary } = await within(
      5000,
      collect(traceMany(["198.18.9.9", "198.18.8.8"], {
        ...options,
        transport: fake,
        resolver: new TableResolver(),
      })),
    );
    assertEquals(summary.traced, 2, JSON.stringify(options));
    assertEquals(summary.parallel, options.parallel ?? 64);
    assertEquals(summary.parallelNote, null);
  }
});

Deno.test("a shared ICMP socket caps parallel so that sequence numbers stay distinct", async () => {
  const { summary } = await within(
    5000,
    collect(traceMany(["198.18.9.9"], {
      method: "icmp",
      transport: network(),
      resolver: new TableResolver(),
      parallel: MAX_PARALLEL,
      simultaneous: 16,
    })),
  );
  assertEquals(summary.parallel, Math.floor(65000 / 16));
  assertOk(summary.parallelNote?.includes(`${Math.floor(65000 / 16)} targets at once`));
});

Deno.test("without a shared socket, parallel is sized to the descriptor limit", async () => {
  class Limited extends FakeTransport {
    asked: number[] = [];
    descriptorLimit(want: number): number {
      this.asked.push(want);
      return 64 + 2 * (32 + 4);
    }
  }
  const { "198.18.9.9": hops, ...routes } = PATHS;
  const fake = new Limited({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: hops!,
    routes,
  });
  const { summary } = await within(
    5000,
    collect(traceMany(["198.18.9.9", "198.18.8.8", "198.18.7.7"], {
      transport: fake,
      resolver: new TableResolver(),
      parallel: 10,
    })),
  );
  // 32 probes in flight and 4 more descriptors a target, beside a reserve of 64.
  assertEquals(fake.asked, [64 + 10 * (32 + 4)]);
  assertEquals(summary.parallel, 2);
  assertOk(summary.parallelNote?.includes("2 at once"), summary.parallelNote ?? "no note");
  assertEquals(summary.traced, 3);
});

Deno.test("an aborted signal before the start: nothing traced, aborted", async () => {
  const fake = network();
  const stop = new AbortController();
  stop.abort();
  const { results, summary } = await within(
    5000,
    collect(traceMany(["198.18.9.9", "198.18.8.8"], {
      method: "icmp",
      transport: fake,
      resolver: new TableResolver(),
      signal: stop.signal,
    })),
  );
  assertEquals(results, []);
  assertEquals(summary.aborted, true);
  assertEquals(summary.traced, 0);
  assertEquals(fake.sent, []);
  assertEquals(fake.openSockets(), 0);
});

for (const method of ["icmp", "default"] as const) {
  Deno.test(`${method}: an abort during a trace stops the run; that trace is not yielded`, async () => {
    const fake = network();
    const hosts = ["198.18.9.9", "198.18.8.8", "198.18.7.7"];
    const stop = new AbortController();
    // Abort once the second target's first probe is on the wire.
    fake.onWait = () => {
      if (fake.sent.some((p) => p.destination === hosts[1])) stop.abort();
    };
    const run = await within(
      5000,
      collect(traceMany(hosts, {
        method,
        transport: fake,
        resolver: new TableResolver(),
        parallel: 1,
        signal: stop.signal,
      })),
    );
    assertOk(stop.signal.aborted);
    assertStoppedAtSecond(run, fake, hosts);
  });

  Deno.test(`${method}: an abort by the consumer after a result yields nothing more`, async () => {
    const fake = network();
    const hosts = ["198.18.9.9", "198.18.8.8", "198.18.7.7", "198.18.6.6"];
    const stop = new AbortController();
    const run = await within(
      5000,
      collect(
        traceMany(hosts, {
          method,
          transport: fake,
          resolver: new TableResolver(),
          // The next target starts as the first is yielded: it is under way at the abort.
          parallel: 1,
          signal: stop.signal,
        }),
        () => stop.abort(),
      ),
    );
    assertStoppedAtSecond(run, fake, hosts);
  });
}

for (const method of ["icmp", "default"] as const) {
  Deno.test(`${method}: an abort while a target resolves ends the run`, async () => {
    const stop = new AbortController();
    const table = new TableResolver(NAMES);
    // Takes a while over "seven.lab" (no trace is probing meanwhile), is
    // interrupted during it, then answers.
    const resolver: Resolver = {
      async lookupHost(host: string, family: Family | 0): Promise<ResolvedHost> {
        if (host === "seven.lab") {
          await new Promise((resolve) => setTimeout(resolve, 0));
          stop.abort();
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return await table.lookupHost(host, family);
      },
      reverse: (address) => table.reverse(address),
    };
    const fake = network();
    const hosts = ["198.18.9.9", "seven.lab", "198.18.8.8"];
    const { results, summary } = await within(
      5000,
      collect(traceMany(hosts, {
        method,
        transport: fake,
        resolver,
        parallel: 1,
        signal: stop.signal,
      })),
    );
    assertEquals(results.map((r) => r.entry.host), [hosts[0]]);
    assertEquals(summary.aborted, true);
    assertEquals(summary.traced, 1);
    const later = new Set([addressOf(hosts[1]!), hosts[2]]);
    assertOk(!fake.sent.some((p) => later.has(p.destination)));
    assertEquals(fake.openSockets(), 0);
  });
}

// Regression: a trace that ended while the generator was suspended at a yield
// (the consumer busy with the previous result) woke no one, and the loop then
// waited forever with targets not yet started.
const slowConsumers: Array<[string, () => Promise<void>]> = [
  ["a timer", () => new Promise((resolve) => setTimeout(resolve, 0))],
  ["many microtasks", async () => {
    for (let i = 0; i < 200; i++) await Promise.resolve();
  }],
];
for (const [what, slow] of slowConsumers) {
  for (const method of ["icmp", "default"] as const) {
    for (const parallel of [1, 2]) {
      Deno.test(`${method}, parallel ${parallel}: a consumer that awaits ${what} between results gets every target`, async () => {
        const fake = network();
        const hosts = [
          "198.18.9.9",
          "198.18.8.8",
          "198.18.7.7",
          "198.18.6.6",
          "nine.lab",
          "seven.lab",
        ];
        const { results, summary } = await within(
          5000,
          collect(
            traceMany(hosts, {
              method,
              transport: fake,
              resolver: new TableResolver(NAMES),
              parallel,
            }),
            slow,
          ),
        );
        assertEquals(
          byIndex(results).map((r) => r.entry),
          hosts.map((host, index) => ({ index, line: index + 1, host })),
        );
        for (const r of results) assertEquals(addresses(r), expectedHops(r.entry.host, 3));
        assertEquals(summary.traced, hosts.length);
        assertEquals(summary.aborted, false);
        assertEquals(fake.openSockets(), 0);
      });
    }
  }
}

Deno.test("targets given as entries keep their index and line through the run", async () => {
  const entries: TargetEntry[] = [
    { index: 0, line: 3, host: "198.18.9.9" },
    { index: 1, line: 7, host: "198.18.4.1" }, // no route: every probe unanswered
    { index: 2, line: 7, host: "198.18.4.2" },
  ];
  const { results, summary } = await within(
    5000,
    collect(traceMany(entries, {
      method: "icmp",
      transport: network(),
      resolver: new TableResolver(),
      maxHops: 3,
    })),
  );
  assertEquals(byIndex(results).map((r) => r.entry), entries);
  for (const r of results.filter((r) => r.entry.index > 0)) {
    assertEquals(r.trace!.reason, "max-hops");
    assertEquals(addresses(r), [[null, null, null], [null, null, null], [null, null, null]]);
  }
  assertEquals(summary.traced, 3);
  assertEquals(summary.reached, 1);
});

/** A resolver whose reverse lookups of `slow` addresses wait for `gate`; the others answer `r-<address>`. */
function gatedResolver(slow: ReadonlySet<string>, gate: Promise<void>): Resolver {
  const table = new TableResolver(NAMES);
  return {
    lookupHost: (host, family) => table.lookupHost(host, family),
    async reverse(address) {
      if (slow.has(address)) await gate;
      return `r-${address}`;
    },
  };
}

const names = (r: ManyResult) => r.trace!.hops.map((h) => h.probes.map((p) => p.name));

Deno.test("a trace waiting for its names gives its place to the next target", async () => {
  const fake = network();
  const hosts = ["198.18.9.9", "198.18.7.7", "198.18.6.6"];
  const gate = Promise.withResolvers<void>();
  // The names of the destinations come only once every target was probed: with
  // one target at a time, the run goes on only if a trace waiting for names holds no place.
  fake.onWait = () => {
    if (hosts.every((h) => fake.sent.some((p) => p.destination === h))) gate.resolve();
  };
  const { results, summary } = await within(
    3000,
    collect(traceMany(hosts, {
      method: "icmp",
      transport: fake,
      resolver: gatedResolver(new Set(hosts), gate.promise),
      parallel: 1,
    })),
  );
  assertEquals(summary.traced, 3);
  for (const r of results) {
    const expected = expectedHops(r.entry.host, 3).map((hop) =>
      hop.map((a) => a === null ? null : `r-${a}`)
    );
    assertEquals(names(r), expected, r.entry.host);
  }
});

Deno.test("an abort while traces wait for their names yields them at once, with the names known", async () => {
  const fake = network();
  const hosts = ["198.18.9.9", "198.18.7.7"];
  const stop = new AbortController();
  const asked = new Set<string>();
  const never = new Promise<void>(() => {});
  const resolver = gatedResolver(new Set(hosts), never);
  const reverse = resolver.reverse;
  // Both traces reach their destination, whose names never come; then the run is stopped.
  resolver.reverse = (address) => {
    asked.add(address);
    if (hosts.every((h) => asked.has(h))) setTimeout(() => stop.abort(), 0);
    return reverse(address);
  };
  // Within 3 s: well before the names' 5 s deadline.
  const { results, summary } = await within(
    3000,
    collect(traceMany(hosts, {
      method: "icmp",
      transport: fake,
      resolver,
      parallel: 2,
      signal: stop.signal,
    })),
  );
  assertEquals(summary.aborted, true);
  assertEquals(byIndex(results).map((r) => r.entry.host), hosts);
  for (const r of results) {
    const expected = expectedHops(r.entry.host, 3).map((hop) =>
      hop.map((a) => a === null || hosts.includes(a) ? null : `r-${a}`)
    );
    assertEquals(names(r), expected, r.entry.host);
  }
});
