/**
 * Traces of one target run together on one prober: a single trace, the
 * methods of `--compare`, a TCP trace and its ICMP companion (`--explain`).
 * It goes through the one run sequence: the host resolved once, every
 * trace's method opened, privileges settled once for all of them, the
 * prober run, and everything closed.
 *
 * @module
 */
import type { Target } from "../core/model.ts";
import type { RunConfig } from "../config/run_config.ts";
import type { TraceSetup } from "../session/open.ts";
import type { PrivilegeOutcome } from "../session/privileges.ts";
import { type RunContext, RunSequence } from "../session/run.ts";
import { TraceRun } from "./trace_run.ts";

/** How a group opens. */
export interface TraceGroupSettings extends RunContext {
  /** Drop the process's privileges once every socket is open (when none is needed later). */
  dropPrivileges: boolean;
  /**
   * Whether trace `index` (of the configurations given), failing to open
   * with `error`, is left out instead of failing the group; by default none is.
   */
  skip?(error: unknown, index: number): boolean;
}

/** Several traces of one target, on one prober. */
export class TraceGroup {
  /** The target. */
  readonly target: Target;
  /** One run per configuration given, or null where it was left out. */
  readonly runs: ReadonlyArray<TraceRun | null>;
  /** Why each left-out trace could not open (null for those that did). */
  readonly failures: ReadonlyArray<unknown>;
  /** What became of the process's privileges. */
  readonly privileges: PrivilegeOutcome;
  readonly #sequence: RunSequence;
  #running: Promise<void> | null = null;

  private constructor(
    fields: {
      target: Target;
      runs: Array<TraceRun | null>;
      failures: unknown[];
      sequence: RunSequence;
    },
  ) {
    this.target = fields.target;
    this.runs = fields.runs;
    this.failures = fields.failures;
    this.privileges = fields.sequence.privileges;
    this.#sequence = fields.sequence;
  }

  /**
   * Resolves `host` once (with the first configuration's family), opens each
   * trace's method, settles privileges, and puts every trace on one prober.
   * Nothing is sent until `start`.
   *
   * @throws what opening a trace throws (the first failure that is not skipped)
   */
  static async open(
    host: string | Target,
    configs: readonly RunConfig[],
    settings: TraceGroupSettings,
  ): Promise<TraceGroup> {
    const sequence = new RunSequence(settings);
    try {
      const target = await sequence.resolve(host, configs[0]?.options.family ?? 0);
      const setups: Array<TraceSetup | null> = [];
      const failures: unknown[] = [];
      for (const [index, config] of configs.entries()) {
        try {
          setups.push(await sequence.open(target, config));
          failures.push(null);
        } catch (e) {
          if (!settings.skip?.(e, index)) throw e;
          setups.push(null);
          failures.push(e);
        }
      }
      const { state } = sequence.settlePrivileges(settings.dropPrivileges);
      const runs = setups.map((setup) =>
        setup && new TraceRun(setup, target, sequence.prober, state)
      );
      return new TraceGroup({ target, runs, failures, sequence });
    } catch (e) {
      await sequence.close();
      throw e;
    }
  }

  /** Starts probing; the run's signal stops it (every trace then ends as aborted). */
  start(): void {
    if (this.#running) return;
    this.#running = this.#sequence.run().then(
      (outcome) => {
        if (outcome === "aborted") { for (const run of this.runs) run?.abort(); }
      },
      (e) => {
        for (const run of this.runs) run?.fail(e);
      },
    );
  }

  /** Stops probing, waits for the prober, and closes every socket. */
  async close(): Promise<void> {
    this.#sequence.abort();
    await this.#running;
    for (const run of this.runs) run?.abort();
    await this.#sequence.close();
  }
}
