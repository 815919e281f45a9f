import { assertEquals } from "../../tests/assert.ts";
import { traceStart } from "../../tests/fixtures.ts";
import { addr, watchSettings } from "../../tests/helpers/snapshot_fixture.ts";
import type { TraceStart } from "../core/model.ts";
import type { CycleResult } from "../core/watch_model.ts";
import type { WatchedTarget } from "../modes/watch_many.ts";
import { CHART_CYCLES, TargetCharts } from "./charts.ts";

/** Cycle `cycle` of a one-hop path. */
function cycleOf(cycle: number): CycleResult {
  return {
    cycle,
    lastHop: 1,
    probes: [{
      ttl: 1,
      flow: 0,
      address: addr(1),
      rtt: 1,
      annotation: "",
      final: true,
      lost: false,
      reason: null,
    }],
  };
}

Deno.test("TargetCharts: the latest cycles of a target's watch, begun anew when it starts over", () => {
  let start: TraceStart | null = traceStart();
  const target = {
    index: 0,
    entry: { host: "dst.lab" },
    state: "up",
    reason: null,
    target: null,
    get start() {
      return start;
    },
    settings: watchSettings(),
    snapshot: () => null,
    statistics: () => ({}) as never,
    reset: () => {},
  } as WatchedTarget;
  const charts = new TargetCharts();
  assertEquals(charts.of(target), null);
  for (let c = 0; c < 1000; c++) charts.add(target, cycleOf(c));
  const hop = charts.of(target)!.hop(1)!;
  assertEquals([hop.firstCycle, hop.sent.length], [1000 - CHART_CYCLES, CHART_CYCLES]);
  // The watch starts over (a new address): its cycles count from 0 again.
  start = traceStart();
  assertEquals(charts.of(target), null);
  for (let c = 0; c < 3; c++) charts.add(target, cycleOf(c));
  assertEquals(charts.of(target)!.hop(1)!.sent, [1, 1, 1]);
});
