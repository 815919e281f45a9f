/**
 * The Multipath Detection Algorithm's arithmetic (Augustin et al., "Avoiding
 * traceroute anomalies with Paris traceroute" and "Multipath tracing with
 * Paris traceroute"), on a table of which flow met which address at which
 * hop: the stopping rule, which hops still need flows, the links the flows
 * prove, and the diamonds they form.
 *
 * @module
 */

/**
 * What the flows met: for each hop (TTL), each probed flow's responder, or
 * null when that flow's probe went unanswered.
 */
export type FlowTable = Map<number, Map<number, string | null>>;

/**
 * The MDA's stopping rule: how many flows must reach a node's next hop, all
 * landing on the `k` next hops already seen, before the node may be taken to
 * have no other (with probability `confidence`, each next hop being equally
 * likely): n_k = ⌈ln((1 − confidence) / (k + 1)) / ln(k / (k + 1))⌉.
 *
 * @example
 * ```ts
 * import { stoppingPoint } from "./mda.ts";
 * console.log([1, 2, 3, 4].map((k) => stoppingPoint(k, 0.95))); // [6, 11, 16, 21]
 * ```
 */
export function stoppingPoint(k: number, confidence: number): number {
  if (k < 1) return stoppingPoint(1, confidence);
  return Math.ceil(Math.log((1 - confidence) / (k + 1)) / Math.log(k / (k + 1)));
}

/** A node that has not had enough flows to be sure of its next hops. */
export interface Deficit {
  /** The hop whose addresses are still uncertain. */
  hop: number;
  /** The node before it (`null`: the source). */
  from: string | null;
  /** Flows through `from` answered at `hop`. */
  have: number;
  /** Flows the stopping rule needs. */
  need: number;
  /** Share of the flows probed at `hop` that went through `from`. */
  share: number;
}

/**
 * The node a flow passed through before `hop`: its responder at the nearest
 * earlier hop that answered (from `first`), or null for the source. Returns
 * undefined when the flow was not probed at every hop in between.
 */
function predecessor(
  table: FlowTable,
  flow: number,
  hop: number,
  first: number,
): string | null | undefined {
  for (let h = hop - 1; h >= first; h--) {
    const answer = table.get(h)?.get(flow);
    if (answer === undefined) return undefined;
    if (answer !== null) return answer;
  }
  return null;
}

/**
 * Which nodes, at which hops from `first` to `last`, have not yet had the
 * flows the stopping rule needs: for each node (the source for the first
 * hop), the flows through it that were answered at the next hop, against
 * n_k for the k distinct next hops they met. A node whose flows all went
 * unanswered at the next hop needs nothing more (a silent hop teaches
 * nothing).
 */
export function deficits(
  table: FlowTable,
  first: number,
  last: number,
  confidence: number,
): Deficit[] {
  const out: Deficit[] = [];
  for (let hop = first; hop <= last; hop++) {
    const row = table.get(hop);
    if (!row) continue;
    const groups = new Map<
      string | null,
      { through: number; answered: number; next: Set<string> }
    >();
    let probed = 0;
    for (const [flow, answer] of row) {
      const from = predecessor(table, flow, hop, first);
      if (from === undefined) continue;
      probed++;
      let group = groups.get(from);
      if (!group) groups.set(from, group = { through: 0, answered: 0, next: new Set() });
      group.through++;
      if (answer !== null) {
        group.answered++;
        group.next.add(answer);
      }
    }
    for (const [from, group] of groups) {
      if (group.next.size === 0) continue;
      const need = stoppingPoint(group.next.size, confidence);
      if (group.answered < need) {
        out.push({ hop, from, have: group.answered, need, share: group.through / probed });
      }
    }
  }
  return out;
}

/** A link two consecutive answers of one flow prove. */
export interface FlowLink {
  /** Hop of the first address (`first - 1` with a null `from`: the source). */
  hop: number;
  /** The nearer address (null: the source). */
  from: string | null;
  /** The farther address, one hop on. */
  to: string;
  /** The flows that took it. */
  flows: number[];
}

/**
 * The links between consecutive hops that the flows prove: a flow answered
 * by A at hop h and by B at hop h + 1 went from A to B. The first hop's
 * addresses link from the source.
 */
export function flowLinks(table: FlowTable, first: number, last: number): FlowLink[] {
  const links = new Map<string, FlowLink>();
  for (let hop = first; hop <= last; hop++) {
    const row = table.get(hop);
    if (!row) continue;
    for (const [flow, to] of row) {
      if (to === null) continue;
      const from = hop === first ? null : table.get(hop - 1)?.get(flow);
      if (from === undefined || (hop !== first && from === null)) continue;
      const key = `${hop - 1} ${from} ${to}`;
      let link = links.get(key);
      if (!link) links.set(key, link = { hop: hop - 1, from, to, flows: [] });
      link.flows.push(flow);
    }
  }
  for (const link of links.values()) link.flows.sort((a, b) => a - b);
  return [...links.values()];
}

/** A diamond: paths that part at one node and meet again at another. */
export interface Diamond {
  /** Where the paths part: its hop and address (null address: the source). */
  from: { hop: number; address: string | null };
  /** Where they meet again, or null when they had not met by the last hop. */
  to: { hop: number; address: string } | null;
  /** Distinct paths from `from` to `to` over the proven links. */
  paths: number;
  /** The most addresses at one hop in between. */
  width: number;
  /** The hop where it is widest. */
  widestHop: number;
}

/**
 * The diamonds in the links: at each node with more than one next hop, the
 * flows through it are followed until they all meet at one address again.
 */
export function diamonds(table: FlowTable, first: number, last: number): Diamond[] {
  const links = flowLinks(table, first, last);
  const out: Diamond[] = [];
  const nextOf = (hop: number, from: string | null) =>
    links.filter((l) => l.hop === hop && l.from === from);
  // Every node that is the start of a split: the source too.
  const starts: Array<{ hop: number; address: string | null }> = [];
  const seen = new Set<string>();
  for (const link of links) {
    const key = `${link.hop} ${link.from}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (nextOf(link.hop, link.from).length > 1) starts.push({ hop: link.hop, address: link.from });
  }
  starts.sort((a, b) => a.hop - b.hop);
  let coveredUntil = -Infinity;
  for (const start of starts) {
    if (start.hop < coveredUntil) continue; // inside a diamond already reported
    // Follow the set of nodes reachable from the start, hop by hop.
    let frontier = new Set<string | null>([start.address]);
    let width = 1;
    let widestHop = start.hop;
    // paths[address] = number of distinct paths from start to that node.
    let paths = new Map<string | null, number>([[start.address, 1]]);
    let end: { hop: number; address: string } | null = null;
    for (let hop = start.hop; hop < last; hop++) {
      const next = new Map<string, number>();
      for (const node of frontier) {
        for (const link of nextOf(hop, node)) {
          next.set(link.to, (next.get(link.to) ?? 0) + (paths.get(node) ?? 0));
        }
      }
      if (next.size === 0) break;
      if (next.size === 1) {
        const [address, count] = [...next][0]!;
        end = { hop: hop + 1, address };
        paths = new Map([[address, count]]);
        break;
      }
      if (next.size > width) {
        width = next.size;
        widestHop = hop + 1;
      }
      frontier = new Set(next.keys());
      paths = next;
    }
    const total = end ? paths.get(end.address)! : [...paths.values()].reduce((a, b) => a + b, 0);
    out.push({ from: start, to: end, paths: total, width, widestHop });
    coveredUntil = end ? end.hop : Infinity;
  }
  return out;
}
