/**
 * Hand-built statistics and settings of continuous runs for the report and
 * screen tests: a plan says, for every TTL, cycle and flow, who answered and
 * after how long (or that the probe was lost); the run is fed through the
 * real {@linkcode RunStats} and its `toJSON()` becomes a
 * {@linkcode WatchSnapshot}.
 *
 * @module
 */
import type { WatchSettings, WatchSnapshot } from "../../src/core/watch_model.ts";
import { RunStats } from "../../src/stats/mod.ts";

/** One probe's fate: who answered and after how many ms, or null (lost). */
export type Answer = { address: string; rtt: number } | null;

/** Who answers the probes of one TTL: by cycle and flow. */
export type HopPlan = (cycle: number, flow: number) => Answer;

/** The address a hop answers from in these tests: `198.18.<ttl>.1`. */
export function addr(ttl: number, host = 1): string {
  return `198.18.${ttl}.${host}`;
}

/** A hop that always answers from `address` after `rtt` ms (or `rtt(cycle)`). */
export function steady(address: string, rtt: number | ((cycle: number) => number)): HopPlan {
  return (cycle) => ({ address, rtt: typeof rtt === "number" ? rtt : rtt(cycle) });
}

/** A hop that never answers. */
export const silent: HopPlan = (): Answer => null;

/**
 * Whether cycle `cycle` is one of `count` lost cycles out of `total`,
 * spread evenly (exactly `count` of cycles 0..total-1 are), shifted by
 * `shift` cycles so that two hops need not lose the same probes.
 */
export function spread(count: number, total: number, shift = 0): (cycle: number) => boolean {
  return (cycle) => {
    const c = (cycle + shift) % total;
    return Math.floor(((c + 1) * count) / total) > Math.floor((c * count) / total);
  };
}

/** `plan`, but the probes of the cycles `lost` picks go unanswered. */
export function losing(plan: HopPlan, lost: (cycle: number) => boolean): HopPlan {
  return (cycle, flow) => (lost(cycle) ? null : plan(cycle, flow));
}

/** A run to build. */
export interface RunPlan {
  /** Cycles run, from 0. */
  cycles: number;
  /** One plan per TTL, the first at TTL `firstTtl`. */
  hops: HopPlan[];
  /** The first TTL (1). */
  firstTtl?: number;
  /** Flows (1). */
  flows?: number;
  /** Probes per TTL and flow in a cycle (1). */
  queries?: number;
}

/** The run's statistics, fed through {@linkcode RunStats}: every probe is sent, then settled. */
export function runOf(plan: RunPlan): RunStats {
  const run = new RunStats();
  const first = plan.firstTtl ?? 1;
  for (let cycle = 0; cycle < plan.cycles; cycle++) {
    plan.hops.forEach((answer, i) => {
      const hop = run.hop(first + i);
      for (let flow = 0; flow < (plan.flows ?? 1); flow++) {
        for (let q = 0; q < (plan.queries ?? 1); q++) {
          hop.sent(cycle, flow);
          const a = answer(cycle, flow);
          if (a === null) hop.lost(cycle, flow);
          else hop.answered(cycle, flow, a.address, a.rtt);
        }
      }
    });
  }
  return run;
}

/** A snapshot of `plan` (or of a run already fed); `over` replaces fields. */
export function snapshotOf(
  plan: RunPlan | RunStats,
  over: Partial<WatchSnapshot> = {},
): WatchSnapshot {
  const run = plan instanceof RunStats ? plan : runOf(plan);
  const cycles = plan instanceof RunStats ? 0 : plan.cycles;
  return {
    cycles,
    paused: false,
    destination: null,
    at: "2026-12-02T12:05:00.000Z",
    hops: run.toJSON(),
    names: {},
    asPaths: {},
    faults: [],
    ...over,
  };
}

/** Settings of a continuous run (mtr's report defaults); `over` replaces fields. */
export function watchSettings(over: Partial<WatchSettings> = {}): WatchSettings {
  return {
    cycles: 10,
    interval: 1000,
    queries: 1,
    flows: 1,
    probeWait: null,
    simultaneous: 16,
    history: 64,
    snapshots: false,
    ...over,
  };
}
