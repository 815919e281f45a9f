/**
 * Multipath tracing: many flows at once, each kept on one path by
 * flow-stable (Paris) probing, to see the paths a load-balanced network
 * offers. `flows: N` traces N flows; `mda: true` adds flows until the
 * Multipath Detection Algorithm's stopping rule says every next hop of every
 * node has been found (with the given confidence), and reports the diamonds.
 *
 * @module
 */
import { sanitizeName } from "./lookup/names.ts";
import {
  deficits,
  type Diamond,
  diamonds,
  type FlowLink,
  flowLinks,
  type FlowTable,
} from "./engine/mda.ts";
import { Probe } from "./engine/probe.ts";
import { applyReply, ignoredReply } from "./engine/scheduler.ts";
import type { TraceStatistics } from "./engine/statistics.ts";
import { SystemError } from "./errors.ts";
import { PARIS_METHODS, type TraceOptions } from "./options.ts";
import { type OpenedTrace, openTrace } from "./tracer.ts";
import type { StopReason, TraceStart } from "./types.ts";

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

/** Sends probes of (ttl, flow) and collects their replies, over one session. */
class FlowProber {
  readonly #opened: OpenedTrace;
  readonly #signal: AbortSignal | undefined;
  /** Every probe, by `ttl/flow`. */
  readonly probes = new Map<string, Probe>();
  /** The destination's hop, once a final reply arrived. */
  finalHop = Infinity;
  sent = 0;

  constructor(opened: OpenedTrace, signal?: AbortSignal) {
    this.#opened = opened;
    this.#signal = signal;
  }

  /** The longest round trip answered at each TTL, kept as replies arrive. */
  readonly #rttByTtl = new Map<number, number>();

  /** The adaptive wait for a probe: Linux traceroute's HERE / NEAR rules, else MAX. */
  #timeout(probe: Probe): number {
    const { max, here, near, min } = this.#opened.opts.wait;
    const wait = (rtt: number, factor: number) => Math.min(max, Math.max(min, (rtt + 1) * factor));
    const hereRtt = this.#rttByTtl.get(probe.ttl) ?? null;
    let nearRtt: number | null = null;
    let largest = 0;
    for (const [ttl, rtt] of this.#rttByTtl) {
      largest = Math.max(largest, rtt);
      if (ttl > probe.ttl) nearRtt = Math.max(nearRtt ?? 0, rtt);
    }
    if (hereRtt !== null && here) return wait(hereRtt, here);
    if (nearRtt !== null && near) return wait(nearRtt, near);
    if (largest > 0) return Math.min(max, Math.max(1000, 3 * largest));
    return max;
  }

  /** Probes each (ttl, flow) not yet probed, up to the destination; resolves when all are settled. */
  async run(pairs: ReadonlyArray<readonly [number, number]>): Promise<"done" | "aborted"> {
    const { session, transport, statistics, family, opts } = this.#opened;
    const queue: Probe[] = [];
    for (const [ttl, flow] of pairs) {
      const key = `${ttl}/${flow}`;
      if (this.probes.has(key)) continue;
      const probe = new Probe(ttl - 1, 1);
      probe.flow = flow;
      this.probes.set(key, probe);
      queue.push(probe);
    }
    queue.sort((a, b) => a.ttl - b.ttl || a.flow - b.flow);
    const inFlight = new Set<Probe>();
    let next = 0;
    let lastSend = -Infinity;
    const settle = (probe: Probe) => {
      session.release(probe);
      probe.done = true;
      inFlight.delete(probe);
    };
    while (true) {
      if (this.#signal?.aborted) {
        for (const probe of inFlight) settle(probe);
        return "aborted";
      }
      const now = transport.now();
      let nextTime = Infinity;
      for (const probe of inFlight) {
        // Past the destination nothing more is learnt.
        if (probe.ttl > this.finalHop) {
          settle(probe);
          continue;
        }
        const expireAt = probe.sentAt! + this.#timeout(probe);
        if (expireAt <= now) settle(probe);
        else nextTime = Math.min(nextTime, expireAt);
      }
      while (next < queue.length && inFlight.size < opts.simultaneous) {
        const probe = queue[next]!;
        if (probe.ttl > this.finalHop) {
          this.probes.delete(`${probe.ttl}/${probe.flow}`);
          next++;
          continue;
        }
        if (opts.sendWait > 0 && lastSend + opts.sendWait > now) {
          nextTime = Math.min(nextTime, lastSend + opts.sendWait);
          break;
        }
        if (!session.send(probe)) {
          if (inFlight.size > 0) break;
          throw new SystemError("send probe", "ENOBUFS", "No buffer space available");
        }
        lastSend = probe.sentAt!;
        statistics.sent++;
        this.sent++;
        inFlight.add(probe);
        nextTime = Math.min(nextTime, probe.sentAt! + this.#timeout(probe));
        next++;
      }
      if (next >= queue.length && inFlight.size === 0) return "done";
      const timeout = Math.max(0, (nextTime === Infinity ? now : nextTime) - transport.now());
      const ready = await transport.wait(session.sockets(), timeout, this.#signal);
      for (const r of ready) {
        for (const reply of session.receive(r)) {
          const probe = reply.probe;
          if (probe.done) {
            statistics.ignore("duplicate");
            continue;
          }
          if (ignoredReply(reply, family)) {
            statistics.ignore("ignored-icmp");
            continue;
          }
          statistics.matched++;
          applyReply(probe, reply, family, transport.now());
          settle(probe);
          const rtt = probe.rtt;
          if (rtt !== null) {
            this.#rttByTtl.set(probe.ttl, Math.max(this.#rttByTtl.get(probe.ttl) ?? 0, rtt));
          }
          if (probe.final) this.finalHop = Math.min(this.finalHop, probe.ttl);
        }
      }
    }
  }

  /** The flow table of what has been settled, up to `last`. */
  table(last: number): FlowTable {
    const table: FlowTable = new Map();
    for (const probe of this.probes.values()) {
      if (!probe.done || probe.ttl > last) continue;
      let row = table.get(probe.ttl);
      if (!row) table.set(probe.ttl, row = new Map());
      row.set(probe.flow, probe.address);
    }
    return table;
  }
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
export async function multipath(host: string, options: MultipathOptions = {}): Promise<Multipath> {
  const mda = options.mda ?? false;
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Option "confidence" must lie between 0 and 1, not ${confidence}`);
  }
  const method = options.method ?? "default";
  if (!PARIS_METHODS.includes(method)) {
    throw new RangeError(
      `Multipath probing works with the ${PARIS_METHODS.join(", ")} methods, not "${method}"`,
    );
  }
  const maxFlows = options.maxFlows ?? MAX_FLOWS;
  const flows = options.flows ?? 8;
  for (const [name, value] of [["flows", flows], ["maxFlows", maxFlows]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_FLOWS) {
      throw new RangeError(`Option "${name}" must be an integer from 1 to ${MAX_FLOWS}`);
    }
  }
  const { flows: _f, mda: _m, confidence: _c, maxFlows: _x, ...traceOptions } = options;
  // Every flow's probes at once (Linux traceroute's -N 16 would starve many flows).
  const opened = await openTrace(host, {
    ...traceOptions,
    paris: true,
    queries: 1,
    timing: "adaptive",
  });
  try {
    const { opts, start } = opened;
    const prober = new FlowProber(opened, options.signal);
    const first = opts.firstHop;
    const range = (from: number, to: number) =>
      Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
    const pairs = (flowList: number[], last: number) =>
      range(first, last).flatMap((ttl) => flowList.map((flow) => [ttl, flow] as const));

    let used = mda ? Math.min(maxFlows, 6) : flows;
    let outcome = await prober.run(pairs(range(0, used - 1), opts.maxHops));
    let limited = false;
    while (mda && outcome === "done") {
      const last = Math.min(prober.finalHop, opts.maxHops);
      const short = deficits(prober.table(last), first, last, confidence);
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
      outcome = await prober.run(pairs(range(used, used + added - 1), deepest));
      used += added;
    }

    const last = Math.min(prober.finalHop, opts.maxHops);
    const table = prober.table(last);
    const hops: MultipathHop[] = [];
    for (const ttl of range(first, last)) {
      const probes = [...prober.probes.values()]
        .filter((p) => p.ttl === ttl && p.done)
        .sort((a, b) => a.flow - b.flow);
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
    if (opts.resolveNames) {
      const names = new Map<string, Promise<string | null>>();
      for (const hop of hops) {
        for (const node of hop.nodes) {
          if (!names.has(node.address)) {
            names.set(
              node.address,
              opened.resolver.reverse(node.address).then((n) => n && sanitizeName(n), () => null),
            );
          }
        }
      }
      for (const hop of hops) {
        for (const node of hop.nodes) node.name = await names.get(node.address)!;
      }
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
      probes: prober.sent,
      limited,
      hops,
      links: flowLinks(table, first, last),
      diamonds: diamonds(table, first, last),
      reason,
      endedAt: new Date().toISOString(),
      statistics: opened.statistics.snapshot(),
    };
  } finally {
    opened.close();
  }
}
