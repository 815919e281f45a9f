/**
 * Text and JSON for multipath runs (`--flows`, `--mda`).
 *
 * The text starts with Linux traceroute's header, then one line per address
 * met at each hop (further addresses of a hop indented under the first),
 * shown as the classic text shows a responder (name, `[AS...]`, place in
 * braces), each with its median round trip and the flows that met it, then a
 * line per diamond and a summary:
 *
 * ```text
 * traceroute to 198.18.40.1 (198.18.40.1), 30 hops max, 60 byte packets
 *  1  198.18.1.2  0.031 ms  flows 0-15
 *  2  198.18.2.2  0.029 ms  flows 0,2,5-7,9,12
 *     198.18.3.2  0.030 ms  flows 1,3,4,8,10,11,13-15
 * ...
 * diamond: hop 1 198.18.1.2 to hop 3 198.18.4.2: 2 paths, 2 wide at hop 2
 * ```
 *
 * @module
 */
import type { Diamond, Multipath } from "../modes/multipath.ts";
import { responderText } from "./classic.ts";
import { identityFields, jsonRtt } from "./json.ts";

/** Schema name of the multipath JSON document. */
export const MULTIPATH_SCHEMA = "hopwise.multipath/1";

/** Flow numbers as ranges: `[0, 1, 2, 5]` → `0-2,5`. */
export function flowRanges(flows: readonly number[]): string {
  const sorted = [...flows].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The text of a multipath run. */
export function formatMultipath(run: Multipath, options: { numeric?: boolean } = {}): string {
  const numeric = options.numeric ?? false;
  let out = `traceroute to ${run.target.host} (${run.target.address}), ` +
    `${run.maxHops} hops max, ${run.packetSize} byte packets\n`;
  for (const hop of run.hops) {
    const lines: string[] = [];
    for (const node of hop.nodes) {
      const rtt = median(node.rtts);
      let line = responderText(node, numeric);
      if (rtt !== null) line += `  ${rtt.toFixed(3)} ms`;
      for (const annotation of node.annotations) line += ` ${annotation}`;
      line += `  ${node.flows.length === 1 ? "flow" : "flows"} ${flowRanges(node.flows)}`;
      lines.push(line);
    }
    if (hop.unanswered.length > 0) {
      lines.push(
        `*  ${hop.unanswered.length === 1 ? "flow" : "flows"} ${flowRanges(hop.unanswered)}`,
      );
    }
    out += `${String(hop.ttl).padStart(2, " ")}  ${lines[0]}\n`;
    for (const line of lines.slice(1)) out += `    ${line}\n`;
  }
  for (const d of run.diamonds) out += `diamond: ${diamondWords(d)}\n`;
  return out + multipathSummary(run) + "\n";
}

/** A diamond in words: `hop 1 198.18.1.2 to hop 3 198.18.4.2: 2 paths, 2 wide at hop 2`. */
export function diamondWords(d: Diamond): string {
  const from = d.from.address === null ? "the source" : `hop ${d.from.hop} ${d.from.address}`;
  const to = d.to ? `hop ${d.to.hop} ${d.to.address}` : "the last hop (paths not joined)";
  return `${from} to ${to}: ${d.paths} ${d.paths === 1 ? "path" : "paths"}, ` +
    `${d.width} wide at hop ${d.widestHop}`;
}

/** The summary line of a multipath run: flows, probes, diamonds, and how sure it is. */
export function multipathSummary(run: Multipath): string {
  const what = run.reason === "aborted"
    ? "interrupted: the run is incomplete"
    : run.mode === "mda"
    ? run.limited
      ? `MDA stopped at its limit of ${run.flows} flows before ${
        Math.round(run.confidence! * 100)
      }% confidence: next hops may be missing`
      : `MDA: every next hop found with ${+(run.confidence! * 100).toFixed(
        2,
      )}% confidence (per node, equal shares assumed)`
    : `flows only: more next hops may exist (--mda looks for all)`;
  const paths = run.diamonds.length === 0
    ? "one path"
    : `${run.diamonds.length} ${run.diamonds.length === 1 ? "diamond" : "diamonds"}`;
  return `${run.flows} flows, ${run.probes} probes, ${paths}; ${what}`;
}

/** The JSON document of a multipath run (schema `hopwise.multipath/1`). */
export function multipathToJson(run: Multipath): Record<string, unknown> {
  return {
    schema: MULTIPATH_SCHEMA,
    target: run.target,
    method: run.method,
    mode: run.mode,
    confidence: run.confidence,
    firstHop: run.firstHop,
    maxHops: run.maxHops,
    packetSize: run.packetSize,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    reason: run.reason,
    flows: run.flows,
    probes: run.probes,
    limited: run.limited,
    settings: run.settings,
    hops: run.hops.map((h) => ({
      ...h,
      // What is known of each node as a trace's probes give it: `asPath`, then `asn`, `asName`, ...
      nodes: h.nodes.map(({ identity, ...n }) => ({
        ...n,
        rtts: n.rtts.map((r) => jsonRtt(r)!),
        ...identityFields(identity),
      })),
    })),
    nodes: run.hops.flatMap((h) =>
      h.nodes.map((n) => ({ id: `${n.hop}/${n.address}`, hop: n.hop, address: n.address }))
    ),
    links: run.links.map((l) => ({
      from: l.from === null ? "source" : `${l.hop}/${l.from}`,
      to: `${l.hop + 1}/${l.to}`,
      flows: l.flows,
    })),
    diamonds: run.diamonds,
    statistics: run.statistics,
  };
}
