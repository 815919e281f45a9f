import { assertEquals, assertOk } from "../../tests/assert.ts";
import type { CycleProbe, CycleResult } from "../core/watch_model.ts";
import type { KnownNow } from "../lookup/hop_lookups.ts";
import { identifyCycle, type KnownLookups } from "./cycle_identity.ts";

const probe = (ttl: number, address: string | null): CycleProbe => ({
  ttl,
  flow: 0,
  address,
  rtt: address === null ? null : ttl,
  annotation: "",
  final: false,
  lost: address === null,
  reason: null,
});

const CYCLE: CycleResult = {
  cycle: 3,
  lastHop: 3,
  probes: [probe(1, "198.18.1.2"), probe(2, null), probe(3, "198.18.3.2")],
};

/** Lookups that know what `table` says, asking nothing. */
function lookups(names: boolean, table: Record<string, KnownNow>, active = true): KnownLookups {
  return { active, names, known: (address) => table[address] ?? {} };
}

Deno.test("a cycle's responders carry what is known now, the silent probes nothing", () => {
  const identity = { asn: 64501, country: "DE" };
  const out = identifyCycle(
    CYCLE,
    lookups(true, { "198.18.1.2": { name: "r1.lab", asPath: "AS64501", identity } }),
  );
  assertEquals(out.probes[0], {
    ...CYCLE.probes[0]!,
    name: "r1.lab",
    asPath: "AS64501",
    identity,
  });
  assertOk(out.probes[1] === CYCLE.probes[1], "a silent probe is left as it is");
  // Not known yet: no name, no AS path, no identity (a later cycle carries them).
  assertEquals(out.probes[2], CYCLE.probes[2]);
  assertOk(!("name" in out.probes[2]!));
  assertEquals([out.cycle, out.lastHop], [3, 3]);
});

Deno.test("a responder known to have no name gets a null name (one not known yet, none)", () => {
  const cycle = { cycle: 0, lastHop: 1, probes: [probe(1, "198.18.4.2")] };
  const out = identifyCycle(cycle, lookups(true, { "198.18.4.2": { name: null } }));
  assertEquals(out.probes[0], { ...probe(1, "198.18.4.2"), name: null });
});

Deno.test("without names (-n) no name field; with nothing looked up, the cycle itself", () => {
  const out = identifyCycle(
    CYCLE,
    lookups(false, { "198.18.1.2": { name: null, identity: { country: "NL" } } }),
  );
  assertEquals(out.probes[0], { ...CYCLE.probes[0]!, identity: { country: "NL" } });
  assertOk(!("name" in out.probes[2]!));
  assertOk(identifyCycle(CYCLE, lookups(false, {}, false)) === CYCLE);
});
