/**
 * How many targets a run of many traces at once: over a shared ICMP socket,
 * as many as keep every probe in flight told apart by its 16-bit sequence
 * number; with sockets per trace, as many as the descriptors the system
 * allows hold (and, when not even one trace fits, fewer probes of it at
 * once). Pure: the caller asks the system for the limit.
 *
 * @module
 */

/** Probes one shared ICMP socket keeps in flight at most (its sequence numbers are 16 bits). */
export const SHARED_IN_FLIGHT = 65000;

/** Descriptors kept for everything else the process opens. */
export const DESCRIPTOR_RESERVE = 64;

/** Descriptors a trace with sockets of its own holds beside one per probe in flight. */
const DESCRIPTORS_PER_TRACE = 4;

/** What a run of many asks for. */
export interface BudgetAsked {
  /** Targets at once. */
  readonly parallel: number;
  /** Probes of one trace in flight at once. */
  readonly simultaneous: number;
}

/**
 * The sockets a run of many traces through: one shared per family, or each
 * trace its own, under a descriptor `limit` (the system's, raised as far as
 * it goes) with `inUse` held already (null when unknown).
 */
export type BudgetSockets =
  | { readonly kind: "shared" }
  | { readonly kind: "per-trace"; readonly limit: number; readonly inUse: number | null };

/** What a run of many can do at once. */
export interface Budget {
  /** Targets at once: as asked, or fewer. */
  readonly parallel: number;
  /** Probes of one trace in flight at once: as asked, or fewer when not even one trace fits. */
  readonly simultaneous: number;
  /** Why `parallel` is lower than asked, or null. */
  readonly note: string | null;
}

/** Descriptors `asked.parallel` traces with sockets of their own need, the reserve included. */
export function descriptorsWanted(asked: BudgetAsked): number {
  return DESCRIPTOR_RESERVE + asked.parallel * (asked.simultaneous + DESCRIPTORS_PER_TRACE);
}

/**
 * How many targets at once, and how many probes of each, `sockets` allow
 * for what was `asked`.
 *
 * @example
 * ```ts
 * import { budget } from "./budget.ts";
 * const b = budget({ parallel: 64, simultaneous: 32 }, { kind: "shared" });
 * console.log(b.parallel, b.note); // 64 null
 * ```
 */
export function budget(asked: BudgetAsked, sockets: BudgetSockets): Budget {
  const { parallel, simultaneous } = asked;
  if (sockets.kind === "shared") {
    // A shared socket tells probes apart by a 16-bit sequence number: keep them all distinct.
    const sequences = Math.floor(SHARED_IN_FLIGHT / simultaneous);
    if (parallel <= sequences) return { parallel, simultaneous, note: null };
    return {
      parallel: sequences,
      simultaneous,
      note: `one ICMP socket tells ${SHARED_IN_FLIGHT} probes in flight apart: ` +
        `${sequences} targets at once`,
    };
  }
  // Each trace opens its own sockets: as many at once as descriptors allow.
  const perTrace = simultaneous + DESCRIPTORS_PER_TRACE;
  const { limit, inUse } = sockets;
  // What the process holds already (Deno's own), and room for a few more.
  const reserve = inUse === null ? DESCRIPTOR_RESERVE : Math.min(DESCRIPTOR_RESERVE, inUse + 8);
  let fit = Math.floor((limit - reserve) / perTrace);
  let fewer = "";
  let each = simultaneous;
  if (fit < 1) {
    // Not even one trace's probes at once: each trace keeps fewer in flight.
    each = Math.max(1, limit - reserve - DESCRIPTORS_PER_TRACE);
    fit = 1;
    fewer = `, ${each} probe${each === 1 ? "" : "s"} of it in flight`;
  }
  if (fit >= parallel) return { parallel, simultaneous: each, note: null };
  return {
    parallel: fit,
    simultaneous: each,
    note: `${parallel} targets at once would need ${descriptorsWanted(asked)} descriptors; ` +
      `the limit is ${limit}: ${fit} at once${fewer}`,
  };
}
