/**
 * The path as a graph, for `--dot` and `--html`: a node per address met at
 * each hop (and a `*` node where a hop stayed silent), an edge from each
 * node to the next hop's node the traffic went on to, with how much traffic
 * took it. Built from a single trace, a multipath run (`--flows`, `--mda`),
 * a continuous run's report (`--report`) or the traces of many targets
 * (`--targets`, merged: a hop shared by several targets is one node). Pure:
 * results in, a graph out; the renderers (`dot.ts`, `svg.ts`) draw it.
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import type { Trace } from "../core/model.ts";
import type { WatchSnapshot } from "../core/watch_model.ts";
import type { Multipath } from "../modes/multipath.ts";
import type { HopStatsJson } from "../stats/mod.ts";
import { addressesByReplies, reportedHops } from "./report.ts";

/** What a graph was built from, and so what its counts count. */
export type GraphKind = "trace" | "multipath" | "report" | "targets";

/** One node: an address at a hop, a silent hop (`address: null`), or the source (`hop: 0`). */
export interface GraphNode {
  /** Its identifier in the graph: `src`, `n1`, `n2`... (never taken from the data). */
  id: string;
  /** The hop (TTL); 0 for the source. */
  hop: number;
  /** The address; null for a hop that did not answer (`*`) and for the source. */
  address: string | null;
  /** Its reverse name; null when it has none, absent when names were not looked up. */
  name?: string | null;
  /** Who it is and where (AS, place), when the lookups found it. */
  identity?: AddressIdentity;
  /** It answered with a final reply (the destination, or an unreachable). */
  final: boolean;
  /** Annotations of its replies (`!H`, ...), distinct. */
  annotations: string[];
  /** Replies from it (trace, report, targets) or flows that met it (multipath). */
  replies: number;
  /** Targets whose trace met it (targets), flows that met it (multipath), else null. */
  reach: number | null;
  /** Its share of its hop's replies (report), or null. */
  share: number | null;
  /** Loss at its hop, percent (report; 100 on a silent node), or null. */
  lossPercent: number | null;
  /** Mean round trip of its replies, ms, or null. */
  meanRtt: number | null;
  /** The flows that met it (multipath), else null. */
  flows: number[] | null;
}

/** One edge: traffic went from one hop's node to the next hop's. */
export interface GraphEdge {
  /** The nearer node's id. */
  from: string;
  /** The farther node's id. */
  to: string;
  /** What took it: probes' traces (trace), flows (multipath, report with flows), targets. */
  count: number;
  /** `count` over the graph's `total`, 0 to 1. */
  share: number;
  /**
   * Not proven by a flow: the hops around it answered from several addresses
   * and the probes did not keep their flow, so any of their pairs may be it.
   */
  estimated: boolean;
}

/** The path as a graph. */
export interface PathGraph {
  /** What it was built from. */
  kind: GraphKind;
  /** The traced target (`host (address)`), or the number of targets. */
  title: string;
  /** What edges count: `traces`, `flows` or `targets`. */
  unit: "traces" | "flows" | "targets";
  /** How many of `unit` there are (an edge's share is its count over this). */
  total: number;
  /** The nodes, the source first, then by hop. */
  nodes: GraphNode[];
  /** The edges, by the nearer node's hop. */
  edges: GraphEdge[];
}

/** One step of a walk along the path: the node met at a hop, or silence. */
interface Step {
  hop: number;
  address: string | null;
}

/** Builds nodes and edges, each met once however often walks cross it. */
class Builder {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #edges = new Map<string, GraphEdge & { keys: Set<number> }>();
  readonly #source: GraphNode;

  constructor() {
    this.#source = this.#blank("src", 0, null);
    this.#nodes.set("src", this.#source);
  }

  #blank(id: string, hop: number, address: string | null): GraphNode {
    return {
      id,
      hop,
      address,
      final: false,
      annotations: [],
      replies: 0,
      reach: null,
      share: null,
      lossPercent: null,
      meanRtt: null,
      flows: null,
    };
  }

  /** The source: where every walk starts. */
  get sourceNode(): GraphNode {
    return this.#source;
  }

  /** The node of `step` (after `previous`: a silent hop's `*` is one per node before it). */
  node(step: Step, previous: GraphNode): GraphNode {
    const key = step.address === null
      ? `${step.hop}|*|${previous.id}`
      : `${step.hop}|${step.address}`;
    let node = this.#nodes.get(key);
    if (!node) {
      node = this.#blank(`n${this.#nodes.size}`, step.hop, step.address);
      this.#nodes.set(key, node);
    }
    return node;
  }

  /** Walks `steps` from the source; `key` tells walks apart (a flow, a target). */
  walk(steps: readonly Step[], key: number, estimated: (hop: number) => boolean): GraphNode[] {
    let previous = this.#source;
    const met: GraphNode[] = [];
    for (const step of steps) {
      const node = this.node(step, previous);
      this.link(previous, node, key, estimated(step.hop));
      met.push(node);
      previous = node;
    }
    return met;
  }

  /** Counts `key` on the edge from `a` to `b`. */
  link(a: GraphNode, b: GraphNode, key: number, estimated: boolean): void {
    const id = `${a.id}>${b.id}`;
    let edge = this.#edges.get(id);
    if (!edge) {
      edge = { from: a.id, to: b.id, count: 0, share: 0, estimated, keys: new Set() };
      this.#edges.set(id, edge);
    }
    if (!estimated) edge.estimated = false;
    if (!edge.keys.has(key)) {
      edge.keys.add(key);
      edge.count++;
    }
  }

  graph(kind: GraphKind, title: string, unit: PathGraph["unit"], total: number): PathGraph {
    const nodes = [...this.#nodes.values()].sort((a, b) => a.hop - b.hop);
    const order = new Map(nodes.map((n, i) => [n.id, i]));
    const edges = [...this.#edges.values()]
      .map(({ keys: _keys, ...edge }) => ({ ...edge, share: total > 0 ? edge.count / total : 0 }))
      .sort((a, b) =>
        order.get(a.from)! - order.get(b.from)! || order.get(a.to)! - order.get(b.to)!
      );
    return { kind, title, unit, total, nodes, edges };
  }
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The graph of one or more traces. With one, edges count that trace (1);
 * with many (`--targets`), each hop met by several targets is one node and
 * an edge counts the targets that crossed it. Within one trace, a hop's
 * probes may answer from several addresses; every pair of addresses of two
 * consecutive hops is then an edge, marked `estimated` (a classic trace's
 * probes do not keep their flow).
 */
export function tracesGraph(traces: readonly Trace[]): PathGraph {
  const builder = new Builder();
  const rtts = new Map<GraphNode, number[]>();
  const reach = new Map<GraphNode, Set<number>>();
  traces.forEach((trace, t) => {
    // Per hop, the addresses that answered (or silence).
    const layers = trace.hops.map((hop) => {
      const answered = hop.probes.filter((p) => p.address !== null);
      return {
        hop: hop.ttl,
        probes: answered,
        addresses: [...new Set(answered.map((p) => p.address!))],
      };
    });
    let previous: GraphNode[] = [];
    let previousSeveral = false;
    for (const layer of layers) {
      const several = layer.addresses.length > 1;
      const steps: Step[] = layer.addresses.length === 0
        ? [{ hop: layer.hop, address: null }]
        : layer.addresses.map((address) => ({ hop: layer.hop, address }));
      const froms = previous.length > 0 ? previous : [builder.sourceNode];
      const met: GraphNode[] = [];
      for (const step of steps) {
        for (const from of froms) {
          const node = builder.node(step, froms[0]!);
          builder.link(from, node, t, several || previousSeveral);
          if (!met.includes(node)) met.push(node);
        }
      }
      for (const node of met) {
        const probes = layer.probes.filter((p) => p.address === node.address);
        node.replies += probes.length;
        for (const p of probes) {
          if (p.final) node.final = true;
          if (p.annotation && !node.annotations.includes(p.annotation)) {
            node.annotations.push(p.annotation);
          }
          if (p.name !== undefined && node.name == null) node.name = p.name;
          if (p.identity && !node.identity) node.identity = p.identity;
          if (p.rtt !== null) (rtts.get(node) ?? rtts.set(node, []).get(node)!).push(p.rtt);
        }
        (reach.get(node) ?? reach.set(node, new Set()).get(node)!).add(t);
      }
      previous = met;
      previousSeveral = several;
    }
  });
  for (const [node, values] of rtts) node.meanRtt = mean(values);
  if (traces.length > 1) { for (const [node, set] of reach) node.reach = set.size; }
  const one = traces.length === 1 ? traces[0]! : null;
  return builder.graph(
    one ? "trace" : "targets",
    one ? `${one.target.host} (${one.target.address})` : `${traces.length} targets`,
    one ? "traces" : "targets",
    traces.length,
  );
}

/**
 * The graph of a multipath run: each flow walks its path hop by hop (a hop
 * where it got no answer is a `*` node), so every diamond shows, and an edge
 * counts the flows that took it.
 */
export function multipathGraph(run: Multipath): PathGraph {
  const builder = new Builder();
  const byFlow = new Map<number, Step[]>();
  const stepOf = (flow: number) => byFlow.get(flow) ?? byFlow.set(flow, []).get(flow)!;
  for (const hop of run.hops) {
    for (const node of hop.nodes) {
      for (const flow of node.flows) stepOf(flow).push({ hop: hop.ttl, address: node.address });
    }
    for (const flow of hop.unanswered) stepOf(flow).push({ hop: hop.ttl, address: null });
  }
  const flowsAt = new Map<GraphNode, Set<number>>();
  for (const [flow, steps] of [...byFlow].sort((a, b) => a[0] - b[0])) {
    steps.sort((a, b) => a.hop - b.hop);
    for (const node of builder.walk(steps, flow, () => false)) {
      (flowsAt.get(node) ?? flowsAt.set(node, new Set()).get(node)!).add(flow);
    }
  }
  for (const hop of run.hops) {
    for (const found of hop.nodes) {
      // The answered node of an address is keyed by its hop and address alone.
      const node = builder.node({ hop: hop.ttl, address: found.address }, builder.sourceNode);
      if (found.name !== undefined) node.name = found.name;
      if (found.identity) node.identity = found.identity;
      node.final = found.final;
      node.annotations = [...found.annotations];
      node.meanRtt = mean(found.rtts);
    }
  }
  for (const [node, flows] of flowsAt) {
    node.flows = [...flows].sort((a, b) => a - b);
    node.reach = flows.size;
    node.replies = node.address === null ? 0 : flows.size;
  }
  return builder.graph(
    "multipath",
    `${run.target.host} (${run.target.address})`,
    "flows",
    run.flows,
  );
}

/** A flow's address at a hop of a report: the one that answered it most. */
function flowAddress(hop: HopStatsJson, flow: number): string | null {
  const f = hop.flows.find((x) => x.flow === flow);
  if (!f || f.received === 0) return null;
  return [...f.addresses].sort((a, b) => b.received - a.received)[0]?.address ?? null;
}

/**
 * The graph of a continuous run's report: each hop's addresses with their
 * share of its replies, the hop's loss and their mean round trip. With
 * flows (`--report --flows N`) an edge counts the flows that took it (each
 * flow's most frequent address per hop); without, consecutive hops are
 * joined by every pair of their addresses (`estimated` where a hop has
 * several, as under ECMP), each edge's share the product of its ends'
 * shares.
 */
export function reportGraph(
  title: string,
  snapshot: WatchSnapshot,
  firstHop: number,
  flows: number,
): PathGraph {
  const builder = new Builder();
  const hops = reportedHops(snapshot, firstHop);
  const stepsOf = (hop: HopStatsJson): Step[] => {
    const addresses = addressesByReplies(hop).map((a) => a.address).filter((a) => a !== null);
    return addresses.length === 0
      ? [{ hop: hop.ttl, address: null }]
      : addresses.map((address) => ({ hop: hop.ttl, address }));
  };
  if (flows > 1) {
    for (let flow = 0; flow < flows; flow++) {
      builder.walk(
        hops.map((h) => ({ hop: h.ttl, address: flowAddress(h, flow) })),
        flow,
        () => false,
      );
    }
  }
  // Every address of every hop is a node (with flows too, for addresses no flow kept).
  let previous: GraphNode[] = [builder.sourceNode];
  let previousSeveral = false;
  for (const hop of hops) {
    const steps = stepsOf(hop);
    const met = steps.map((s) => builder.node(s, previous[0]!));
    const several = steps.length > 1;
    if (flows <= 1) {
      for (const a of previous) {
        for (const b of met) builder.link(a, b, 0, several || previousSeveral);
      }
    }
    for (const node of met) {
      const stats = hop.addresses.find((a) => a.address === node.address);
      node.lossPercent = node.address === null ? 100 : hop.lossPercent;
      node.replies = stats?.received ?? 0;
      node.share = stats ? stats.share : null;
      node.meanRtt = stats?.mean ?? null;
      if (node.address !== null) {
        const name = snapshot.names[node.address];
        if (name !== undefined) node.name = name;
        const identity = snapshot.identities?.[node.address];
        if (identity) node.identity = identity;
        if (snapshot.destination === hop.ttl) node.final = true;
      }
    }
    previous = met;
    previousSeveral = several;
  }
  const graph = builder.graph(
    "report",
    title,
    flows > 1 ? "flows" : "traces",
    flows > 1 ? flows : 1,
  );
  if (flows <= 1) {
    // Without flows an edge's share is a guess: its ends' shares of their hops' replies.
    const share = new Map(graph.nodes.map((n) => [n.id, n.share ?? 1]));
    for (const edge of graph.edges) edge.share = share.get(edge.from)! * share.get(edge.to)!;
  }
  return graph;
}
