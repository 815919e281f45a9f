/**
 * `--compare`'s reading of its traces: what became of each method (where it
 * stops answering, with what reply) and which others still answer deeper,
 * the sign of a filter. The table and the JSON that show it are
 * compare.ts's. Pure functions of the traces.
 *
 * @module
 */
import type { MethodName, ProbeResult, Target, Trace } from "../core/model.ts";
import { familyOf } from "../packet/address.ts";

/** One method of a comparison and what became of its trace. */
export interface CompareEntry {
  /** The method as listed and shown: `udp`, `tcp:443`. */
  label: string;
  /** The probe method. */
  method: MethodName;
  /** The port given with it, or null for the method's default (or `-p`). */
  port: number | null;
  /**
   * Its trace (up to where it got when interrupted or failed), or null when
   * it could not start.
   */
  trace: Trace | null;
  /** Why it could not start, or why it failed; null when all went well. */
  error: string | null;
}

/** What happened to the process's privileges in a comparison. */
export interface ComparePrivileges {
  /**
   * `none`: it had none; `dropped`: it had some and dropped them once every
   * trace's sockets were open, before any reply was read; `kept`: it had some
   * and kept them (not asked to drop, or a later socket needs them).
   */
  state: "none" | "dropped" | "kept";
  /** The user the process runs as after a drop, else null. */
  uid: number | null;
}

/** A whole comparison. */
export interface CompareRun {
  /** The host as given. */
  host: string;
  /** The target traced (from the first trace that started), or null. */
  target: Target | null;
  /** Its methods, in the order listed. */
  entries: CompareEntry[];
  /** What happened to privileges. */
  privileges: ComparePrivileges;
  /** The run was interrupted. */
  aborted: boolean;
}

/** How one method fared, as the summary line says it. */
export interface CompareSummary {
  /** The method's label. */
  label: string;
  /**
   * `reached`: the destination answered; `unreachable`: a final unreachable
   * (`!H`, `!X`, ...) ended it; `not-reached`: it ran out of hops (or was
   * interrupted) without a final answer; `not-traced`: it could not start;
   * `failed`: it stopped on an error.
   */
  status: "reached" | "unreachable" | "not-reached" | "not-traced" | "failed";
  /** The hop of the final answer, or null. */
  hop: number | null;
  /** Who gave the final answer, or null. */
  address: string | null;
  /**
   * What the final answer was: `RST`, `SYN-ACK`, `port unreachable`, `echo
   * reply`, an annotation (`!X`); null when none or not known.
   */
  reply: string | null;
  /** The deepest hop that answered at all, or null when none did. */
  lastAnswerHop: number | null;
  /** Who answered there (first responder), or null. */
  lastAnswer: string | null;
  /** The first hop of the silence at the end of the trace, or null when none. */
  silentFrom: number | null;
  /**
   * Other methods that still answer at a deeper hop than where this one
   * stopped (silent from, or ended by an unreachable): the sign of a filter.
   */
  stillAnswering: string[];
  /** The trace was interrupted before it ended. */
  interrupted: boolean;
  /** The summary line. */
  text: string;
}

/** How a comparison is shown (its summary lines, its table). */
export interface CompareFormatOptions {
  /** `-n`: addresses only; otherwise a responder's name, when it has one. */
  numeric: boolean;
}

const UNREACHABLE_MEANING: Readonly<Record<string, string>> = {
  "!H": "host unreachable",
  "!N": "network unreachable",
  "!P": "protocol unreachable",
  "!S": "source route failed",
  "!X": "administratively prohibited",
  "!V": "host precedence violation",
  "!C": "precedence cutoff",
};

/**
 * What a final reply was, in a word or two: `RST`, `SYN-ACK`, `port
 * unreachable`, `echo reply`, an annotation such as `!X`; null when nothing
 * tells. `method` is the trace's method.
 */
export function describeReply(probe: ProbeResult, method: MethodName): string | null {
  if (probe.tcpFlags && probe.tcpFlags.length > 0) {
    const flags = new Set(probe.tcpFlags);
    if (flags.has("rst")) return "RST";
    if (flags.has("syn") && flags.has("ack")) return "SYN-ACK";
    return probe.tcpFlags.map((f) => f.toUpperCase()).join("-");
  }
  if (probe.annotation.startsWith("!")) return probe.annotation;
  if (probe.icmp) {
    const { type, code } = probe.icmp;
    const family = probe.address ? familyOf(probe.address) : 0;
    if (family === 6) {
      if (type === 129) return "echo reply";
      if (type === 1 && code === 4) return "port unreachable";
    } else {
      if (type === 0) return "echo reply";
      if (type === 3 && code === 3) return "port unreachable";
      if (type === 3 && code === 2) return "protocol unreachable";
    }
    return `ICMP ${type}/${code}`;
  }
  // The icmp method's echo replies come without an ICMP error's type and code.
  return method === "icmp" ? "echo reply" : null;
}

/** `a`, `a and b`, `a, b and c`. */
function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** The last hop of a trace with any answer, and its first responder. */
export function lastAnswer(trace: Trace): { ttl: number; probe: ProbeResult } | null {
  for (let i = trace.hops.length - 1; i >= 0; i--) {
    const hop = trace.hops[i]!;
    const probe = hop.probes.find((p) => p.address !== null);
    if (probe) return { ttl: hop.ttl, probe };
  }
  return null;
}

/** The first final probe of a trace, with its hop. */
export function finalAnswer(trace: Trace): { ttl: number; probe: ProbeResult } | null {
  if (trace.reason !== "reached" && trace.reason !== "unreachable") return null;
  for (const hop of trace.hops) {
    const probe = hop.probes.find((p) => p.final && p.address !== null);
    if (probe) return { ttl: hop.ttl, probe };
  }
  return null;
}

/** Whether a trace has an answer at a hop deeper than `ttl`. */
function answersBeyond(trace: Trace, ttl: number): boolean {
  return trace.hops.some((h) => h.ttl > ttl && h.probes.some((p) => p.address !== null));
}

/** The deepest hop a trace probed. */
export function lastProbed(trace: Trace): number {
  return trace.hops.at(-1)?.ttl ?? 0;
}

/** A responder as a line names it: its name unless `-n`, else its address. */
/** A responder as a summary line names it: `name (address)` unless `-n`. */
function shown(probe: ProbeResult, numeric: boolean): string {
  const address = probe.address ?? "*";
  return !numeric && probe.name ? `${probe.name} (${address})` : address;
}

/** The summary of each method of a comparison, in order. */
export function summarize(run: CompareRun, options: CompareFormatOptions): CompareSummary[] {
  const numeric = options.numeric;
  return run.entries.map((entry): CompareSummary => {
    const base = {
      label: entry.label,
      hop: null,
      address: null,
      reply: null,
      lastAnswerHop: null,
      lastAnswer: null,
      silentFrom: null,
      stillAnswering: [],
      interrupted: false,
    };
    const trace = entry.trace;
    if (!trace) {
      return {
        ...base,
        status: "not-traced",
        text: `${entry.label}: not traced: ${entry.error ?? "it could not start"}`,
      };
    }
    const others = run.entries.filter((e) => e !== entry && e.trace !== null);
    const last = lastAnswer(trace);
    const final = finalAnswer(trace);
    const interrupted = trace.reason === "aborted";
    const failedNote = entry.error !== null ? ` (failed: ${entry.error})` : "";
    const interruptedNote = interrupted && entry.error === null ? " (interrupted)" : "";
    const common = {
      ...base,
      lastAnswerHop: last?.ttl ?? null,
      lastAnswer: last?.probe.address ?? null,
      interrupted,
    };
    if (final) {
      const reply = describeReply(final.probe, entry.method);
      const still = others.filter((e) => answersBeyond(e.trace!, final.ttl)).map((e) => e.label);
      const who = shown(final.probe, numeric);
      let text: string;
      if (trace.reason === "reached") {
        text = `${entry.label}: reached ${who} at hop ${final.ttl}`;
        if (reply === "RST") text += ", port closed (RST)";
        else if (reply === "SYN-ACK") text += ", port open (SYN-ACK)";
        else if (reply !== null) text += ` (${reply})`;
      } else {
        const meaning = reply === null
          ? null
          : UNREACHABLE_MEANING[reply] ?? (reply.startsWith("!F-") ? "fragmentation needed" : null);
        text = `${entry.label}: stopped at hop ${final.ttl} by ${who} ${reply ?? ""}`.trimEnd() +
          (meaning ? ` (${meaning})` : "");
      }
      if (still.length > 0) {
        text += `, where ${listing(still)} still ${still.length > 1 ? "answer" : "answers"} ` +
          `beyond hop ${final.ttl}`;
      }
      return {
        ...common,
        status: trace.reason === "reached" ? "reached" : "unreachable",
        hop: final.ttl,
        address: final.probe.address,
        reply,
        stillAnswering: still,
        text: text + failedNote + interruptedNote,
      };
    }
    const probed = lastProbed(trace);
    const lastTtl = last?.ttl ?? trace.firstHop - 1;
    const silentFrom = lastTtl < probed ? lastTtl + 1 : null;
    const still = silentFrom === null
      ? []
      : others.filter((e) => answersBeyond(e.trace!, lastTtl)).map((e) => e.label);
    let text: string;
    if (last === null) {
      text = probed === 0
        ? `${entry.label}: no hop probed`
        : `${entry.label}: no answer at any hop (${trace.firstHop} to ${probed})`;
    } else {
      text = `${entry.label}: answers to hop ${last.ttl}`;
      if (silentFrom !== null) {
        text += `, silent from hop ${silentFrom}` +
          (silentFrom < probed ? ` to ${probed}` : "");
      } else if (trace.reason === "max-hops") {
        text += `, the last hop probed (max hops ${trace.maxHops})`;
      }
      text += ` (last answer ${shown(last.probe, numeric)})`;
    }
    if (still.length > 0) {
      const where = last === null
        ? "before the first hop"
        : `at or after hop ${last.ttl} (${last.probe.address})`;
      text += ` where ${listing(still)} still ${still.length > 1 ? "answer" : "answers"}: ` +
        `something ${where} drops ${entry.label}`;
    }
    return {
      ...common,
      status: entry.error !== null ? "failed" : "not-reached",
      silentFrom,
      stillAnswering: still,
      text: text + failedNote + interruptedNote,
    };
  });
}
