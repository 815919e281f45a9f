/**
 * The `--explain` detectors of who answered: one address at consecutive
 * hops (`repeated-address`), addresses cycling (`loop`), and replies from
 * private, shared or link-local space (`private-address`).
 *
 * @module
 */
import { privateSpace } from "../packet/address.ts";
import type { Finding, FindingEvidence } from "./model.ts";
import { andList, dedupe, finding, hopList, ttlText, unique } from "./text.ts";
import { addressesOf, answered, principal, type TraceView } from "./view.ts";

/** A routing loop {@linkcode findLoop} found: its finding and the hops it spans. */
export interface Loop {
  /** The `loop` finding. */
  finding: Finding;
  /** The hops (TTLs) the loop spans. */
  hops: Set<number>;
}

/** The same address (not the target's) at consecutive hops. */
export function repeatedAddresses(view: TraceView): Finding[] {
  const out: Finding[] = [];
  const hops = view.hops;
  const done = new Set<string>();
  for (let i = 0; i + 1 < hops.length; i++) {
    for (const address of addressesOf(hops[i]!)) {
      if (address === view.target || done.has(`${i} ${address}`)) continue;
      // The run of consecutive hops this address answered.
      let j = i;
      while (
        j + 1 < hops.length && hops[j + 1]!.ttl === hops[j]!.ttl + 1 &&
        addressesOf(hops[j + 1]!).includes(address)
      ) j++;
      if (j === i) continue;
      for (let k = i; k <= j; k++) done.add(`${k} ${address}`);
      const run = hops.slice(i, j + 1);
      const evidence = run.map((h) =>
        view.evidence(h.ttl, answered(h).find((p) => p.address === address)!)
      );
      const ttls = evidence.map((e) => e.replyTtl);
      const known = ttls.filter((t): t is number => t !== null);
      const same = known.length === ttls.length && new Set(known).size === 1;
      const distinct = known.length === ttls.length && new Set(known).size === known.length;
      const first = run[0]!.ttl;
      const ttl = ttlText(evidence);
      let reading = "";
      if (same) reading = ": the same device, the same distance back, answered each time";
      else if (distinct) {
        reading = ": different distances back, so different devices behind one address";
      }
      out.push(finding(
        "repeated-address",
        evidence,
        `${view.named(address)} answered at consecutive ${hopList(run.map((h) => h.ttl))}` +
          (ttl ? ` (${ttl}${reading}).` : "."),
        same
          ? [
            `a firewall or middlebox at hop ${first} forwards packets whose TTL expires there instead of answering (zero-TTL forwarding), so the next device answers twice`,
            `an MPLS tunnel or a router that answers for the hop before it`,
          ]
          : [
            `a NAT device rewrites the source of the ICMP errors of the devices behind it to its own address (source NAT)`,
            `a firewall at hop ${first} forwarding packets whose TTL expires there (zero-TTL forwarding)`,
          ],
      ));
    }
  }
  return out;
}

/** A cycle of addresses repeating hop after hop (A-B-A-B), at least twice. */
export function findLoop(view: TraceView): Loop | null {
  const hops = view.hops;
  const seq = hops.map(principal);
  for (let period = 2; period <= 4; period++) {
    for (let i = 0; i + 2 * period <= seq.length; i++) {
      // Seed: two whole periods, all answered, hops consecutive.
      let ok = true;
      for (let j = i; j < i + period && ok; j++) {
        const a = seq[j];
        ok = a !== null && a !== undefined && a === seq[j + period] &&
          hops[j + period]!.ttl === hops[j]!.ttl + period;
      }
      const cycle = seq.slice(i, i + period) as string[];
      if (!ok || new Set(cycle).size < 2) continue;
      // Extend while the pattern holds (a silent hop does not break it).
      let end = i + 2 * period - 1;
      while (end + 1 < seq.length) {
        const next = seq[end + 1];
        if (next !== null && next !== seq[end + 1 - period]) break;
        end++;
      }
      while (seq[end] === null) end--;
      const span = hops.slice(i, end + 1);
      const evidence = span.flatMap((h) => {
        const p = answered(h).find((q) => q.address === principal(h));
        return p ? [view.evidence(h.ttl, p)] : [];
      });
      const first = span[0]!.ttl;
      const last = span.at(-1)!.ttl;
      const perAddress = cycle.map((a) => {
        const ttls = unique(
          evidence.filter((e) => e.address === a && e.replyTtl !== null).map((e) => e.replyTtl),
        );
        return ttls.length > 0 ? `${a} (reply TTL ${ttls.join("/")})` : a;
      });
      const reached = view.trace.reason === "reached";
      return {
        hops: new Set(span.map((h) => h.ttl)),
        finding: finding(
          "loop",
          evidence,
          `hops ${first}-${last} cycle through ${andList(perAddress)}, ` +
            `${period === 2 ? "A-B-A-B" : `every ${period} hops`}: the probes bounce between ` +
            `the same routers` + (reached ? "." : " and never reach the destination."),
          [
            `a routing loop: these routers each route ${view.target} toward the other (a static route, or routing still converging after a change)`,
          ],
          reached ? [] : [
            "run the trace again in a minute: a transient loop goes away when routing converges",
          ],
        ),
      };
    }
  }
  return null;
}

export { privateSpace };

/** Replies from private, shared or link-local space (when the target is not in such space). */
export function privateAddresses(view: TraceView): Finding[] {
  if (privateSpace(view.target) !== null) return [];
  const evidence: FindingEvidence[] = [];
  const kinds = new Map<string, string>();
  for (const h of view.hops) {
    for (const p of answered(h)) {
      const kind = privateSpace(p.address!);
      if (kind === null) continue;
      evidence.push(view.evidence(h.ttl, p));
      kinds.set(p.address!, kind);
    }
  }
  if (evidence.length === 0) return [];
  const kept = dedupe(evidence);
  const listed = kept.map((e) => `${e.address} at hop ${e.hop}`);
  const spaces = unique([...kinds.values()]);
  const causes = [
    `the network numbers its router links or inside hops from ${
      andList(spaces.map((s) => s.replace(/ \(.*/, "")))
    } space: common and harmless, but the address cannot be reached, looked up or attributed from outside`,
  ];
  if (spaces.some((s) => s.startsWith("shared"))) {
    causes.push(`carrier-grade NAT: the provider shares public addresses among its customers`);
  }
  if (kept.some((e) => e.hop <= 2)) {
    causes.push(`a home or office router doing NAT in front of you`);
  }
  return [finding(
    "private-address",
    kept,
    `${andList(listed)} answered from ${andList(spaces)} address space.`,
    causes,
  )];
}
