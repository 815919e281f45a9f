/**
 * The start of a run of many, in the order the run sequence keeps: open the
 * transport and the prober (with the global rate cap), open the shared
 * sockets (where the method shares one), size the run to its sockets
 * (raising the descriptor limit, while privileges still allow it), and
 * settle the process's privileges once, before anything is sent.
 *
 * @module
 */
import type { Transport } from "../../core/transport.ts";
import { type RunConfig, withSimultaneous } from "../../config/run_config.ts";
import type { PrivilegeState } from "../../session/privileges.ts";
import { type RunContext, RunSequence } from "../../session/run.ts";
import { type Budget, budget, type BudgetAsked, descriptorsWanted } from "./budget.ts";
import type { ManySettings } from "./options.ts";
import { SharedSockets } from "./shared_sockets.ts";

/** A run of many, open and ready to trace. */
export interface ManyRun {
  /** The run sequence: transport, resolver, prober, the traces' sockets, the stop. */
  readonly sequence: RunSequence;
  /** The shared socket of each family, when the method shares one. */
  readonly shared: SharedSockets;
  /** Targets at once, and why fewer than asked. */
  readonly budget: Budget;
  /** Each trace's configuration: with fewer probes at once when the budget says so. */
  readonly config: RunConfig;
  /** What became of the process's privileges. */
  readonly privileges: PrivilegeState;
}

/** What `asked` comes to with `transport`'s descriptors, or with shared sockets. */
function budgetOf(transport: Transport, asked: BudgetAsked, sharing: boolean): Budget {
  if (sharing) return budget(asked, { kind: "shared" });
  const want = descriptorsWanted(asked);
  const limit = transport.descriptorLimit?.(want) ?? want;
  const inUse = transport.openDescriptors?.() ?? null;
  return budget(asked, { kind: "per-trace", limit, inUse });
}

/**
 * Opens a run of many with `settings` in `context`; the caller closes its
 * sequence. On failure, whatever was opened is closed.
 *
 * @throws {PrivilegeError} when the method needs privileges the process lacks
 * @throws what opening a shared socket or settling privileges throws
 */
export async function openManyRun(
  settings: ManySettings,
  context: RunContext,
): Promise<ManyRun> {
  const { config, rate } = settings;
  const sequence = new RunSequence({
    ...context,
    prober: rate > 0 ? { rate, burst: Math.max(1, Math.ceil(rate / 100)) } : {},
  });
  try {
    const shared = await SharedSockets.open(sequence, config);
    const { sharing } = shared;
    const asked = { parallel: settings.parallel, simultaneous: config.options.simultaneous };
    const fit = budgetOf(sequence.transport, asked, sharing);
    // Later sockets of a method that needs privilege per target (raw per trace) keep them.
    const perTargetPrivilege = !sharing && config.method.privilege !== "none";
    const { state } = sequence.settlePrivileges(
      config.options.dropPrivileges && !perTargetPrivilege,
      [{ socketPerProbe: !sharing, options: config.options }],
    );
    return {
      sequence,
      shared,
      budget: fit,
      config: fit.simultaneous === asked.simultaneous
        ? config
        : withSimultaneous(config, fit.simultaneous),
      privileges: state,
    };
  } catch (e) {
    await sequence.close();
    throw e;
  }
}
