/**
 * Structured output: one JSON document for a whole trace (`--json`), or one
 * JSON object per event as it happens (`--ndjson`). Both carry the facts the
 * classic text shows, and more (ICMP type and code, reply TTLs, decoded
 * extensions); README documents the schema.
 *
 * @module
 */
import type { Finding } from "../explain/findings.ts";
import { mplsEntries } from "../packet/icmp_extension.ts";
import type { Hop, ProbeResult, Trace, TraceEvent, TraceStart } from "../core/model.ts";
import type { AddressIdentity } from "../core/identity.ts";

/** The schema of the `--json` document. */
export const JSON_SCHEMA = "hopwise.trace/1";
/** The schema of the `--ndjson` event stream. */
export const NDJSON_SCHEMA = "hopwise.events/1";

/**
 * A round-trip time as JSON: milliseconds rounded to the microsecond (the
 * kernel's timestamps are nanoseconds, but the sums of binary floats they
 * become carry noise such as 0.03741700000000048).
 */
export function jsonRtt(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 1000) / 1000;
}

/**
 * An address's identity as JSON fields beside its address: `asn`, `asName`,
 * `prefix`, `country`, `city`, `location` (`latitude`, `longitude`,
 * `accuracyKm`), each only when known, in that order; `{}` for none.
 *
 * @example
 * ```ts
 * import { identityFields } from "./json.ts";
 * identityFields({ country: "DE", asn: 64502 }); // { asn: 64502, country: "DE" }
 * ```
 */
export function identityFields(identity: AddressIdentity | undefined): AddressIdentity {
  if (identity === undefined) return {};
  const { asn, asName, prefix, country, city, location } = identity;
  return {
    ...(asn !== undefined ? { asn } : {}),
    ...(asName !== undefined ? { asName } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(country !== undefined ? { country } : {}),
    ...(city !== undefined ? { city } : {}),
    ...(location !== undefined ? { location: { ...location } } : {}),
  };
}

/**
 * A probe as JSON: the fields of its {@linkcode ProbeResult} but its TTL (its
 * hop's), the RTT in ms to the microsecond ({@linkcode jsonRtt}), and the
 * extensions with their MPLS stacks decoded, and its responder's identity
 * ({@linkcode identityFields}) where known.
 */
export interface JsonProbe extends
  AddressIdentity,
  Pick<
    ProbeResult,
    | "index"
    | "address"
    | "name"
    | "rtt"
    | "annotation"
    | "final"
    | "icmp"
    | "replyTtl"
    | "tcpFlags"
    | "asPath"
    | "moved"
    | "reprobed"
  > {
  /** ICMP extension objects (with `-e`), MPLS stacks decoded, or null. */
  extensions:
    | Array<{
      classNumber: number;
      cType: number;
      words: number[];
      mpls?: Array<{ label: number; exp: number; bottom: boolean; ttl: number }>;
    }>
    | null;
}

/** Converts a probe result to its JSON form. */
export function jsonProbe(probe: ProbeResult): JsonProbe {
  return {
    index: probe.index,
    address: probe.address,
    ...(probe.name !== undefined ? { name: probe.name } : {}),
    rtt: jsonRtt(probe.rtt),
    annotation: probe.annotation,
    final: probe.final,
    icmp: probe.icmp,
    replyTtl: probe.replyTtl,
    tcpFlags: probe.tcpFlags,
    extensions: probe.extensions?.map((object) => {
      const mpls = mplsEntries(object);
      return { ...object, words: [...object.words], ...(mpls ? { mpls } : {}) };
    }) ?? null,
    ...(probe.asPath !== undefined ? { asPath: probe.asPath } : {}),
    ...identityFields(probe.identity),
    moved: probe.moved,
    reprobed: probe.reprobed,
  };
}

function jsonHop(hop: Hop): { ttl: number; probes: JsonProbe[] } {
  return { ttl: hop.ttl, probes: hop.probes.map(jsonProbe) };
}

function jsonStart(start: TraceStart) {
  return {
    target: start.target,
    method: start.method,
    firstHop: start.firstHop,
    maxHops: start.maxHops,
    queries: start.queries,
    packetSize: start.packetSize,
    settings: start.settings,
    startedAt: start.startedAt,
  };
}

/**
 * The `--json` document of a whole trace; with `findings` (`--explain`), a
 * `findings` array after the hops.
 */
export function traceToJson(
  trace: Trace,
  findings?: readonly Finding[],
): Record<string, unknown> {
  return {
    schema: JSON_SCHEMA,
    ...jsonStart(trace),
    endedAt: trace.endedAt,
    reason: trace.reason,
    statistics: trace.statistics,
    hops: trace.hops.map(jsonHop),
    ...(findings ? { findings: findings.map(jsonFinding) } : {}),
  };
}

/** A finding as JSON (a copy: the document does not share arrays with it). */
function jsonFinding(f: Finding): Finding {
  return {
    kind: f.kind,
    hops: [...f.hops],
    addresses: [...f.addresses],
    evidence: f.evidence.map((e) => ({ ...e })),
    text: f.text,
    causes: [...f.causes],
    suggestions: [...f.suggestions],
  };
}

/**
 * `--json`: collects the events of one trace and returns the document (and a
 * newline) with the `end` event; "" for every other event.
 */
export class JsonFormatter {
  #start: TraceStart | null = null;
  #hops: Hop[] = [];
  #findings: readonly Finding[] | null = null;

  /**
   * Findings (`--explain`) for the document: set before the `end` event is
   * formatted, they appear as its `findings` array.
   */
  setFindings(findings: readonly Finding[]): void {
    this.#findings = findings;
  }

  /** The text for one event. */
  format(event: TraceEvent): string {
    switch (event.type) {
      case "start": {
        const { type: _, ...start } = event;
        this.#start = start;
        return "";
      }
      case "probe": {
        const last = this.#hops.at(-1);
        if (last && last.ttl === event.probe.ttl) last.probes.push(event.probe);
        else this.#hops.push({ ttl: event.probe.ttl, probes: [event.probe] });
        return "";
      }
      case "hop":
        return "";
      case "end":
        if (!this.#start) return "";
        return JSON.stringify(
          traceToJson({
            ...this.#start,
            hops: this.#hops,
            reason: event.reason,
            endedAt: event.endedAt,
            statistics: event.statistics,
          }, this.#findings ?? undefined),
          null,
          2,
        ) + "\n";
    }
  }
}

/**
 * `--ndjson`: each event as one line of JSON, as it happens; with
 * `--explain`, a `{"type":"findings","findings":[...]}` line just before the
 * `end` line.
 */
export class NdjsonFormatter {
  /** The line of the findings (`--explain`): `{"type":"findings","findings":[...]}`. */
  formatFindings(findings: readonly Finding[]): string {
    return JSON.stringify({ type: "findings", findings: findings.map(jsonFinding) }) + "\n";
  }

  /** The line for one event. */
  format(event: TraceEvent): string {
    let line: Record<string, unknown>;
    switch (event.type) {
      case "start": {
        const { type: _, ...start } = event;
        line = { type: "start", schema: NDJSON_SCHEMA, ...jsonStart(start) };
        break;
      }
      case "probe":
        line = { type: "probe", ttl: event.probe.ttl, probe: jsonProbe(event.probe) };
        break;
      case "hop":
        line = { type: "hop", hop: jsonHop(event.hop) };
        break;
      case "end":
        line = {
          type: "end",
          reason: event.reason,
          endedAt: event.endedAt,
          statistics: event.statistics,
        };
        break;
    }
    return JSON.stringify(line) + "\n";
  }
}
