/**
 * Traces of one target run together on one prober: a single trace, the
 * methods of `--compare`, a TCP trace and its ICMP companion (`--explain`).
 * The host is resolved once; every trace's sockets are opened before the
 * process's privileges are settled, once for all of them, and before any
 * probe is sent or reply read.
 *
 * @module
 */
import { Prober } from "../engine/prober.ts";
import { resolveOptions, type TraceOptions } from "../config/options.ts";
import { openSession, resolveTarget, type Session } from "../session/open.ts";
import { type PrivilegeOutcome, settlePrivileges } from "../session/privileges.ts";
import { openTransport, type RunTransport } from "../session/kernel.ts";
import type { Target } from "../core/model.ts";
import type { Transport } from "../core/transport.ts";
import { TraceRun } from "./trace_run.ts";

/** How a group opens. */
export interface TraceGroupSettings {
  /** Sockets to use; the kernel's by default. */
  transport?: Transport;
  /** Drop the process's privileges once every socket is open (when none is needed later). */
  dropPrivileges: boolean;
  /**
   * Whether trace `index` (of the options given), failing to open with
   * `error`, is left out instead of failing the group; by default none is.
   */
  skip?(error: unknown, index: number): boolean;
}

/** Several traces of one target, on one prober. */
export class TraceGroup {
  /** The target. */
  readonly target: Target;
  /** One run per options given, or null where it was left out. */
  readonly runs: ReadonlyArray<TraceRun | null>;
  /** Why each left-out trace could not open (null for those that did). */
  readonly failures: ReadonlyArray<unknown>;
  /** What became of the process's privileges. */
  readonly privileges: PrivilegeOutcome;
  readonly #prober: Prober;
  readonly #sessions: Session[];
  readonly #transport: RunTransport;
  readonly #stop = new AbortController();
  #running: Promise<void> | null = null;

  private constructor(
    fields: {
      target: Target;
      runs: Array<TraceRun | null>;
      failures: unknown[];
      privileges: PrivilegeOutcome;
      prober: Prober;
      sessions: Session[];
      transport: RunTransport;
    },
  ) {
    this.target = fields.target;
    this.runs = fields.runs;
    this.failures = fields.failures;
    this.privileges = fields.privileges;
    this.#prober = fields.prober;
    this.#sessions = fields.sessions;
    this.#transport = fields.transport;
  }

  /**
   * Resolves `host` once (with the first options' family and resolver),
   * opens a session for each options, settles privileges, and puts every
   * trace on one prober. Nothing is sent until `start`.
   *
   * @throws what opening a session throws (the first failure that is not skipped)
   */
  static async open(
    host: string | Target,
    list: readonly TraceOptions[],
    settings: TraceGroupSettings,
  ): Promise<TraceGroup> {
    // Every trace's options are checked before anything is opened.
    for (const options of list) resolveOptions(options);
    const transport = openTransport(settings.transport);
    const sessions: Array<Session | null> = [];
    const failures: unknown[] = [];
    const closeAll = () => {
      for (const s of sessions) s?.close();
      transport.close();
    };
    let target: Target;
    try {
      const first = list[0] ?? {};
      target = typeof host === "string"
        ? await resolveTarget(host, first.family ?? 0, first.resolver)
        : host;
      for (const [index, options] of list.entries()) {
        try {
          sessions.push(await openSession(target, options, transport.transport));
          failures.push(null);
        } catch (e) {
          if (!settings.skip?.(e, index)) throw e;
          sessions.push(null);
          failures.push(e);
        }
      }
    } catch (e) {
      closeAll();
      throw e;
    }
    const open = sessions.filter((s): s is Session => s !== null);
    let privileges: PrivilegeOutcome;
    try {
      privileges = settlePrivileges(transport.transport, open, settings.dropPrivileges);
    } catch (e) {
      closeAll();
      throw e;
    }
    const prober = new Prober(transport.transport);
    const runs = sessions.map((s) => s && new TraceRun(s, prober, privileges.state));
    return new TraceGroup({
      target,
      runs,
      failures,
      privileges,
      prober,
      sessions: open,
      transport,
    });
  }

  /** Starts probing; `signal` stops it (every trace then ends as aborted). */
  start(signal?: AbortSignal): void {
    if (this.#running) return;
    const stop = this.#stop;
    const onAbort = () => stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) stop.abort();
    this.#running = this.#prober.run(stop.signal).then(
      (outcome) => {
        if (outcome === "aborted") { for (const run of this.runs) run?.abort(); }
      },
      (e) => {
        for (const run of this.runs) run?.fail(e);
      },
    ).finally(() => signal?.removeEventListener("abort", onAbort));
  }

  /** Stops probing, waits for the prober, and closes every socket. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    for (const run of this.runs) run?.abort();
    for (const session of this.#sessions) session.close();
    this.#transport.close();
  }
}
