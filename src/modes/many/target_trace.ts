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

/**
 * Runs a trace to its end; once it is off the prober, `probed` (its sockets
 * closed, its place given up) before its lookups are awaited, until `stop`
 * (then with what is known); its whole trace, with the events when asked.
 */
async function finish(
  run: TraceRun,
  keepEvents: boolean,
  probed: () => void,
  stop: AbortSignal,
): Promise<TargetTrace> {
  await run.ended();
  probed();
  if (!keepEvents) return { trace: await run.whole(stop), events: null };
  const events: TraceEvent[] = [];
  const it = run.events(stop);
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
    const traceThrough = (
      setup: TraceSetup,
      shared: { channel?: Channel },
      release: () => void,
    ) => {
      const run = new TraceRun(setup, target, sequence.prober, privileges, {
        ...shared,
        lookahead: turn.lookahead,
      });
      turn.started(run);
      const probed = () => {
        release();
        turn.probed(run.reachedAt);
      };
      return finish(run, keepEvents, probed, turn.signal);
    };
    const socket = many.shared.of(target);
    if (socket) return await traceThrough(socket.setup, { channel: socket.channel }, () => {});
    const setup = await sequence.open(target, config);
    const release = () => sequence.release(setup);
    try {
      return turn.signal.aborted ? null : await traceThrough(setup, {}, release);
    } finally {
      release();
    }
  };
}
