import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport, type Scenario } from "../../tests/fake/transport.ts";
import { OptionError, ResolveError } from "../core/errors.ts";
import { resolveRunConfig } from "../config/run_config.ts";
import { RunSequence } from "./run.ts";
import { traceStart } from "./start.ts";

const SCENARIO: Scenario = {
  family: 4,
  source: "198.18.0.2",
  target: "198.18.9.9",
  hops: [{ address: "198.18.1.1", rtt: 1 }, { address: "198.18.9.9", rtt: 2 }],
};

/** A fake network whose process holds privileges until it drops them, counting drops. */
class PrivilegedFake extends FakeTransport {
  drops = 0;
  readonly #privileged: boolean;
  constructor(privileged: boolean) {
    super(SCENARIO);
    this.#privileged = privileged;
  }
  privileged(): boolean {
    return this.#privileged && this.drops === 0;
  }
  dropPrivileges(): number {
    this.drops++;
    return 65534;
  }
}

function network(privileged: boolean) {
  const fake = new PrivilegedFake(privileged);
  return { fake, drops: () => fake.drops };
}

Deno.test("run sequence: resolve once, open, settle privileges once, close every socket once", async () => {
  const { fake, drops } = network(true);
  const resolver = new TableResolver({ "dst.lab": ["198.18.9.9"] });
  const sequence = new RunSequence({ transport: fake, resolver });
  const target = await sequence.resolve("dst.lab", 0);
  assertEquals(target, { host: "dst.lab", address: "198.18.9.9", family: 4 });
  const config = await resolveRunConfig({ method: "icmp", dropPrivileges: true });
  const first = await sequence.open(target, config);
  const second = await sequence.open(target, await resolveRunConfig({ method: "udp" }));
  assertEquals(fake.opened.length >= 1, true); // the ICMP socket, at least
  assertEquals(sequence.settlePrivileges(true), { state: "dropped", uid: 65534 });
  assertEquals(drops(), 1);
  // Privileges are settled once a run.
  let twice = false;
  try {
    sequence.settlePrivileges(true);
  } catch {
    twice = true;
  }
  assertEquals(twice, true);
  // The start event comes from the configuration: the effective timing included.
  const start = traceStart(target, first, sequence.privileges.state);
  assertEquals(start.settings.timing, config.timing.timing);
  assertEquals(start.settings.simultaneous, config.timing.simultaneous);
  assertEquals(start.settings.privileges, "dropped");
  assertEquals(second.config.method.name, "udp");
  await sequence.close();
  await sequence.close(); // closing twice does nothing
  assertEquals(fake.opened.filter((s) => !s.closed).length, 0);
  assertEquals(sequence.signal.aborted, true);
});

Deno.test("run sequence: a trace that cannot open leaves nothing open once the run closes", async () => {
  const { fake } = network(false);
  const sequence = new RunSequence({ transport: fake, resolver: new TableResolver() });
  await assertRejects(() => sequence.resolve("nowhere.lab", 0), ResolveError);
  const target = await sequence.resolve("198.18.9.9", 0);
  await sequence.open(target, await resolveRunConfig({ method: "icmp" }));
  // An IPv6 source for an IPv4 target is refused when the trace opens.
  await assertRejects(
    async () => sequence.open(target, await resolveRunConfig({ source: "2001:db8::1" })),
    OptionError,
    "source",
  );
  assertEquals(sequence.settlePrivileges(true).state, "none");
  await sequence.close();
  assertEquals(fake.opened.filter((s) => !s.closed).length, 0);
});

Deno.test("run sequence: the caller's signal stops the prober, and a shared setup serves a family", async () => {
  const { fake } = network(false);
  const stop = new AbortController();
  const sequence = new RunSequence({ transport: fake, signal: stop.signal });
  const config = await resolveRunConfig({ method: "icmp" });
  const shared = await sequence.openShared(4, config);
  assertEquals(shared?.destination, { kind: "any", family: 4 });
  assertEquals(fake.opened.length, 1);
  // UDP opens a socket per target: it cannot be shared.
  assertEquals(await sequence.openShared(4, await resolveRunConfig({ method: "udp" })), null);
  stop.abort();
  assertEquals(sequence.signal.aborted, true);
  await sequence.close();
  assertEquals(fake.opened.filter((s) => !s.closed).length, 0);
});
