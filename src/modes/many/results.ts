/**
 * What a run of many targets reports: one result per target, as its trace
 * completes, and a summary at the end.
 *
 * @module
 */
import type { Trace, TraceEvent, TraceSettings } from "../../core/model.ts";
import type { TargetEntry } from "../targets.ts";

/** One target's outcome. */
export interface ManyResult {
  /** The target as listed. */
  entry: TargetEntry;
  /** Its trace, or null when it could not be traced. */
  trace: Trace | null;
  /** Why it could not be traced (it does not resolve, its sockets would not open), or null. */
  error: Error | null;
  /** Its events in print order, with `events: true`. */
  events: TraceEvent[] | null;
}

/** What a run of many did. */
export interface ManySummary {
  /** Targets listed. */
  targets: number;
  /** Traced to an end (reached, unreachable or max hops). */
  traced: number;
  /** Of those, reached. */
  reached: number;
  /** Not traced: an error. */
  failed: number;
  /** Probes sent. */
  probes: number;
  /** Targets at once. */
  parallel: number;
  /** Why `parallel` is lower than asked, or null. */
  parallelNote: string | null;
  /** Wall time, ms. */
  wallMs: number;
  /** Stopped by the signal before every target was traced. */
  aborted: boolean;
  /** What became of the process's privileges (as a trace's settings tell it). */
  privileges: TraceSettings["privileges"];
}

/** What the traces of a run of many came to, counted as each completes. */
export type ManyTally = Pick<ManySummary, "traced" | "reached" | "failed" | "probes">;
