/**
 * `--compare METHODS` on the command line: the list parsed, the methods
 * traced at once (see modes/compare.ts), and shown hop by hop. A method that
 * lacks a privilege (tcp as an ordinary user) is not traced: a note goes to
 * stderr, its column shows `-`, and the run exits with 1 after printing the
 * others.
 *
 * @module
 */
import { Statistics } from "../core/statistics.ts";
import { OptionError } from "../core/errors.ts";
import { method as methodNamed, methodNames } from "../methods/mod.ts";
import { type CompareMethod, openComparison } from "../modes/compare.ts";
import type { TraceOptions } from "../config/options.ts";
import {
  COMPARE_SCHEMA,
  compareMethodsToJson,
  compareToJson,
  formatCompareBody,
  formatCompareHeader,
} from "../output/compare.ts";
import { type CompareRun, summarize } from "../output/compare_summary.ts";
import { NdjsonFormatter } from "../output/json.ts";
import { privilegeHint } from "../session/privileges.ts";
import type { Hop, MethodName, Target, Trace, TraceStart } from "../core/model.ts";
import { Privacy } from "../core/privacy.ts";
import type { CompareCommand, ModeSettings } from "./command.ts";
import { interruptedStatus, STATUS } from "./exit.ts";

export type { CompareMethod };

/** The most methods one comparison takes. */
export const MAX_COMPARE_METHODS = 8;

/**
 * Parses a `--compare` list: comma-separated methods (`default`, `udp`,
 * `icmp`, `tcp`, `tcpconn`, `udplite`, `dccp`, `raw`; any case), each
 * optionally `:port` (1 to 65535; for raw `:protocol`, 1 to 255; none for
 * icmp), at most {@linkcode MAX_COMPARE_METHODS}, a method twice only with
 * different ports.
 *
 * @example
 * ```ts
 * import { parseCompareSpec } from "./compare_command.ts";
 * const methods = parseCompareSpec("udp,icmp,tcp:443");
 * // [{ label: "udp", ... }, { label: "icmp", ... }, { label: "tcp:443", method: "tcp", port: 443 }]
 * ```
 *
 * @throws {OptionError} for a malformed list
 */
export function parseCompareSpec(spec: string): CompareMethod[] {
  if (spec.trim() === "") {
    throw new OptionError("compare", "--compare needs a list of methods, such as udp,icmp,tcp:443");
  }
  const items = spec.split(",");
  if (items.length > MAX_COMPARE_METHODS) {
    throw new OptionError(
      "compare",
      `--compare takes at most ${MAX_COMPARE_METHODS} methods, got ${items.length}`,
    );
  }
  const out: CompareMethod[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item === "") {
      throw new OptionError("compare", `--compare "${spec}": an empty method in the list`);
    }
    const colon = item.indexOf(":");
    const name = (colon === -1 ? item : item.slice(0, colon)).toLowerCase();
    const portText = colon === -1 ? null : item.slice(colon + 1);
    if (!methodNames().includes(name as MethodName)) {
      throw new OptionError(
        "compare",
        `--compare: unknown method "${colon === -1 ? item : item.slice(0, colon)}" ` +
          `(methods: ${methodNames().join(", ")})`,
      );
    }
    const method = name as MethodName;
    let port: number | null = null;
    if (portText !== null) {
      if (method === "icmp") {
        throw new OptionError("compare", `--compare: icmp takes no port, got "${item}"`);
      }
      const [min, max, what] = method === "raw" ? [1, 255, "protocol"] : [1, 65535, "port"];
      if (!/^\d{1,6}$/.test(portText) || Number(portText) < min || Number(portText) > max) {
        throw new OptionError(
          "compare",
          `--compare: the ${what} of ${method} must be from ${min} to ${max}, got "${item}"`,
        );
      }
      port = Number(portText);
    }
    const label = port === null ? method : `${method}:${port}`;
    if (out.some((m) => m.method === method && m.port === port)) {
      throw new OptionError(
        "compare",
        `--compare: ${label} is listed twice (a method twice needs different ports)`,
      );
    }
    out.push({ label, method, port });
  }
  return out;
}

/** One method's trace while it runs. */
interface Running {
  method: CompareMethod;
  start: TraceStart | null;
  hops: Hop[];
  trace: Trace | null;
  error: string | null;
}

/** Runs `--compare` for the command line. */
export function runCompareCommand(command: CompareCommand): Promise<number> {
  return runCompare(command.target, command.methods, command.options, command.settings);
}

/**
 * Runs `--compare`: traces `host` with each method of `spec` at once and
 * prints them side by side; resolves to the exit status: 0, or 1 when a
 * method could not be traced (the others are still printed), 130 / 143 when
 * interrupted (after printing what was found).
 *
 * @throws {OptionError} for a malformed method list or options a method cannot take
 * @throws {PrivilegeError} when no method could start for lack of privileges
 * @throws {ResolveError | SystemError} as trace() does
 */
export async function runCompare(
  host: string | Target,
  spec: string,
  options: TraceOptions,
  settings: ModeSettings,
): Promise<number> {
  const methods = parseCompareSpec(spec);
  if (settings.explain) {
    throw new OptionError("explain", "--explain works on one trace, not with --compare");
  }
  const stop = new AbortController();
  const signal = AbortSignal.any(
    [stop.signal, options.signal, settings.signal].filter((s): s is AbortSignal => !!s),
  );
  const group = await openComparison(host, methods, { ...options, signal });
  // --privacy: the first hops' responders and the source hidden before anything is shown.
  const privacy = new Privacy(settings.privacy ?? 0, group.target.address);
  const running: Running[] = methods.map((method, i) => {
    const failure = group.failures[i];
    const start = group.runs[i]?.start;
    return {
      method,
      start: start ? privacy.start(start) : null,
      hops: [],
      trace: null,
      error: failure
        ? `${privilegeHint(methodNamed(method.method))} (${
          failure instanceof Error && failure.cause instanceof Error
            ? failure.cause.message
            : String(failure)
        })`
        : null,
    };
  });
  const ndjson = settings.output === "ndjson" ? new NdjsonFormatter() : null;
  const out = settings.out;
  const tag = (label: string, line: string) => `{"label":${JSON.stringify(label)},${line.slice(1)}`;
  try {
    for (const r of running) {
      if (r.start === null && r.error !== null) {
        out.stderr(`hopwise: --compare: ${r.method.label} not traced: ${r.error}\n`);
      }
    }
    const privileges: CompareRun["privileges"] = { ...group.privileges };
    const snapshot = (aborted: boolean): CompareRun => ({
      host: typeof host === "string" ? host : host.host,
      target: group.target,
      entries: running.map((r) => ({
        label: r.method.label,
        method: r.method.method,
        port: r.method.port,
        trace: r.trace ?? (r.start ? partialTrace(r.start, r.hops) : null),
        error: r.error,
      })),
      privileges,
      aborted,
    });

    if (settings.output === "classic") out.stdout(formatCompareHeader(snapshot(false)));
    if (ndjson) {
      out.stdout(
        JSON.stringify({
          type: "compare",
          schema: COMPARE_SCHEMA,
          target: group.target,
          methods: compareMethodsToJson(snapshot(false)),
          privileges,
        }) + "\n",
      );
    }

    // Run them all; events go out as they come (ndjson).
    group.start();
    await Promise.all(running.map(async (r, i) => {
      const run = group.runs[i];
      if (!run) return;
      const events = run.events();
      try {
        while (true) {
          const step = await events.next();
          if (step.done) {
            r.trace = privacy.trace(step.value);
            return;
          }
          // --privacy: hidden here, before anything sees the event.
          const event = privacy.traceEvent(step.value);
          if (event.type === "probe") {
            const last = r.hops.at(-1);
            if (last && last.ttl === event.probe.ttl) last.probes.push(event.probe);
            else r.hops.push({ ttl: event.probe.ttl, probes: [event.probe] });
          }
          if (ndjson) out.stdout(tag(r.method.label, ndjson.format(event)));
        }
      } catch (e) {
        if (e instanceof Deno.errors.BrokenPipe) {
          stop.abort();
          throw e;
        }
        r.error = e instanceof Error ? e.message : String(e);
      }
    }));

    const aborted = settings.signal?.aborted ?? options.signal?.aborted ?? false;
    const run = snapshot(aborted);
    if (settings.output === "classic") {
      out.stdout(formatCompareBody(run, { numeric: settings.numeric }));
    } else if (settings.output === "json") {
      out.stdout(JSON.stringify(compareToJson(run, { numeric: settings.numeric }), null, 2) + "\n");
    } else {
      out.stdout(
        JSON.stringify({
          type: "summary",
          aborted,
          summary: summarize(run, { numeric: settings.numeric }),
        }) + "\n",
      );
    }
    for (const r of running) {
      if (r.start && r.error !== null) {
        out.stderr(`hopwise: --compare: ${r.method.label} failed: ${r.error}\n`);
      }
    }
    if (aborted) return interruptedStatus(settings.signal ?? options.signal);
    return running.some((r) => r.error !== null) ? STATUS.failed : STATUS.ok;
  } finally {
    stop.abort();
    await group.close();
  }
}

/** A trace cut short (failed): what it had found, ended as aborted. */
function partialTrace(start: TraceStart, hops: Hop[]): Trace {
  return {
    ...start,
    hops,
    reason: "aborted",
    endedAt: new Date().toISOString(),
    statistics: new Statistics().snapshot(),
  };
}
