/**
 * `--compare METHODS`: several methods traced at once, shown hop by hop.
 *
 * Every trace opens its sockets (with privileges, when the process has any)
 * before any of them reads a reply: each runs over a transport whose waits
 * are held until the process's privileges are settled once for all of them
 * (dropped, as a single trace does, unless a later socket needs them). A
 * method that lacks a privilege (tcp as an ordinary user) is not traced: a
 * note goes to stderr, its column shows `-`, and the run exits with 1 after
 * printing the others.
 *
 * @module
 */
import { FfiTransport } from "../../ffi/transport.ts";
import { dropPrivileges, privilegedThreads } from "../../ffi/privileges.ts";
import { Statistics } from "../engine/statistics.ts";
import { PrivilegeError } from "../errors.ts";
import { findMethod } from "../methods/mod.ts";
import { METHOD_NAMES, resolveOptions, type TraceOptions } from "../options.ts";
import {
  COMPARE_SCHEMA,
  compareMethodsToJson,
  type CompareRun,
  compareToJson,
  formatCompareBody,
  formatCompareHeader,
  summarize,
} from "../output/compare.ts";
import { NdjsonFormatter } from "../output/json.ts";
import { privilegesNeededLater, trace } from "../tracer.ts";
import type { Family } from "../address.ts";
import type { Readiness, Socket, SocketKind, Transport } from "../transport.ts";
import type { Hop, MethodName, Trace, TraceEvent, TraceStart } from "../types.ts";
import type { ModeSettings } from "./modes.ts";

/** The most methods one comparison takes. */
export const MAX_COMPARE_METHODS = 8;

/** One method of a `--compare` list. */
export interface CompareMethod {
  /** As shown: the method, and `:port` when one was given (`tcp:443`). */
  label: string;
  /** The probe method. */
  method: MethodName;
  /**
   * The port given (for raw, the protocol number), or null for the method's
   * default (or `-p`).
   */
  port: number | null;
}

/**
 * Parses a `--compare` list: comma-separated methods (`default`, `udp`,
 * `icmp`, `tcp`, `tcpconn`, `udplite`, `dccp`, `raw`; any case), each
 * optionally `:port` (1 to 65535; for raw `:protocol`, 1 to 255; none for
 * icmp), at most {@linkcode MAX_COMPARE_METHODS}, a method twice only with
 * different ports.
 *
 * @example
 * ```ts
 * import { parseCompareSpec } from "./compare.ts";
 * const methods = parseCompareSpec("udp,icmp,tcp:443");
 * // [{ label: "udp", ... }, { label: "icmp", ... }, { label: "tcp:443", method: "tcp", port: 443 }]
 * ```
 *
 * @throws {RangeError} for a malformed list
 */
export function parseCompareSpec(spec: string): CompareMethod[] {
  if (spec.trim() === "") {
    throw new RangeError("--compare needs a list of methods, such as udp,icmp,tcp:443");
  }
  const items = spec.split(",");
  if (items.length > MAX_COMPARE_METHODS) {
    throw new RangeError(
      `--compare takes at most ${MAX_COMPARE_METHODS} methods, got ${items.length}`,
    );
  }
  const out: CompareMethod[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item === "") throw new RangeError(`--compare "${spec}": an empty method in the list`);
    const colon = item.indexOf(":");
    const name = (colon === -1 ? item : item.slice(0, colon)).toLowerCase();
    const portText = colon === -1 ? null : item.slice(colon + 1);
    if (!METHOD_NAMES.includes(name as MethodName)) {
      throw new RangeError(
        `--compare: unknown method "${colon === -1 ? item : item.slice(0, colon)}" ` +
          `(methods: ${METHOD_NAMES.join(", ")})`,
      );
    }
    const method = name as MethodName;
    if (!findMethod(method)) {
      throw new RangeError(`--compare: method "${method}" is not available in this version`);
    }
    let port: number | null = null;
    if (portText !== null) {
      if (method === "icmp") {
        throw new RangeError(`--compare: icmp takes no port, got "${item}"`);
      }
      const [min, max, what] = method === "raw" ? [1, 255, "protocol"] : [1, 65535, "port"];
      if (!/^\d{1,6}$/.test(portText) || Number(portText) < min || Number(portText) > max) {
        throw new RangeError(
          `--compare: the ${what} of ${method} must be from ${min} to ${max}, got "${item}"`,
        );
      }
      port = Number(portText);
    }
    const label = port === null ? method : `${method}:${port}`;
    if (out.some((m) => m.method === method && m.port === port)) {
      throw new RangeError(
        `--compare: ${label} is listed twice (a method twice needs different ports)`,
      );
    }
    out.push({ label, method, port });
  }
  return out;
}

/** The trace options of one method of a comparison. */
function methodOptions(base: TraceOptions, m: CompareMethod, transport: Transport): TraceOptions {
  const { methodOptions: words, port, ...rest } = base;
  const options: TraceOptions = {
    ...rest,
    method: m.method,
    transport,
    // Privileges are settled here, once every trace's sockets are open.
    dropPrivileges: false,
  };
  // -O keywords were checked against -M's method: they go to that method only.
  if (words && words.length > 0 && m.method === (base.method ?? "default")) {
    options.methodOptions = [...words];
  }
  // For raw the port is the protocol, as -p's is.
  if (m.port !== null) options.port = m.port;
  else if (port !== undefined) options.port = port;
  return options;
}

/**
 * A transport that holds every wait until `release()`: a trace over it
 * sends its first probes but reads no reply before the process's privileges
 * are settled.
 */
class GatedTransport implements Transport {
  readonly #inner: Transport;
  readonly #gate: Promise<void>;

  constructor(inner: Transport, gate: Promise<void>) {
    this.#inner = inner;
    this.#gate = gate;
  }

  now(): number {
    return this.#inner.now();
  }

  socket(family: Family, kind: SocketKind, protocol: number): Socket {
    return this.#inner.socket(family, kind, protocol);
  }

  async wait(
    sockets: readonly Socket[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Readiness[]> {
    if (signal?.aborted) return [];
    let onAbort = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([this.#gate, aborted]);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    if (signal?.aborted) return [];
    return this.#inner.wait(sockets, timeoutMs, signal);
  }

  pid(): number {
    return this.#inner.pid();
  }

  privileged(): boolean {
    return this.#inner.privileged?.() ?? false;
  }
}

/** The process's privileges, through the caller's transport or the shim. */
function privilegeControl(given: Transport | undefined): {
  privileged(): boolean;
  drop(): number | null;
} {
  if (given) {
    return {
      privileged: () => given.privileged?.() ?? false,
      drop: () => {
        given.dropPrivileges?.();
        return null;
      },
    };
  }
  return {
    privileged: () => Deno.build.os === "linux" && privilegedThreads() > 0,
    drop: () => dropPrivileges()?.uid ?? null,
  };
}

/** What a method lacking privileges needs, for its note. */
function privilegeHint(method: MethodName): string {
  return method === "icmp"
    ? "needs CAP_NET_RAW, or ping sockets allowed by net.ipv4.ping_group_range"
    : "needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on the hopwise binary)";
}

/** One method's trace while it runs. */
interface Running {
  method: CompareMethod;
  events: AsyncIterator<TraceEvent, Trace, undefined> | null;
  start: TraceStart | null;
  hops: Hop[];
  trace: Trace | null;
  error: string | null;
}

/**
 * Runs `--compare`: traces `host` with each method of `spec` at once and
 * prints them side by side; resolves to the exit status: 0, or 1 when a
 * method could not be traced (the others are still printed), 130 / 143 when
 * interrupted (after printing what was found).
 *
 * @throws {RangeError} for a malformed method list or options a method cannot take
 * @throws {PrivilegeError} when no method could start for lack of privileges
 * @throws {ResolveError | SystemError} as trace() does
 */
export async function runCompare(
  host: string,
  spec: string,
  options: TraceOptions,
  settings: ModeSettings,
): Promise<number> {
  const methods = parseCompareSpec(spec);
  if (settings.explain) throw new RangeError("--explain works on one trace, not with --compare");

  // Every method's options are checked before any socket is opened.
  const resolved = methods.map((m) =>
    resolveOptions(methodOptions(options, m, options.transport ?? dummyTransport))
  );

  const stop = new AbortController();
  const signal = AbortSignal.any(
    [stop.signal, options.signal, settings.signal].filter((s): s is AbortSignal => !!s),
  );
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inner: FfiTransport[] = [];
  const running: Running[] = methods.map((method) => ({
    method,
    events: null,
    start: null,
    hops: [],
    trace: null,
    error: null,
  }));
  const ndjson = settings.output === "ndjson" ? new NdjsonFormatter() : null;
  const out = settings.out;
  const tag = (label: string, line: string) => `{"label":${JSON.stringify(label)},${line.slice(1)}`;

  try {
    // 1. Open every trace: its sockets are open once it has yielded `start`.
    const fatal: unknown[] = [];
    const denied: PrivilegeError[] = [];
    await Promise.all(running.map(async (r) => {
      let transport: Transport;
      if (options.transport) transport = options.transport;
      else {
        const ffi = new FfiTransport();
        inner.push(ffi);
        transport = ffi;
      }
      const events = trace(host, {
        ...methodOptions(options, r.method, new GatedTransport(transport, gate)),
        signal,
      });
      r.events = events;
      try {
        const first = await events.next();
        if (!first.done && first.value.type === "start") {
          const { type: _, ...start } = first.value;
          r.start = start;
        }
      } catch (e) {
        r.events = null;
        if (e instanceof PrivilegeError) {
          denied.push(e);
          r.error = `${privilegeHint(r.method.method)} (${e.cause.message})`;
        } else fatal.push(e);
      }
    }));
    if (fatal.length > 0) throw fatal[0];
    if (running.every((r) => r.start === null)) {
      throw denied[0] ?? new RangeError("--compare: no method could start");
    }
    for (const r of running) {
      if (r.start === null && r.error !== null) {
        out.stderr(`hopwise: --compare: ${r.method.label} not traced: ${r.error}\n`);
      }
    }

    // 2. Settle privileges once, for every trace, before any reply is read.
    const control = privilegeControl(options.transport);
    const privileges: CompareRun["privileges"] = { state: "none", uid: null };
    if (control.privileged()) {
      // As trace() decides it; every method but icmp and raw may open a
      // socket per probe.
      const stillNeeded = resolved.some((opts) =>
        privilegesNeededLater(opts.method !== "icmp" && opts.method !== "raw", opts)
      );
      if ((options.dropPrivileges ?? false) && !stillNeeded) {
        privileges.uid = control.drop();
        privileges.state = "dropped";
      } else privileges.state = "kept";
    }
    for (const r of running) {
      if (r.start) {
        r.start = { ...r.start, settings: { ...r.start.settings, privileges: privileges.state } };
      }
    }
    release();

    const target = running.find((r) => r.start)?.start?.target ?? null;
    const snapshot = (aborted: boolean): CompareRun => ({
      host,
      target,
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
          target,
          methods: compareMethodsToJson(snapshot(false)),
          privileges,
        }) + "\n",
      );
      for (const r of running) {
        if (r.start) out.stdout(tag(r.method.label, ndjson.format({ type: "start", ...r.start })));
      }
    }

    // 3. Run them all; events go out as they come (ndjson).
    await Promise.all(running.map(async (r) => {
      const events = r.events;
      if (!events) return;
      try {
        while (true) {
          const step = await events.next();
          if (step.done) {
            r.trace = {
              ...step.value,
              settings: { ...step.value.settings, privileges: privileges.state },
            };
            return;
          }
          const event = step.value;
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
    if (aborted) return (settings.signal ?? options.signal)?.reason === "SIGTERM" ? 143 : 130;
    return running.some((r) => r.error !== null) ? 1 : 0;
  } finally {
    stop.abort();
    release();
    await Promise.all(running.map((r) => r.events?.return?.()));
    for (const t of inner) t.close();
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

/** Stands in for a transport while options are only checked. */
const dummyTransport: Transport = {
  now: () => 0,
  socket: () => {
    throw new Error("not a real transport");
  },
  wait: () => Promise.resolve([]),
  pid: () => 0,
};
