/**
 * The single trace on the command line: events printed as they come, in the
 * classic text (Linux traceroute's), `--json` or `--ndjson` (or, once it
 * is whole, as a graph: `--dot`); with
 * `--explain`, the findings after the trace. A TCP trace with `--explain`
 * runs a quiet ICMP trace of the same target alongside, on the same prober,
 * so a transparent proxy that answers TCP early shows.
 *
 * @module
 */
import { resolveRunConfig } from "../config/run_config.ts";
import { TraceGroup } from "../modes/trace_group.ts";
import { runContext } from "../session/run.ts";
import type { TraceOptions } from "../config/options.ts";
import { ClassicFormatter } from "../output/classic.ts";
import type { Trace, TraceEvent, TraceStart } from "../core/model.ts";
import { Privacy } from "../core/privacy.ts";
import type { ManyCommand, TraceCommand } from "./command.ts";
import { interruptedStatus, isRunFailure, STATUS } from "./exit.ts";
import { tracesDot } from "./pictures.ts";

/** Formats the events of one trace. */
interface EventFormatter {
  format(event: TraceEvent): string;
}

/** The classic text's formatter for a trace that starts with `start`, as the command line asks. */
export function classicFormatterFor(
  start: TraceStart,
  command: TraceCommand | ManyCommand,
): ClassicFormatter {
  const { config, settings } = command;
  return new ClassicFormatter({
    numeric: settings.numeric,
    tcpFlags: start.method === "tcp" && start.settings.methodOptions.includes("info"),
    extensions: config.options.extensions,
    back: settings.back ?? false,
  });
}

/** The options of `--explain`'s ICMP companion: the trace's, as plain ICMP probes. */
function companionOptions(options: TraceOptions): TraceOptions {
  const { asLookups: _asLookups, ...rest } = options;
  return {
    ...rest,
    method: "icmp",
    methodOptions: [],
    port: 0,
    sourcePort: 0,
    mtuDiscovery: false,
    resolveNames: false,
  };
}

/** Runs a single trace and prints it; resolves to the exit status. */
export async function runTraceCommand(command: TraceCommand): Promise<number> {
  const { options, config, settings } = command;
  const { out } = settings;
  const privacy = new Privacy(settings.privacy ?? 0, command.target.address);
  const method = config.method.name;
  const withCompanion = settings.explain && (method === "tcp" || method === "tcpconn");
  const group = await TraceGroup.open(
    command.target,
    withCompanion ? [config, await resolveRunConfig(companionOptions(options))] : [config],
    {
      ...runContext(options),
      dropPrivileges: config.options.dropPrivileges,
      skip: (_error, index) => index === 1,
    },
  );
  const run = group.runs[0]!;
  const companion = group.runs[1] ?? null;
  const json = settings.output === "json"
    ? new (await import("../output/json.ts")).JsonFormatter()
    : null;
  const ndjson = settings.output === "ndjson"
    ? new (await import("../output/json.ts")).NdjsonFormatter()
    : null;
  let formatter: EventFormatter | null = json ?? ndjson;
  group.start();
  const companionTrace = companion ? finish(companion.events()) : Promise.resolve(null);
  let started = false;
  try {
    const events = run.events();
    // With --explain the end event waits for the whole trace (the generator's value).
    let end: TraceEvent | null = null;
    let whole: Trace | null = null;
    while (true) {
      const step = await events.next();
      if (step.done) {
        whole = privacy.trace(step.value);
        break;
      }
      // --privacy: hidden here, before anything sees the event.
      const event = privacy.traceEvent(step.value);
      if (event.type === "start") {
        started = true;
        formatter ??= classicFormatterFor(event, command);
      }
      settings.onEvent?.(event);
      // --dot: nothing until the whole trace is in.
      if (settings.output === "dot") continue;
      if (settings.explain && event.type === "end" && event.reason !== "aborted") {
        end = event;
        continue;
      }
      out.stdout(formatter!.format(event));
      if (event.type === "end" && event.reason === "aborted") {
        return interruptedStatus(settings.signal);
      }
    }
    if (settings.output === "dot" && whole) {
      out.stdout(await tracesDot([whole]));
      if (whole.reason === "aborted") return interruptedStatus(settings.signal);
    }
    if (end && whole) {
      const { explain, formatFindings } = await import("../explain/mod.ts");
      const companionWhole = await companionTrace;
      const other = companionWhole && privacy.trace(companionWhole);
      if (withCompanion && other === null) {
        const failure = group.failures[1];
        out.stderr(
          `hopwise: --explain: the ICMP trace to compare with failed: ${
            failure instanceof Error ? failure.message : String(failure ?? "it ended early")
          }\n`,
        );
      }
      const findings = explain(whole, { companions: other ? [other] : [] });
      json?.setFindings(findings);
      if (ndjson) out.stdout(ndjson.formatFindings(findings));
      out.stdout(formatter!.format(end));
      if (!json && !ndjson) out.stdout("\n" + formatFindings(findings));
    }
  } catch (e) {
    if (started && settings.output === "classic" && !isRunFailure(e)) out.stdout("\n");
    throw e;
  } finally {
    await group.close();
  }
  return STATUS.ok;
}

/** A trace's whole result, or null when it failed or was stopped. */
async function finish(events: AsyncGenerator<TraceEvent, Trace, undefined>): Promise<Trace | null> {
  try {
    while (true) {
      const step = await events.next();
      if (step.done) return step.value.reason === "aborted" ? null : step.value;
    }
  } catch {
    return null;
  }
}
