/**
 * One socket per IP version for every trace of a run of many, where the
 * method can share one (ICMP) and no option ties a socket to one target:
 * each family's setup serves any of its targets (each probe carries its own
 * destination), through one channel on the prober.
 *
 * @module
 */
import type { Target } from "../../core/model.ts";
import type { Channel } from "../../engine/channel.ts";
import type { RunConfig } from "../../config/run_config.ts";
import type { Family } from "../../packet/address.ts";
import type { TraceSetup } from "../../session/open.ts";
import type { RunSequence } from "../../session/run.ts";

/** A family's shared socket: the setup serving any of its targets, and its channel. */
export interface SharedSocket {
  /** The method open for any target of the family. */
  readonly setup: TraceSetup;
  /** Its channel on the run's prober, which every trace of the family sends through. */
  readonly channel: Channel;
}

/** The shared socket of each family, or why it could not open. */
export class SharedSockets {
  readonly #byFamily: ReadonlyMap<Family, SharedSocket | Error>;

  private constructor(byFamily: ReadonlyMap<Family, SharedSocket | Error>) {
    this.#byFamily = byFamily;
  }

  /**
   * Opens the shared socket of each family `config` allows (IPv4, then
   * IPv6), when the method can share one; none otherwise. Opened before
   * anything is sent, so that privileges are settled with them open. An
   * IPv6 socket that fails where IPv4 is traced too fails only the IPv6
   * targets.
   *
   * @throws what opening a trace throws, for IPv4 (or IPv6 when only it is traced)
   */
  static async open(sequence: RunSequence, config: RunConfig): Promise<SharedSockets> {
    const only = config.options.family;
    const byFamily = new Map<Family, SharedSocket | Error>();
    for (const family of [4, 6] as const) {
      if (only && only !== family) continue;
      try {
        const setup = await sequence.openShared(family, config);
        if (!setup) break;
        const channel = sequence.prober.open(setup.methodSession, setup.channelSettings);
        byFamily.set(family, { setup, channel });
      } catch (e) {
        if (family === 4 || only === 6) throw e;
        byFamily.set(family, e instanceof Error ? e : new Error(String(e)));
      }
    }
    return new SharedSockets(byFamily);
  }

  /** Whether the traces share sockets (else each opens its own). */
  get sharing(): boolean {
    return this.#byFamily.size > 0;
  }

  /**
   * The shared socket `target` goes through, or null when traces do not
   * share sockets.
   *
   * @throws {Error} what opening its family's socket failed with
   */
  of(target: Target): SharedSocket | null {
    const socket = this.#byFamily.get(target.family);
    if (socket instanceof Error) throw socket;
    return socket ?? null;
  }
}
