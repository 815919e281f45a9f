/**
 * A settled cycle's responders with what the lookups know of them when the
 * cycle is handed out: names, AS paths (`-A`) and identities (`--as-source`,
 * `--geoip`). A cycle never waits for a lookup: what is not known yet is
 * left out (a null name says "none"), and a later cycle carries it.
 *
 * @module
 */
import type { KnownNow } from "../lookup/hop_lookups.ts";
import type { CycleResult } from "../core/watch_model.ts";

/** What this reads of a trace's lookups (hop_lookups.ts's `AddressLookups`). */
export interface KnownLookups {
  /** Whether anything is looked up. */
  readonly active: boolean;
  /** Whether names are looked up. */
  readonly names: boolean;
  /** What is known of `address` now, without waiting. */
  known(address: string): KnownNow;
}

/**
 * `cycle` with each answered probe's `name` (when names are looked up),
 * `asPath` and `identity` as far as they are known now; `cycle` itself when
 * nothing is looked up.
 *
 * @example
 * ```ts
 * import { identifyCycle } from "./cycle_identity.ts";
 * const lookups = { active: true, names: true, known: () => ({ name: "r1.lab" }) };
 * const probe = { ttl: 1, flow: 0, address: "198.18.1.2", rtt: 1, annotation: "", final: false, lost: false, reason: null };
 * identifyCycle({ cycle: 0, lastHop: 1, probes: [probe] }, lookups).probes[0]?.name; // "r1.lab"
 * ```
 */
export function identifyCycle(cycle: CycleResult, lookups: KnownLookups): CycleResult {
  if (!lookups.active) return cycle;
  return {
    ...cycle,
    probes: cycle.probes.map((probe) => {
      if (probe.address === null) return probe;
      const known = lookups.known(probe.address);
      return {
        ...probe,
        ...(lookups.names && known.name !== undefined ? { name: known.name } : {}),
        ...(known.asPath !== undefined ? { asPath: known.asPath } : {}),
        ...(known.identity ? { identity: known.identity } : {}),
      };
    }),
  };
}
