/**
 * One target of a run of many, in its turn: resolve it, put its trace on the
 * prober through its family's shared socket or sockets of its own (closed
 * as soon as it ends), and run it to its end.
 *
 * @module
 */
import type { Trace, TraceEvent } from "../../core/model.ts";
import type { Channel } from "../../engine/channel.ts";
import type { TraceSetup } from "../../session/open.ts";
import type { TargetEntry } from "../targets.ts";
import { TraceRun } from "../trace_run.ts";
import type { ManyRun } from "./open_run.ts";
import type { TargetTrace, TraceTarget, Turn } from "./scheduler.ts";

/** Runs a trace to its end; its whole trace, with the events when asked. */
async function finish(run: TraceRun, keepEvents: boolean): Promise<TargetTrace> {
  if (!keepEvents) return { trace: await run.whole(), events: null };
  const events: TraceEvent[] = [];
  const it = run.events();
  for (;;) {
    const step: IteratorResult<TraceEvent, Trace> = await it.next();
    if (step.done) return { trace: step.value, events };
    events.push(step.value);
  }
}

/**
 * How a target of `many` is traced in its turn (with its events, when
 * `keepEvents`): null when the run stopped before its trace began.
 *
 * Its function throws {ResolveError} when the target does not resolve, and
 * what opening its sockets throws, or its family's shared socket failed with.
 */
export function targetTracer(many: ManyRun, keepEvents: boolean): TraceTarget {
  const { sequence, config, privileges } = many;
  return async (entry: TargetEntry, turn: Turn): Promise<TargetTrace | null> => {
    const target = await sequence.resolve(entry.host, config.options.family);
    // Stopped while it resolved: nothing to open, nothing to report.
    if (turn.signal.aborted) return null;
    /** Puts the trace through `setup` on the prober, and runs it to its end. */
    const traceThrough = (setup: TraceSetup, shared: { channel?: Channel }) => {
      const run = new TraceRun(setup, target, sequence.prober, privileges, {
        ...shared,
        lookahead: turn.lookahead,
      });
      turn.started(run);
      return finish(run, keepEvents);
    };
    const socket = many.shared.of(target);
    if (socket) return await traceThrough(socket.setup, { channel: socket.channel });
    const setup = await sequence.open(target, config);
    try {
      return turn.signal.aborted ? null : await traceThrough(setup, {});
    } finally {
      sequence.release(setup);
    }
  };
}
