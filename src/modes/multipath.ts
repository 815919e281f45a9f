/**
 * Multipath tracing: many flows at once, each kept on one path by
 * flow-stable (Paris) probing, to see the paths a load-balanced network
 * offers. `flows: N` traces N flows; `mda: true` adds flows until the
 * Multipath Detection Algorithm's stopping rule says every next hop of every
 * node has been found (with the given confidence), and reports the diamonds.
 *
 * @module
 */
import { ProbeTable } from "../engine/probe_table.ts";
import type { TraceStatistics } from "../core/statistics.ts";
import { OptionError } from "../core/errors.ts";
import { findMethod, parisMethodNames } from "../methods/mod.ts";
import type { TraceOptions } from "../config/options.ts";
import { integerOption, openRangeOption } from "../config/checks.ts";
import { resolveRunConfig } from "../config/run_config.ts";
import { runContext, RunSequence } from "../session/run.ts";
import { traceStart } from "../session/start.ts";
import type { StopReason, Target, TraceStart } from "../core/model.ts";
import type { AddressIdentity } from "../core/identity.ts";
import { FlowPlan, type FlowStream } from "./flow_plan.ts";
import {
  deficits,
  type Diamond,
  diamonds,
  type FlowLink,
  flowLinks,
  type FlowTable,
} from "./mda.ts";

export type { Diamond, FlowLink };

/** Options of {@linkcode multipath}: a trace's, and how many flows. */
export interface MultipathOptions extends Omit<TraceOptions, "paris" | "queries"> {
  /** Flows to trace (`--flows N`), 1 to {@linkcode MAX_FLOWS}; 8 by default. Ignored with `mda`. */
  flows?: number;
  /** Run the Multipath Detection Algorithm (`--mda`). */
  mda?: boolean;
  /** The MDA's confidence level, between 0 and 1 exclusive (0.95). */
  confidence?: number;
  /** The most flows the MDA may use ({@linkcode MAX_FLOWS}). */
  maxFlows?: number;
}

/** The most flows one run may use. */
export const MAX_FLOWS = 128;

/** An address met at a hop, and by which flows. */
export interface MultipathNode {
  /** Its hop (TTL). */
  hop: number;
  /** The address. */
  address: string;
  /** Its name (reverse DNS); absent when names are not looked up. */
  name?: string | null;
  /** Its AS path (`-A`'s text: `AS64501`, `*`, `!!`); absent when AS numbers are not looked up. */
  asPath?: string;
  /** Who it is and where (`--as-source`, `--geoip`), when the lookups found anything. */
  identity?: AddressIdentity;
  /** The flows that met it, ascending. */
  flows: number[];
  /** Their round-trip times in ms, in flow order. */
  rtts: number[];
  /** It answered with a final reply (the destination, or an unreachable). */
  final: boolean;
  /** Annotations its replies carried (`!H`, ...), distinct. */
  annotations: string[];
}

/** One hop of a multipath run. */
export interface MultipathHop {
  /** The TTL. */
  ttl: number;
  /** The addresses met, in order of their lowest flow. */
  nodes: MultipathNode[];
  /** The flows probed here that got no answer. */
  unanswered: number[];
}

/** What a multipath run found. */
export interface Multipath extends TraceStart {
  /** `flows` (a fixed number of flows) or `mda`. */
  mode: "flows" | "mda";
  /** The MDA's confidence level, or null for `flows`. */
  confidence: number | null;
  /** Flows used. */
  flows: number;
  /** Probes sent. */
  probes: number;
  /** The MDA stopped at `maxFlows` before its rule was met. */
  limited: boolean;
  /** Each hop probed, in order, up to the destination's. */
  hops: MultipathHop[];
  /** The links the flows prove (the first hop's from the source, `from: null`). */
  links: FlowLink[];
  /** The diamonds the links form. */
  diamonds: Diamond[];
  /** Why it ended. */
  reason: StopReason;
  /** When it ended (ISO 8601). */
  endedAt: string;
  /** Messages read: matched, or ignored and why. */
  statistics: TraceStatistics;
}

/**
 * Traces many flows to `host` with flow-stable probing (one probe per flow
 * and hop, every flow at once) and resolves to the hops, links and diamonds
 * found. With `mda`, flows are added in rounds, each probing the hops up to
 * the deepest uncertain one, until the MDA's stopping rule holds at every
 * node or `maxFlows` is reached. Methods: default, udp, icmp, tcp.
 *
 * @example
 * ```ts ignore
 * import { multipath } from "./multipath.ts";
 * const found = await multipath("198.18.40.1", { mda: true, resolveNames: false });
 * for (const d of found.diamonds) console.log(d.from, d.to, d.paths);
 * ```
 *
 * @throws {TypeError | RangeError} for invalid options
 * @throws {ResolveError} when the host does not resolve
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws {SystemError} when a socket call fails
 */
export async function multipath(
  host: string | Target,
  options: MultipathOptions = {},
): Promise<Multipath> {
  const mda = options.mda ?? false;
  const confidence = openRangeOption("confidence", options.confidence, 0.95, 0, 1);
  const method = options.method ?? "default";
  if (!findMethod(method)?.paris) {
    throw new OptionError(
      "method",
      `Multipath probing works with the ${parisMethodNames().join(", ")} methods, not "${method}"`,
    );
  }
  const flows = integerOption("flows", options.flows, 8, 1, MAX_FLOWS);
  const maxFlows = integerOption("maxFlows", options.maxFlows, MAX_FLOWS, 1, MAX_FLOWS);
  const { flows: _f, mda: _m, confidence: _c, maxFlows: _x, ...traceOptions } = options;
  // Every flow's probes at once (Linux traceroute's -N 16 would starve many flows).
  const config = await resolveRunConfig({
    ...traceOptions,
    paris: true,
    queries: 1,
    timing: "adaptive",
  });
  const { options: opts } = config;
  const sequence = new RunSequence(runContext(options));
  try {
    const target = await sequence.resolve(host, opts.family);
    const setup = await sequence.open(target, config);
    const { state } = sequence.settlePrivileges(opts.dropPrivileges);
    const start = traceStart(target, setup, state);
    const prober = sequence.prober;
    const channel = prober.open(setup.methodSession, setup.channelSettings);
    let poke = () => {};
    const stream: FlowStream = {
      table: new ProbeTable(opts.maxHops, MAX_FLOWS, {
        flowPerPlace: true,
        onAnswer: (probe) => {
          if (probe.final) stream.finalHop = Math.min(stream.finalHop, probe.ttl);
          poke();
        },
      }),
      channel,
      wait: { ...opts.wait, adaptive: true },
      simultaneous: opts.simultaneous,
      finalHop: Infinity,
      sent: 0,
    };
    /** Probes each (ttl, flow) not yet probed, up to the destination. */
    const probeRound = async (
      pairs: ReadonlyArray<readonly [number, number]>,
    ): Promise<"done" | "aborted"> => {
      let failure: { error: unknown } | null = null;
      poke = prober.add(new FlowPlan(stream, pairs), (error) => {
        if (error !== null) failure = { error };
      });
      const outcome = await sequence.run();
      if (failure) throw (failure as { error: unknown }).error;
      return outcome;
    };
    /** The flow table of what has been settled, up to `last`. */
    const flowTable = (last: number): FlowTable => {
      const table: FlowTable = new Map();
      for (const probe of settledProbes(stream.table, opts.firstHop, last)) {
        let row = table.get(probe.ttl);
        if (!row) table.set(probe.ttl, row = new Map());
        row.set(probe.flow, probe.address);
      }
      return table;
    };
    const first = opts.firstHop;
    const range = (from: number, to: number) =>
      Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
    const pairs = (flowList: number[], last: number) =>
      range(first, last).flatMap((ttl) => flowList.map((flow) => [ttl, flow] as const));

    let used = mda ? Math.min(maxFlows, 6) : flows;
    let outcome = await probeRound(pairs(range(0, used - 1), opts.maxHops));
    let limited = false;
    while (mda && outcome === "done") {
      const last = Math.min(stream.finalHop, opts.maxHops);
      const short = deficits(flowTable(last), first, last, confidence);
      if (short.length === 0) break;
      if (used >= maxFlows) {
        limited = true;
        break;
      }
      // Enough new flows that, hashed like the earlier ones, the neediest
      // node gets what it lacks; at most 32 a round.
      const wanted = Math.max(
        ...short.map((d) => Math.ceil((d.need - d.have) / Math.max(d.share, 1 / 64))),
      );
      const added = Math.min(maxFlows - used, Math.max(1, Math.min(32, wanted)));
      const deepest = Math.max(...short.map((d) => d.hop));
      outcome = await probeRound(pairs(range(used, used + added - 1), deepest));
      used += added;
    }

    const last = Math.min(stream.finalHop, opts.maxHops);
    const table = flowTable(last);
    const hops: MultipathHop[] = [];
    for (const ttl of range(first, last)) {
      const probes = settledProbes(stream.table, ttl, ttl);
      if (probes.length === 0) continue;
      const nodes = new Map<string, MultipathNode>();
      const unanswered: number[] = [];
      for (const p of probes) {
        if (p.address === null) {
          unanswered.push(p.flow);
          continue;
        }
        let node = nodes.get(p.address);
        if (!node) {
          nodes.set(
            p.address,
            node = {
              hop: ttl,
              address: p.address,
              flows: [],
              rtts: [],
              final: false,
              annotations: [],
            },
          );
        }
        node.flows.push(p.flow);
        if (p.rtt !== null) node.rtts.push(p.rtt);
        if (p.final) node.final = true;
        if (p.annotation && !node.annotations.includes(p.annotation)) {
          node.annotations.push(p.annotation);
        }
      }
      hops.push({ ttl, nodes: [...nodes.values()], unanswered });
    }
    if (setup.lookups.active) {
      // Every name, AS and place at once, as a trace's (the process's caches share and bound
      // them), each within its deadline.
      // A private hop's nodes (--privacy) are not looked up.
      const nodes = hops.flatMap((hop) => hop.nodes).filter((node) =>
        !setup.lookups.isPrivate(node.hop, node.address, target.address)
      );
      for (const node of nodes) setup.lookups.start(node.address);
      await Promise.all(nodes.map((node) => setup.lookups.fill(node)));
    }
    const finals = hops.at(-1)?.nodes.filter((n) => n.final) ?? [];
    const reason: StopReason = outcome === "aborted"
      ? "aborted"
      : finals.length === 0
      ? "max-hops"
      : finals.some((n) => n.annotations.length === 0)
      ? "reached"
      : "unreachable";
    return {
      ...start,
      queries: 1,
      mode: mda ? "mda" : "flows",
      confidence: mda ? confidence : null,
      flows: used,
      probes: stream.sent,
      limited,
      hops,
      links: flowLinks(table, first, last),
      diamonds: diamonds(table, first, last),
      reason,
      endedAt: new Date().toISOString(),
      statistics: channel.statistics.snapshot(),
    };
  } finally {
    await sequence.close();
  }
}

/** The probes of TTLs `from` to `to` whose result is known, by TTL then flow. */
function settledProbes(table: ProbeTable, from: number, to: number) {
  const out = [];
  for (let ttl = from; ttl <= to; ttl++) {
    for (let flow = 0; flow < table.slotsPerHop; flow++) {
      const probe = table.peek((ttl - 1) * table.slotsPerHop + flow);
      if (probe?.settled) out.push(probe);
    }
  }
  return out;
}
