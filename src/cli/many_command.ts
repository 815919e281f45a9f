/**
 * `--targets FILE` on the command line: every target of the list traced in
 * one run, printed in input order as soon as a trace and every one before it
 * are done (classic text, `--json` as JSON Lines, `--ndjson` events tagged
 * with their target), or at the end as one graph of every trace (`--dot`;
 * `--html FILE` writes a page beside); a progress line on a terminal's stderr, a summary at
 * the end. A line that names no target, or a target that does not resolve,
 * is reported with its line number and the others are traced (exit 1);
 * a list that cannot be read is bad input (exit 2) before anything is sent.
 *
 * @module
 */
import { type ManyResult, type ManySummary, traceMany } from "../modes/many.ts";
import { parseTargets, type TargetEntry } from "../modes/targets.ts";
import type { Trace, TraceEvent } from "../core/model.ts";
import { Privacy } from "../core/privacy.ts";
import type { ManyCommand } from "./command.ts";
import { interruptedStatus, STATUS } from "./exit.ts";
import { classicFormatterFor } from "./trace_command.ts";
import { tracesDot, writeHtmlIfAsked } from "./pictures.ts";
import { VERSION } from "./usage.ts";
import { type CliOutput, readTargetList } from "./io.ts";

/** A whole trace as the events that print it. */
export function traceEvents(trace: Trace): TraceEvent[] {
  const { hops, reason, endedAt, statistics, ...start } = trace;
  const events: TraceEvent[] = [{ type: "start", ...start }];
  for (const hop of hops) {
    for (const probe of hop.probes) events.push({ type: "probe", probe });
    events.push({ type: "hop", hop });
  }
  events.push({ type: "end", reason, endedAt, statistics });
  return events;
}

/** Prints results in input order, as soon as each and every one before it is in. */
class InOrder {
  #next = 0;
  readonly #waiting = new Map<number, ManyResult>();
  readonly #print: (result: ManyResult) => void;
  readonly #skipped: Set<number>;

  constructor(print: (result: ManyResult) => void, skipped: Set<number>) {
    this.#print = print;
    this.#skipped = skipped;
  }

  add(result: ManyResult): void {
    this.#waiting.set(result.entry.index, result);
    for (;;) {
      while (this.#skipped.has(this.#next)) this.#next++;
      const ready = this.#waiting.get(this.#next);
      if (!ready) return;
      this.#waiting.delete(this.#next++);
      this.#print(ready);
    }
  }

  /** Prints whatever is in, in order, gaps and all (the run was stopped). */
  flush(): void {
    for (const index of [...this.#waiting.keys()].sort((a, b) => a - b)) {
      this.#print(this.#waiting.get(index)!);
    }
    this.#waiting.clear();
  }
}

/** The progress line: targets done of all, probes a second, time so far, time left. */
function progressLine(done: number, total: number, probes: number, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(probes / seconds) : 0;
  const eta = done > 0 ? Math.round((seconds / done) * (total - done)) : null;
  return `hopwise: ${done}/${total} targets, ${rate} probes/s, ${seconds.toFixed(1)} s` +
    (eta === null ? "" : `, about ${eta} s left`);
}

/** The summary line. */
function summaryLine(s: ManySummary, badLines: number): string {
  const seconds = s.wallMs / 1000;
  const rate = seconds > 0 ? Math.round(s.probes / seconds) : 0;
  const failed = s.failed + badLines;
  return `hopwise: ${s.targets + badLines} targets, ${s.traced} traced (${s.reached} reached)` +
    (failed ? `, ${failed} failed` : "") + `, ${s.probes} probes, ${rate} probes/s, ` +
    `${seconds.toFixed(2)} s${s.aborted ? ", interrupted" : ""}\n`;
}

/** Writes to stdout; a closed pipe ends the run quietly. */
function writer(out: CliOutput, stop: AbortController): (text: string) => void {
  return (text) => {
    if (stop.signal.aborted && stop.signal.reason === "pipe") return;
    try {
      out.stdout(text);
    } catch (e) {
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      stop.abort("pipe");
    }
  };
}

/** Runs `--targets`; resolves to the exit status. */
export async function runManyCommand(command: ManyCommand): Promise<number> {
  const { settings, options } = command;
  const { out } = settings;
  const { targets, errors } = parseTargets(await readTargetList(command.targetsFile));
  for (const e of errors) {
    out.stderr(`hopwise: --targets line ${e.line}: "${e.text}": ${e.reason}\n`);
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort(settings.signal?.reason);
  settings.signal?.addEventListener("abort", onSignal, { once: true });
  const write = writer(out, stop);
  // --dot and --html draw every trace at the end, in input order.
  const drawn: Array<{ host: string; trace: Trace }> = [];
  const print = (r: ManyResult) => {
    if (!r.trace) return;
    if (settings.output === "dot" || settings.html !== undefined) {
      drawn.push({ host: r.entry.host, trace: r.trace });
    }
    const where = { target: r.entry.host, line: r.entry.line };
    if (settings.output === "dot") return;
    if (settings.output === "json") {
      const { traceToJson } = jsonModule!;
      write(JSON.stringify({ ...traceToJson(r.trace), input: where }) + "\n");
    } else if (settings.output === "ndjson") {
      const formatter = new jsonModule!.NdjsonFormatter();
      for (const event of r.events ?? traceEvents(r.trace)) {
        const line = formatter.format(event);
        // Tagged as --json's documents are (`input`): a start line has a `target` of its own.
        write(`{"input":${JSON.stringify(where)},${line.slice(1)}`);
      }
    } else {
      const formatter = classicFormatterFor(r.trace, command);
      write(traceEvents(r.trace).map((e) => formatter.format(e)).join(""));
    }
  };
  const jsonModule = settings.output === "json" || settings.output === "ndjson"
    ? await import("../output/json.ts")
    : null;
  // --privacy: one for the run, so that an address keeps its label from target to target.
  const privacy = new Privacy(settings.privacy ?? 0);
  const failedIndexes = new Set<number>();
  const ordered = new InOrder(print, failedIndexes);
  const started = performance.now();
  let done = 0;
  let probes = 0;
  const progress = Deno.stderr.isTerminal();
  const timer = progress
    ? setInterval(() => {
      out.stderr(
        `\r\x1b[K${progressLine(done, targets.length, probes, performance.now() - started)}`,
      );
    }, 250)
    : null;
  let summary: ManySummary | null = null;
  try {
    const run = traceMany(targets, {
      ...options,
      ...(command.parallel !== null ? { parallel: command.parallel } : {}),
      ...(command.rate !== null ? { rate: command.rate } : {}),
      events: settings.output === "ndjson",
      signal: stop.signal,
    });
    for (;;) {
      const step = await run.next();
      if (step.done) {
        summary = step.value;
        break;
      }
      const r = hideResult(step.value, privacy);
      done++;
      probes += r.trace?.statistics.sent ?? 0;
      if (r.error) {
        failedIndexes.add(r.entry.index);
        out.stderr(
          `${progress ? "\r\x1b[K" : ""}hopwise: --targets line ${r.entry.line}: ${
            describe(r.entry, r.error)
          }\n`,
        );
      }
      ordered.add(r);
    }
  } finally {
    if (timer !== null) {
      clearInterval(timer);
      out.stderr("\r\x1b[K");
    }
    settings.signal?.removeEventListener("abort", onSignal);
  }
  if (stop.signal.reason === "pipe") return STATUS.brokenPipe;
  if (summary.aborted) ordered.flush();
  if (settings.output === "dot") write(await tracesDot(drawn.map((d) => d.trace)));
  if (summary.parallelNote) out.stderr(`hopwise: ${summary.parallelNote}\n`);
  out.stderr(summaryLine(summary, errors.length));
  const status = summary.aborted
    ? interruptedStatus(settings.signal)
    : summary.failed + errors.length > 0
    ? STATUS.failed
    : STATUS.ok;
  return await writeHtmlIfAsked(settings, status, (p) => p.targetsPage(drawn, VERSION));
}

/** A result with its first hops hidden (`--privacy`), before anything prints it. */
function hideResult(r: ManyResult, privacy: Privacy): ManyResult {
  if (privacy.hops === 0) return r;
  return {
    ...r,
    events: r.events && r.events.map((e) => privacy.traceEvent(e)),
    trace: r.trace && privacy.trace(r.trace),
  };
}

/** A target that could not be traced, in one phrase. */
function describe(entry: TargetEntry, error: Error): string {
  const reason = "reason" in error && typeof error.reason === "string"
    ? error.reason
    : error.message;
  return `"${entry.host}": ${reason}`;
}
