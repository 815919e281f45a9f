/**
 * What the numbers of a continuous run mean (`--report`'s findings, and the
 * live screen's markers), each with its evidence in one line:
 *
 * - `rate-limited`: a hop loses probes that later hops do not: the router
 *   rate-limits or deprioritises its own ICMP replies; nothing is lost there;
 * - `loss`: loss that begins at a hop and is carried to the destination:
 *   real packet loss, at or just before that hop;
 * - `destination-loss`: only the destination loses probes;
 * - `latency-jump`: the round trip rises at a hop and stays risen at every
 *   later hop (a long or slow link at or before it);
 * - `slow-responder`: a hop answers slower than the hops after it (its
 *   control plane is slow to answer, the path is not);
 * - `path-change`: a hop answered from one address, then from another, for
 *   good;
 * - `ecmp`: a hop answers from several addresses all through the run (load
 *   balancing);
 * - `fault`: probes were lost because they could not be sent (the network
 *   was down, a route or the source address gone).
 *
 * Differences are judged against binomial error (loss) and the spread of
 * the samples (latency), so a few probes never make a finding.
 *
 * @module
 */
import type { WatchSnapshot } from "../core/watch_model.ts";
import type { AddressStatsJson, HopStatsJson } from "../stats/mod.ts";
import { hopList } from "./text.ts";
import { identityText } from "../lookup/identity_text.ts";

/** What a finding of a continuous run is about. */
export type ReportFindingKind =
  | "rate-limited"
  | "loss"
  | "destination-loss"
  | "latency-jump"
  | "slow-responder"
  | "path-change"
  | "ecmp"
  | "fault";

/** A finding of a continuous run. */
export interface ReportFinding {
  /** What it is about. */
  kind: ReportFindingKind;
  /** The hops it rests on. */
  hops: number[];
  /** The addresses it rests on. */
  addresses: string[];
  /** What was seen and what it means, with its evidence, in one sentence. */
  text: string;
}

/** A loss estimate: the share lost of `n` settled probes. */
interface Loss {
  p: number;
  n: number;
}

function lossOf(hop: HopStatsJson): Loss {
  const n = hop.sent - hop.inFlight;
  return { p: n > 0 ? hop.lost / n : 0, n };
}

/** The standard error of a loss estimate, kept off zero for small or extreme samples. */
function standardError(l: Loss): number {
  const p = (l.p * l.n + 1) / (l.n + 2);
  return Math.sqrt(p * (1 - p) / Math.max(1, l.n));
}

/** Whether `a` loses clearly more than `b` (by 3 standard errors of the difference, and 2 points). */
export function clearlyMore(a: Loss, b: Loss): boolean {
  const margin = 3 * Math.sqrt(standardError(a) ** 2 + standardError(b) ** 2);
  return a.p - b.p > Math.max(margin, 0.02);
}

/** Whether a loss is clearly above nothing. */
function clearlyLossy(a: Loss): boolean {
  return a.n >= 5 && clearlyMore(a, { p: 0, n: a.n });
}

const percent = (p: number) => `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`;
const ms = (v: number) => `${v.toFixed(1)} ms`;

/** How a finding names a hop. */
type HopNamer = (hop: HopStatsJson) => string;

/**
 * How the findings of `snapshot` name a hop: `hop 3 (198.18.3.2)`, and where
 * the lookups know its network and place, `hop 3 (198.18.3.2, AS64502
 * Example-Transit, DE)`.
 */
function hopNamer(snapshot: WatchSnapshot): HopNamer {
  return (hop) => {
    const top = [...hop.addresses].sort((a, b) => b.received - a.received)[0];
    if (!top?.address) return `hop ${hop.ttl}`;
    const known = identityText(snapshot.identities?.[top.address]);
    return `hop ${hop.ttl} (${top.address}${known === null ? "" : `, ${known}`})`;
  };
}

/** The findings of a continuous run's statistics. */
export function explainReport(snapshot: WatchSnapshot, firstHop = 1): ReportFinding[] {
  const last = snapshot.destination ??
    snapshot.hops.filter((h) => h.received > 0).at(-1)?.ttl ?? null;
  const hops = snapshot.hops.filter((h) => h.ttl >= firstHop && (last === null || h.ttl <= last));
  if (hops.length === 0) return [];
  return [
    ...lossFindings(hops, snapshot.destination !== null, hopNamer(snapshot)),
    ...latencyFindings(hops, hopNamer(snapshot)),
    ...addressFindings(hops, snapshot),
    ...snapshot.faults.map((f): ReportFinding => ({
      kind: "fault",
      hops: [f.ttl],
      addresses: [],
      text:
        `hop ${f.ttl}: ${f.count} probe(s) lost unsent ("${f.reason}", last in cycle ${f.cycle}): ` +
        "the source could not send (network down, no route, or source address gone); they count as lost",
    })),
  ];
}

/** Rate limiting versus real loss, and loss at the destination alone. */
function lossFindings(
  hops: HopStatsJson[],
  reached: boolean,
  hopName: HopNamer,
): ReportFinding[] {
  const out: ReportFinding[] = [];
  const answering = hops.filter((h) => h.received > 0);
  const end = answering.at(-1);
  if (!end) return out;
  const endLoss = lossOf(end);
  // Real loss: the first hop from which every answering hop loses about as much as the end.
  let lossStart: HopStatsJson | null = null;
  if (clearlyLossy(endLoss)) {
    for (const hop of answering) {
      const later = answering.filter((h) => h.ttl >= hop.ttl);
      if (later.every((h) => !clearlyMore(endLoss, lossOf(h)))) {
        lossStart = hop;
        break;
      }
    }
  }
  // Hops that lose clearly more than some later hop: their loss is not carried onward.
  for (const hop of answering) {
    if (hop === end) continue;
    const own = lossOf(hop);
    if (!clearlyLossy(own)) continue;
    const later = answering.filter((h) => h.ttl > hop.ttl);
    const best = later.reduce((a, b) => (lossOf(b).p < lossOf(a).p ? b : a));
    if (!clearlyMore(own, lossOf(best))) continue;
    out.push({
      kind: "rate-limited",
      hops: [hop.ttl],
      addresses: hop.addresses.flatMap((a) => (a.address ? [a.address] : [])),
      text:
        `${hopName(hop)} leaves ${percent(own.p)} of ${own.n} probes unanswered, but ${
          hopName(best)
        } only ${percent(lossOf(best).p)}: the loss is not carried to later hops, so the router ` +
        "rate-limits or deprioritises its own ICMP replies; it is not losing packets",
    });
  }
  const silent = hops.filter((h) => h.received === 0 && h.sent - h.inFlight > 0 && h.ttl < end.ttl);
  if (silent.length > 0) {
    out.push({
      kind: "rate-limited",
      hops: silent.map((h) => h.ttl),
      addresses: [],
      text: `${hopList(silent.map((h) => h.ttl))} never answered, but later hops did: ` +
        "those routers send no ICMP replies (or all are limited away); not loss",
    });
  }
  if (lossStart) {
    const onlyDestination = reached && lossStart === end;
    out.push({
      kind: onlyDestination ? "destination-loss" : "loss",
      hops: answering.filter((h) => h.ttl >= lossStart!.ttl).map((h) => h.ttl),
      addresses: lossStart.addresses.flatMap((a) => (a.address ? [a.address] : [])),
      text: onlyDestination
        ? `only the destination, ${hopName(end)}, loses probes: ${
          percent(endLoss.p)
        } of ${endLoss.n}; ` +
          "no hop before it does, so the host itself drops or rate-limits its replies (or the last link loses them)"
        : `loss begins at ${hopName(lossStart)} and is carried to ${hopName(end)}: ${
          percent(lossOf(lossStart).p)
        } there, ${
          percent(endLoss.p)
        } at the end (of ${endLoss.n} probes): real loss, at or just before hop ${lossStart.ttl}`,
    });
  }
  return out;
}

/** Round trips that rise and stay risen, versus a hop that is only slow to answer. */
function latencyFindings(hops: HopStatsJson[], hopName: HopNamer): ReportFinding[] {
  const out: ReportFinding[] = [];
  const timed = hops.filter((h) => h.mean !== null && h.received >= 3);
  const spread = (h: HopStatsJson) => Math.max(h.stdev ?? 0, 0.1 * (h.mean ?? 0), 1);
  // The standard error of a hop's mean: a few slow answers do not make it slow.
  const meanError = (h: HopStatsJson) => (h.stdev ?? 0) / Math.sqrt(h.received);
  for (let i = 0; i < timed.length; i++) {
    const before = timed[i - 1];
    const hop = timed[i]!;
    const later = timed.slice(i + 1);
    const rise = before ? hop.mean! - before.mean! : 0;
    const threshold = before ? Math.max(5, 2 * spread(before), 2 * spread(hop)) : Infinity;
    if (before && rise > threshold && later.length > 0) {
      const kept = later.every((h) => h.mean! >= hop.mean! - Math.max(threshold / 2, spread(h)));
      if (kept) {
        out.push({
          kind: "latency-jump",
          hops: [hop.ttl, ...later.map((h) => h.ttl)],
          addresses: [],
          text: `the round trip rises by ${ms(rise)} at ${hopName(hop)} (${ms(before!.mean!)} to ${
            ms(hop.mean!)
          }) and stays up at every later hop: a long or slow link at or before hop ${hop.ttl}`,
        });
      }
    }
    const after = timed.slice(i + 1);
    if (after.length > 0) {
      const fastest = after.reduce((a, b) => (b.mean! < a.mean! ? b : a));
      const excess = hop.mean! - fastest.mean!;
      if (hop.received >= 5 && excess > Math.max(5, 3 * spread(fastest), 3 * meanError(hop))) {
        out.push({
          kind: "slow-responder",
          hops: [hop.ttl],
          addresses: [],
          text: `${hopName(hop)} answers in ${ms(hop.mean!)} on average, ${
            ms(excess)
          } slower than ${
            hopName(fastest)
          } after it: this router is slow to answer (ICMP comes from its control plane), the path through it is not slow`,
        });
      }
    }
  }
  return out;
}

/**
 * Addresses of a hop that took over from one another for good (a path
 * change: the cycles each answered in do not overlap), or that shared the
 * hop through the run (ECMP). Only addresses with a real part in the hop
 * count: at least 3 replies and 5% of them.
 */
function addressFindings(hops: HopStatsJson[], snapshot: WatchSnapshot): ReportFinding[] {
  // An address's network and place before what is said of it, where known: `(AS64502 X, DE; ...)`.
  const about = (address: string, words: string) => {
    const known = identityText(snapshot.identities?.[address]);
    return known === null ? `(${words})` : `(${known}; ${words})`;
  };
  const out: ReportFinding[] = [];
  for (const hop of hops) {
    const many = hop.addresses.filter((a) =>
      a.address !== null && a.share >= 0.05 && a.received >= 3
    );
    if (many.length < 2) continue;
    const byFirst = [...many].sort((a, b) => a.firstCycle - b.firstCycle);
    const pairs = byFirst.slice(1).map((next, i) => [byFirst[i]!, next] as const);
    if (pairs.every(([prev, next]) => prev.lastCycle < next.firstCycle)) {
      for (const [from, to] of pairs) {
        out.push({
          kind: "path-change",
          hops: [hop.ttl],
          addresses: [from.address!, to.address!],
          text:
            `hop ${hop.ttl} changed from ${from.address} ${
              about(from.address!, `cycles ${from.firstCycle}-${from.lastCycle}`)
            } to ${to.address} ${about(to.address!, `from cycle ${to.firstCycle}`)}: ` +
            "the route changed; figures before and after differ",
        });
      }
      continue;
    }
    out.push({
      kind: "ecmp",
      hops: [hop.ttl],
      addresses: many.map((a) => a.address!),
      text:
        `hop ${hop.ttl} answers from ${many.length} addresses all through the run (${
          many.map((a) => `${a.address} ${percent(a.share)}${flowsOf(hop, a)}`).join(", ")
        }): load balancing (ECMP)` +
        (hop.flows.length > 1 ? "" : "; --paris or --flows N gives figures per path"),
    });
  }
  return out;
}

/** With flows, which flows took `a` (by their most frequent address): ` [flows 0,1]`. */
function flowsOf(hop: HopStatsJson, a: AddressStatsJson): string {
  if (hop.flows.length < 2) return "";
  const flows = hop.flows.filter((f) =>
    [...f.addresses].sort((x, y) => y.received - x.received)[0]?.address === a.address
  ).map((f) => f.flow);
  if (flows.length === 0) return "";
  return ` [${flows.length === 1 ? "flow" : "flows"} ${flows.join(",")}]`;
}

/** The findings as lines, `kind: text`. */
export function formatReportFindings(findings: readonly ReportFinding[]): string {
  return findings.map((f) => `${f.kind}: ${f.text}\n`).join("");
}
