/**
 * The words of a path graph, the same in every drawing of it (DOT, SVG): a
 * node's lines (hop and address or name, AS and place, what met it) and an
 * edge's label (how many traces, flows or targets took it).
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import type { GraphEdge, GraphNode, PathGraph } from "./graph.ts";
import { flowRanges } from "./multipath.ts";

/** A node's words, line by line: who it is, where, and what met it. */
export function nodeLines(node: GraphNode, graph: PathGraph): string[] {
  if (node.hop === 0) return ["source"];
  const lines: string[] = [];
  if (node.address === null) lines.push(`${node.hop}  *`);
  else {
    const named = node.name ? `${node.name} (${node.address})` : node.address;
    lines.push(
      `${node.hop}  ${named}${node.annotations.length ? " " + node.annotations.join(" ") : ""}`,
    );
  }
  const who = identityLine(node.identity);
  if (who) lines.push(who);
  const facts: string[] = [];
  if (node.share !== null && node.share < 1) facts.push(`${percent(node.share * 100)} of replies`);
  if (node.lossPercent !== null) facts.push(`loss ${percent(node.lossPercent)}`);
  if (node.meanRtt !== null) facts.push(`${node.meanRtt.toFixed(2)} ms`);
  if (graph.kind === "multipath" && node.flows) {
    facts.push(`${node.flows.length === 1 ? "flow" : "flows"} ${flowRanges(node.flows)}`);
  }
  if (graph.kind === "targets" && node.reach !== null) {
    facts.push(`${node.reach} ${node.reach === 1 ? "target" : "targets"}`);
  }
  if (facts.length) lines.push(facts.join(", "));
  return lines;
}

/** An identity in one line: `AS64501 EXAMPLE-NET, Berlin, DE`; empty when nothing is known. */
export function identityLine(identity: AddressIdentity | undefined): string {
  if (!identity) return "";
  const parts: string[] = [];
  if (identity.asn !== undefined) {
    parts.push(`AS${identity.asn}${identity.asName ? " " + identity.asName : ""}`);
  } else if (identity.asName) parts.push(identity.asName);
  const place = [identity.city, identity.country].filter((p) => p).join(", ");
  if (place) parts.push(place);
  return parts.join(", ");
}

/** An edge's words: its count and unit, or nothing on a graph of one trace. */
export function edgeLabel(edge: GraphEdge, graph: PathGraph): string {
  if (graph.total <= 1) return "";
  const unit = graph.unit === "traces"
    ? ""
    : " " + (edge.count === 1 ? graph.unit.slice(0, -1) : graph.unit);
  return `${edge.count}${unit} (${percent(edge.share * 100)})`;
}

/** A percentage as reports show it: no decimals from 10, one below. */
export function percent(value: number): string {
  return `${value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1)}%`;
}
