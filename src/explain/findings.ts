/**
 * `--explain`: a plain-language diagnosis of a finished trace. {@linkcode explain}
 * reads a {@linkcode Trace} (and, for a TCP trace, companion traces of other
 * methods to the same target) and returns {@linkcode Finding}s, each naming its
 * evidence (hop numbers, addresses, reply TTLs) and its likely causes;
 * {@linkcode formatFindings} prints them one line each.
 *
 * Pure functions: nothing here sends a packet or reads a clock.
 *
 * @module
 */
import { parseIPv4, parseIPv6 } from "../address.ts";
import type { Hop, MethodName, ProbeResult, Trace } from "../types.ts";

/**
 * What a finding is about:
 *
 * - `repeated-address`: one address (not the target's) answered at
 *   consecutive hops;
 * - `loop`: addresses repeat in a cycle (A-B-A-B): a routing loop;
 * - `early-destination`: the target's address answered before the end of
 *   the path (in time-exceeded messages), or the destination's reply TTL
 *   says it is much nearer than the hop it answered at;
 * - `past-destination`: the target's address answered, and later hops
 *   answered from other addresses: the trace went on past it;
 * - `transparent-proxy`: a TCP trace reached the destination in fewer hops
 *   than a trace of another method run alongside;
 * - `silent-hops`: hops that never answered, followed by hops that did;
 * - `silent-to-end`: no answer from some hop to the end of the trace;
 * - `private-address`: replies from private, shared (CGN) or link-local
 *   address space;
 * - `return-path`: the reply TTLs say replies came back over a path at
 *   least 2 hops longer or shorter than the forward one;
 * - `final-proof`: what the last hop proved about the destination.
 */
export type FindingKind =
  | "repeated-address"
  | "loop"
  | "early-destination"
  | "past-destination"
  | "transparent-proxy"
  | "silent-hops"
  | "silent-to-end"
  | "private-address"
  | "return-path"
  | "final-proof";

/** One reply (or one silent hop) a finding rests on. */
export interface FindingEvidence {
  /** The trace's method this came from (a companion's, for `transparent-proxy`). */
  method: MethodName;
  /** The hop (TTL). */
  hop: number;
  /** Who answered, or null for a hop without any answer. */
  address: string | null;
  /** The TTL left in the reply when it arrived, or null when unknown or silent. */
  replyTtl: number | null;
}

/** A finding of {@linkcode explain}. */
export interface Finding {
  /** What it is about. */
  kind: FindingKind;
  /** The hop numbers it rests on, ascending, without duplicates. */
  hops: number[];
  /** The addresses it rests on, in order of first appearance. */
  addresses: string[];
  /** The replies (and silent hops) it rests on, one entry per hop and address. */
  evidence: FindingEvidence[];
  /** What was seen, with its evidence, in one plain-language sentence. */
  text: string;
  /** Likely causes, most likely first (empty for `final-proof`). */
  causes: string[];
  /** What is worth trying next (other methods, ports); often empty. */
  suggestions: string[];
}

/** Options for {@linkcode explain}. */
export interface ExplainOptions {
  /**
   * Traces of the same target with other methods, run at the same time (the
   * command line runs an ICMP one with `-T --explain`): a TCP trace that
   * reaches the destination in fewer hops than these shows a
   * `transparent-proxy` finding.
   */
  companions?: readonly Trace[];
}

/** The least difference, in hops, between return and forward path that `return-path` reports. */
export const RETURN_PATH_THRESHOLD = 2;

/** Initial TTLs senders use (Linux and most: 64; Windows: 128; network gear: 255). */
const INITIAL_TTLS = [64, 128, 255] as const;

/** The method's destination port when none was given (`settings.port` 0). */
const DEFAULT_PORTS: Partial<Record<MethodName, number>> = {
  tcp: 80,
  tcpconn: 80,
  udp: 53,
  udplite: 53,
  default: 33434,
  dccp: 33434,
};

/**
 * Diagnoses a finished trace: the findings in the order of their first hop,
 * the `final-proof` finding last. A trace without hops gives no findings.
 *
 * @example
 * ```ts ignore
 * import { traceAll } from "../tracer.ts";
 * import { explain, formatFindings } from "./findings.ts";
 *
 * const t = await traceAll("198.18.4.2", { resolveNames: false });
 * console.log(formatFindings(explain(t)));
 * ```
 */
export function explain(trace: Trace, options: ExplainOptions = {}): Finding[] {
  if (trace.hops.length === 0) return [];
  const view = new TraceView(trace);
  const loop = findLoop(view);
  const found: Finding[] = [
    ...repeatedAddresses(view),
    ...(loop ? [loop.finding] : []),
    ...earlyDestination(view),
    ...pastDestination(view),
    ...transparentProxy(view, options.companions ?? []),
    ...silentHops(view),
    ...silentToEnd(view),
    ...privateAddresses(view),
    ...returnPath(view, loop?.hops ?? new Set()),
  ];
  found.sort((a, b) => (a.hops[0] ?? 0) - (b.hops[0] ?? 0));
  const proof = finalProof(view, found.some((f) => f.kind === "transparent-proxy"));
  return proof ? [...found, proof] : found;
}

/**
 * The findings as text, one line each (and a newline after each):
 * `kind: what was seen. Likely: cause; or cause. Try: suggestion; suggestion.`
 * An empty list gives "".
 *
 * @example
 * ```ts ignore
 * import { explain, formatFindings } from "./findings.ts";
 * declare const trace: import("../types.ts").Trace;
 * Deno.stdout.writeSync(new TextEncoder().encode(formatFindings(explain(trace))));
 * ```
 */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => {
    let line = `${f.kind}: ${f.text}`;
    if (f.causes.length > 0) line += ` Likely: ${f.causes.join("; or ")}.`;
    if (f.suggestions.length > 0) line += ` Try: ${f.suggestions.join("; ")}.`;
    return line + "\n";
  }).join("");
}

// ---------------------------------------------------------------------------
// Reading a trace

/** A trace with the questions the findings ask of it. */
class TraceView {
  readonly trace: Trace;
  readonly target: string;
  readonly method: MethodName;
  readonly family: 4 | 6;

  constructor(trace: Trace) {
    this.trace = trace;
    this.target = trace.target.address;
    this.method = trace.method;
    this.family = trace.target.family;
  }

  get hops(): Hop[] {
    return this.trace.hops;
  }

  /** The hop whose final reply ended the trace, or null. */
  get finalHop(): Hop | null {
    const last = this.hops.at(-1);
    return last && last.probes.some((p) => p.final && p.address !== null) ? last : null;
  }

  evidence(hop: number, probe: ProbeResult): FindingEvidence {
    return { method: this.method, hop, address: probe.address, replyTtl: probe.replyTtl };
  }

  /** A time-exceeded in transit (ICMP 11/0, ICMPv6 3/0). */
  timeExceeded(probe: ProbeResult): boolean {
    const type = this.family === 4 ? 11 : 3;
    return probe.icmp !== null && probe.icmp.type === type && probe.icmp.code === 0;
  }
}

function answered(hop: Hop): ProbeResult[] {
  return hop.probes.filter((p) => p.address !== null);
}

function silent(hop: Hop): boolean {
  return hop.probes.length > 0 && hop.probes.every((p) => p.address === null);
}

/** The distinct addresses that answered a hop, in order. */
function addressesOf(hop: Hop): string[] {
  return unique(answered(hop).map((p) => p.address!));
}

/** The address most probes of a hop answered from (the first on a tie), or null. */
function principal(hop: Hop): string | null {
  const counts = new Map<string, number>();
  for (const p of answered(hop)) counts.set(p.address!, (counts.get(p.address!) ?? 0) + 1);
  let best: string | null = null;
  let most = 0;
  for (const [address, n] of counts) {
    if (n > most) [best, most] = [address, n];
  }
  return best;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** One evidence entry per hop and address (the first probe of each). */
function dedupe(evidence: readonly FindingEvidence[]): FindingEvidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = `${e.method} ${e.hop} ${e.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function finding(
  kind: FindingKind,
  evidence: readonly FindingEvidence[],
  text: string,
  causes: string[] = [],
  suggestions: string[] = [],
): Finding {
  const kept = dedupe(evidence);
  return {
    kind,
    hops: unique(kept.map((e) => e.hop)).sort((a, b) => a - b),
    addresses: unique(kept.flatMap((e) => (e.address === null ? [] : [e.address]))),
    evidence: kept,
    text,
    causes,
    suggestions,
  };
}

/** "hop 3", "hops 2-4", "hops 2, 5 and 7". */
function hopList(hops: readonly number[]): string {
  const sorted = unique(hops).sort((a, b) => a - b);
  if (sorted.length === 1) return `hop ${sorted[0]}`;
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return `hops ${andList(ranges)}`;
}

function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "reply TTL 62" / "reply TTLs 62, 61" (distinct values in order); "" when none is known. */
function ttlText(evidence: readonly FindingEvidence[]): string {
  const ttls = evidence.map((e) => e.replyTtl).filter((t): t is number => t !== null);
  if (ttls.length === 0) return "";
  return ttls.length === 1 ? `reply TTL ${ttls[0]}` : `reply TTLs ${ttls.join(", ")}`;
}

/**
 * How many hops a reply travelled back, from the TTL left in it: the sender's
 * initial TTL (the smallest of 64, 128 and 255 not below it) minus what is
 * left, plus one (the sender's own hop). Null without a reply TTL.
 */
export function returnHops(replyTtl: number | null): number | null {
  if (replyTtl === null || replyTtl <= 0) return null;
  const initial = INITIAL_TTLS.find((t) => t >= replyTtl) ?? 255;
  return initial - replyTtl + 1;
}

function portOf(view: TraceView): number {
  return view.trace.settings.port || DEFAULT_PORTS[view.method] || 0;
}

// ---------------------------------------------------------------------------
// The findings

/** The same address (not the target's) at consecutive hops. */
function repeatedAddresses(view: TraceView): Finding[] {
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
        `${address} answered at consecutive ${hopList(run.map((h) => h.ttl))}` +
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
function findLoop(view: TraceView): { finding: Finding; hops: Set<number> } | null {
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

/**
 * The target's address in time-exceeded messages, with nothing else after
 * it (a VIP fronting the host); or a final reply whose reply TTL says the
 * destination is much nearer than the hop it answered at.
 */
function earlyDestination(view: TraceView): Finding[] {
  const out: Finding[] = [];
  const hops = view.hops;
  const early = hops.filter((h) =>
    h !== view.finalHop && answered(h).some((p) => p.address === view.target && !p.final)
  );
  const firstEarly = early[0]?.ttl;
  const othersAfter = firstEarly !== undefined &&
    hops.some((h) => h.ttl > firstEarly && addressesOf(h).some((a) => a !== view.target));
  const fin = view.finalHop;
  const finalProbe = fin?.probes.find((p) => p.final && p.address === view.target) ?? null;
  if (early.length > 0 && !othersAfter) {
    const evidence = early.map((h) =>
      view.evidence(h.ttl, answered(h).find((p) => p.address === view.target)!)
    );
    if (fin && finalProbe) evidence.push(view.evidence(fin.ttl, finalProbe));
    const ttls = evidence.map((e) => e.replyTtl);
    const growing = ttls.every((t, k) => t !== null && (k === 0 || t < ttls[k - 1]!));
    const ttl = ttlText(evidence);
    const ending = fin && finalProbe
      ? `, before answering as the destination at hop ${fin.ttl}`
      : ", and never answered as the destination";
    out.push(finding(
      "early-destination",
      evidence,
      `the destination's address ${view.target} answered at ${hopList(early.map((h) => h.ttl))} ` +
        `with time-exceeded${ending}` + (ttl ? ` (${ttl}` : "") +
        (ttl && growing && evidence.length > 1
          ? `: replies from farther each time, so several devices stand behind that address)`
          : ttl
          ? ")"
          : "") +
        `: the address belongs to a device at hop ${firstEarly}, and what answers is behind it.`,
      [
        `a load balancer or NAT at hop ${firstEarly} owns the address (a VIP) and forwards to the hosts behind it (DNAT), rewriting their replies and errors to the VIP`,
        `an anycast address also announced close to you`,
      ],
    ));
  } else if (fin && finalProbe) {
    // The destination answered at its hop, but its reply came back over far fewer hops.
    const back = returnHops(finalProbe.replyTtl);
    if (back !== null && fin.ttl - back >= RETURN_PATH_THRESHOLD && early.length === 0) {
      out.push(finding(
        "early-destination",
        [view.evidence(fin.ttl, finalProbe)],
        `the destination ${view.target} answered at hop ${fin.ttl}, but its reply TTL ` +
          `${finalProbe.replyTtl} says it came back over about ${back} hop${
            back === 1 ? "" : "s"
          }.`,
        [
          `a device about ${back} hop${
            back === 1 ? "" : "s"
          } away answers for the destination (load balancer, transparent proxy, SYN proxy)`,
          `a much shorter return path (asymmetric routing), or a destination with an unusual initial TTL`,
        ],
      ));
    }
  }
  return out;
}

/** The target's address answered, and later hops answered from other addresses. */
function pastDestination(view: TraceView): Finding[] {
  const hops = view.hops;
  const at = hops.find((h) => answered(h).some((p) => p.address === view.target && !p.final));
  if (!at) return [];
  const later = hops.filter((h) => h.ttl > at.ttl && addressesOf(h).some((a) => a !== view.target));
  if (later.length === 0) return [];
  const evidence = [view.evidence(at.ttl, answered(at).find((p) => p.address === view.target)!)];
  for (const h of later) {
    for (const p of answered(h)) {
      if (p.address !== view.target) evidence.push(view.evidence(h.ttl, p));
    }
  }
  const fin = view.finalHop;
  const finalProbe = fin?.probes.find((p) => p.final && p.address === view.target);
  if (fin && finalProbe) evidence.push(view.evidence(fin.ttl, finalProbe));
  const others = unique(later.flatMap(addressesOf).filter((a) => a !== view.target));
  const ttl = ttlText(evidence.slice(0, 1));
  return [finding(
    "past-destination",
    evidence,
    `the destination's address ${view.target} answered at hop ${at.ttl} with ` +
      `${view.timeExceeded(answered(at)[0]!) ? "time-exceeded" : "a non-final reply"}` +
      (ttl ? ` (${ttl})` : "") + `, yet the trace went on past it: ` +
      `${hopList(later.map((h) => h.ttl))} answered from ${andList(others)}` +
      (fin && finalProbe ? `, and the destination answered at hop ${fin.ttl}.` : "."),
    [
      `a device at hop ${at.ttl} sends its ICMP errors from the destination's address (a NAT device or load balancer in front of it)`,
      `the address is configured on more than one device, or is anycast`,
    ],
  )];
}

/** A TCP trace reaching the destination in fewer hops than a companion of another method. */
function transparentProxy(view: TraceView, companions: readonly Trace[]): Finding[] {
  if (view.method !== "tcp" && view.method !== "tcpconn") return [];
  const fin = view.finalHop;
  const reachedProbe = fin?.probes.find((p) => p.final && p.annotation === "");
  if (!fin || !reachedProbe || view.trace.reason !== "reached") return [];
  const out: Finding[] = [];
  for (const companion of companions) {
    if (companion.method === "tcp" || companion.method === "tcpconn") continue;
    if (companion.target.address !== view.target) continue;
    const other = new TraceView(companion);
    const otherFinal = companion.reason === "reached" ? other.finalHop : null;
    const otherLast = [...companion.hops].reverse().find((h) => answered(h).length > 0);
    const beyond = otherFinal ?? otherLast;
    if (!beyond || beyond.ttl <= fin.ttl) continue;
    const otherProbe = answered(beyond)[0]!;
    const tcpTtl = reachedProbe.replyTtl !== null ? `, reply TTL ${reachedProbe.replyTtl}` : "";
    const otherTtl = otherProbe.replyTtl !== null ? ` (reply TTL ${otherProbe.replyTtl})` : "";
    const answer = tcpAnswer(reachedProbe);
    const port = portOf(view);
    out.push(finding(
      "transparent-proxy",
      [view.evidence(fin.ttl, reachedProbe), {
        method: companion.method,
        hop: beyond.ttl,
        address: otherProbe.address,
        replyTtl: otherProbe.replyTtl,
      }],
      `TCP port ${port} answered (${answer}${tcpTtl}) at hop ${fin.ttl}, but the ` +
        `${methodLabel(companion.method)} trace run alongside ` +
        (otherFinal
          ? `reached ${view.target} only at hop ${beyond.ttl}${otherTtl}`
          : `still got answers from ${otherProbe.address} at hop ${beyond.ttl}${otherTtl}`) +
        `: something ${beyond.ttl - fin.ttl} hop${beyond.ttl - fin.ttl === 1 ? "" : "s"} ` +
        `short of the destination answers TCP for it.`,
      [
        `a transparent proxy at hop ${fin.ttl} intercepts TCP port ${port} (REDIRECT/TPROXY: a web filter, cache or captive portal)`,
        `a middlebox that terminates TCP itself (SYN proxy, DDoS scrubber, WAN optimiser, load balancer)`,
      ],
    ));
  }
  return out;
}

function tcpAnswer(probe: ProbeResult): string {
  const flags = probe.tcpFlags ?? [];
  if (flags.includes("syn") && flags.includes("ack")) return "SYN-ACK";
  if (flags.includes("rst")) return "RST";
  return "connection answered";
}

function methodLabel(method: MethodName): string {
  return method === "default" ? "UDP" : method === "icmp" ? "ICMP" : method.toUpperCase();
}

/** Hops that never answered, followed by hops that did. */
function silentHops(view: TraceView): Finding[] {
  const hops = view.hops;
  const lastAnswering = hops.findLastIndex((h) => answered(h).length > 0);
  const quiet = hops.slice(0, Math.max(0, lastAnswering)).filter(silent);
  if (quiet.length === 0) return [];
  const after = hops.slice(hops.indexOf(quiet[0]!) + 1).filter((h) => answered(h).length > 0);
  const evidence = [
    ...quiet.map((h): FindingEvidence => ({
      method: view.method,
      hop: h.ttl,
      address: null,
      replyTtl: null,
    })),
    ...after.slice(0, 1).map((h) => view.evidence(h.ttl, answered(h)[0]!)),
  ];
  const next = after[0]!;
  const probes = quiet.reduce((n, h) => n + h.probes.length, 0);
  return [finding(
    "silent-hops",
    evidence,
    `${hopList(quiet.map((h) => h.ttl))} gave no answer (${probes} probe${
      probes === 1 ? "" : "s"
    }), ` +
      `yet hop ${next.ttl} and later answered (${principal(next)} at hop ${next.ttl}), so ` +
      `${quiet.length === 1 ? "that router forwards" : "those routers forward"} the probes: ` +
      `this is not packet loss.`,
    [
      `the router sends no ICMP time-exceeded, or filters or rate-limits it (common on provider and firewall hops)`,
    ],
  )];
}

/** No answer from some hop to the end, the destination never reached. */
function silentToEnd(view: TraceView): Finding[] {
  if (view.trace.reason !== "max-hops") return [];
  const hops = view.hops;
  let k = hops.length;
  while (k > 0 && silent(hops[k - 1]!)) k--;
  if (k === hops.length) return [];
  const quiet = hops.slice(k);
  const lastAnswer = hops[k - 1];
  const lastAddress = lastAnswer ? principal(lastAnswer) : null;
  const evidence: FindingEvidence[] = [];
  if (lastAnswer && lastAddress) {
    evidence.push(
      view.evidence(lastAnswer.ttl, answered(lastAnswer).find((p) => p.address === lastAddress)!),
    );
  }
  for (const h of quiet) {
    evidence.push({ method: view.method, hop: h.ttl, address: null, replyTtl: null });
  }
  const from = quiet[0]!.ttl;
  const to = quiet.at(-1)!.ttl;
  const causes = [
    lastAddress
      ? `a firewall after ${lastAddress} (hop ${
        lastAnswer!.ttl
      }), perhaps the destination's own, drops these probes`
      : `a firewall near you drops these probes`,
    `the replies are dropped on their way back (a return-path filter, or no route back to this source)`,
  ];
  if (view.method === "default" || view.method === "udp" || view.method === "udplite") {
    causes.push(
      `the destination was reached and its UDP port is open: a service that ignores the probe sends nothing`,
    );
  }
  return [finding(
    "silent-to-end",
    evidence,
    `no answer from hop ${from} to hop ${to}, the last probed` +
      (lastAddress
        ? ` (the last answer came from ${lastAddress} at hop ${lastAnswer!.ttl}).`
        : "."),
    causes,
    suggest(view),
  )];
}

/** Methods worth trying when a trace goes silent. */
function suggest(view: TraceView): string[] {
  const host = view.trace.target.host;
  switch (view.method) {
    case "icmp":
      return [
        `-T -p 443 ${host} (TCP SYN to a port servers keep open)`,
        `-U -p 53 ${host} (UDP to DNS)`,
      ];
    case "tcp":
    case "tcpconn":
      return [
        `-T -p ${portOf(view) === 443 ? 80 : 443} ${host} (another TCP port)`,
        `-I ${host} (ICMP echo)`,
      ];
    default:
      return [`-I ${host} (ICMP echo)`, `-T -p 443 ${host} (TCP SYN to a port servers keep open)`];
  }
}

/** What kind of non-global space an address is in, or null. */
export function privateSpace(address: string): string | null {
  const v4 = parseIPv4(address);
  if (v4) {
    const [a = 0, b = 0] = v4;
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
      return "private (RFC 1918)";
    }
    if (a === 100 && b >= 64 && b <= 127) return "shared (RFC 6598, carrier-grade NAT)";
    if (a === 169 && b === 254) return "link-local";
    return null;
  }
  const v6 = parseIPv6(address);
  if (v6) {
    const [a = 0, b = 0] = v6;
    if ((a & 0xfe) === 0xfc) return "unique local (fc00::/7)";
    if (a === 0xfe && (b & 0xc0) === 0x80) return "link-local";
  }
  return null;
}

/** Replies from private, shared or link-local space (when the target is not in such space). */
function privateAddresses(view: TraceView): Finding[] {
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

/** Replies whose TTL says they came back over a path of another length. */
function returnPath(view: TraceView, loopHops: ReadonlySet<number>): Finding[] {
  const evidence: FindingEvidence[] = [];
  const details: string[] = [];
  let longer = 0;
  let shorter = 0;
  const fin = view.finalHop;
  for (const h of view.hops) {
    if (loopHops.has(h.ttl)) continue;
    for (const p of answered(h)) {
      // The destination answering from much nearer is early-destination's.
      if (h === fin && p.final && p.address === view.target) {
        const back = returnHops(p.replyTtl);
        if (back !== null && h.ttl - back >= RETURN_PATH_THRESHOLD) continue;
      }
      const back = returnHops(p.replyTtl);
      if (back === null || Math.abs(back - h.ttl) < RETURN_PATH_THRESHOLD) continue;
      if (evidence.some((e) => e.hop === h.ttl && e.address === p.address)) continue;
      evidence.push(view.evidence(h.ttl, p));
      details.push(`hop ${h.ttl} ${p.address} reply TTL ${p.replyTtl}: ~${back} back`);
      if (back > h.ttl) longer++;
      else shorter++;
    }
  }
  if (evidence.length === 0) return [];
  const direction = longer > 0 && shorter > 0
    ? "longer or shorter"
    : longer > 0
    ? "longer"
    : "shorter";
  return [finding(
    "return-path",
    evidence,
    `replies from ${hopList(evidence.map((e) => e.hop))} came back over a path ${direction} ` +
      `than the way out (${details.join("; ")}; reckoned from an initial TTL of 64, 128 or 255).`,
    [
      `asymmetric routing: replies return by another path (normal between networks; the RTTs of these hops include that path)`,
      `a device on the way back rewrites TTLs, or the responder starts from an unusual TTL`,
    ],
  )];
}

/** What the last hop proved about the destination. */
function finalProof(view: TraceView, proxied: boolean): Finding | null {
  const trace = view.trace;
  const last = view.hops.at(-1)!;
  const port = portOf(view);
  const finals = last.probes.filter((p) => p.final && p.address !== null);
  const ev = finals.map((p) => view.evidence(last.ttl, p));
  const ttl = ttlText(dedupe(ev));
  const at = (p: ProbeResult) =>
    `${p.address === view.target ? "reached" : `${p.address} answered for`} ` +
    `${view.target} at hop ${last.ttl}`;
  const withTtl = (s: string) => (ttl ? `${s}, ${ttl}` : s);
  const isUdp = view.method === "default" || view.method === "udp" || view.method === "udplite";
  const udpPort = view.method === "default" ? "UDP port" : `UDP port ${port}`;

  if (trace.reason === "reached") {
    const first = finals.find((p) => p.annotation === "") ?? finals[0]!;
    const portUnreachable = (p: ProbeResult) =>
      p.icmp !== null &&
      (view.family === 4
        ? p.icmp.type === 3 && p.icmp.code === 3
        : p.icmp.type === 1 && p.icmp.code === 4);
    let proof: string;
    switch (view.method) {
      case "tcp":
      case "tcpconn": {
        const answers = unique(finals.map(tcpAnswer));
        const parts = answers.map((a) =>
          a === "SYN-ACK"
            ? `TCP port ${port} open (SYN-ACK)`
            : a === "RST"
            ? `TCP port ${port} closed (RST)`
            : `TCP port ${port} answered the connection attempt (open or closed: not recorded)`
        );
        proof = andList(parts);
        break;
      }
      case "icmp":
        // An echo reply is no ICMP error: its `icmp` is null.
        proof = finals.some((p) => p.icmp === null || p.icmp.type === (view.family === 4 ? 0 : 129))
          ? "answers ping (ICMP echo reply)"
          : "answered ICMP";
        break;
      case "default":
      case "udp":
      case "udplite":
        proof = finals.some(portUnreachable)
          ? `${udpPort} closed (ICMP port unreachable)`
          : `a UDP reply came back from ${udpPort}: a service answered`;
        break;
      case "dccp":
        proof = finals.some(portUnreachable)
          ? `DCCP port ${port} closed (ICMP port unreachable)`
          : `DCCP port ${port} answered`;
        break;
      default:
        proof = "answered";
    }
    const caveat = proxied ? " (but see transparent-proxy: a middlebox answered for it)" : "";
    return finding("final-proof", ev, `${at(first)}; ${withTtl(proof)}${caveat}.`);
  }

  if (trace.reason === "unreachable") {
    const p = finals[0];
    if (!p) return null;
    const meaning = UNREACHABLE_MEANINGS[p.annotation.replace(/^!F-\d+$/, "!F")] ??
      `an ICMP error (${p.annotation})`;
    if (p.address === view.target) {
      return finding(
        "final-proof",
        ev,
        `reached ${view.target} at hop ${last.ttl}, which refused the probe: ${withTtl(meaning)}.`,
      );
    }
    return finding(
      "final-proof",
      ev,
      `not reached: ${p.address} at hop ${last.ttl} answered ${withTtl(meaning)}, ` +
        `so nothing is known of ${view.target} itself.`,
    );
  }

  if (trace.reason === "aborted") {
    return finding(
      "final-proof",
      [],
      `interrupted at hop ${last.ttl}: nothing proven about ${view.target}.`,
    );
  }

  // max-hops: the destination never answered.
  const what = isUdp
    ? `${udpPort} answered nothing (open, filtered, or dropped: a traceroute cannot tell)`
    : view.method === "tcp" || view.method === "tcpconn"
    ? `TCP port ${port} answered nothing (neither SYN-ACK nor RST: filtered or dropped, not proven open or closed)`
    : view.method === "icmp"
    ? "no echo reply (ping filtered, or the host down)"
    : "the destination answered nothing";
  return finding("final-proof", [], `not reached within ${last.ttl} hops: ${what}.`);
}

/** What each final annotation means, in words. */
const UNREACHABLE_MEANINGS: Record<string, string> = {
  "!H": "host unreachable (!H)",
  "!N": "network unreachable (!N)",
  "!X": "communication administratively prohibited (!X: a firewall rejects it)",
  "!P": "protocol unreachable (!P: it does not speak this protocol)",
  "!<4-1>": "protocol unreachable (it does not speak this protocol)",
  "!S": "source route failed (!S)",
  "!F": "fragmentation needed (!F: the packet is larger than the path MTU)",
  "!V": "host precedence violation (!V)",
  "!C": "precedence cutoff (!C)",
};
