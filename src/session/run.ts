/**
 * The one run sequence every mode goes through: open the transport (before
 * any name is resolved: its timestamp keeper needs a moment), resolve the
 * host once, open every trace's method, settle the process's privileges
 * once for all of them (before any probe is sent or reply read), run the
 * prober, stop it on abort, and close everything, in that order, once.
 *
 * @module
 */
import type { Target } from "../core/model.ts";
import type { Transport } from "../core/transport.ts";
import { Prober, type ProberOptions } from "../engine/prober.ts";
import type { RunConfig } from "../config/run_config.ts";
import type { Resolver } from "../lookup/resolver.ts";
import { type HopLookups, hopLookupsFor } from "../lookup/hop_lookups.ts";
import type { Family } from "../packet/address.ts";
import { openTransport, type RunTransport, systemResolver } from "./kernel.ts";
import { canShare, openTrace, type TraceSetup } from "./open.ts";
import { type PrivilegeNeeds, type PrivilegeOutcome, settlePrivileges } from "./privileges.ts";

/** What a run is given from outside. */
export interface RunContext {
  /** Sockets to use; the kernel's by default. */
  transport?: Transport;
  /** Host and reverse lookups; the system resolver by default. */
  resolver?: Resolver;
  /** Stops the run. */
  signal?: AbortSignal;
  /** The prober's global rate cap, for a run of many targets. */
  prober?: ProberOptions;
  /** The lookups' caches; the process's own for the resolver by default. */
  lookups?: HopLookups;
  /** Where a failing AS or place source says so, once; nowhere by default (the library never prints). */
  warn?: (line: string) => void;
}

/** The run context a library caller's options carry (transport, resolver, signal, warn). */
export function runContext(
  options: {
    transport?: Transport;
    resolver?: Resolver;
    signal?: AbortSignal;
    warn?: (line: string) => void;
  },
): RunContext {
  return {
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  };
}

/** A run under way: its transport, prober, traces' setups, privileges and stop. */
export class RunSequence {
  /** The transport. */
  readonly transport: Transport;
  /** The resolver of host and reverse names. */
  readonly resolver: Resolver;
  /**
   * Reverse names, AS numbers and places: one set of caches a resolver, so
   * one a process, shared by every trace and mode.
   */
  readonly lookups: HopLookups;
  /** Where a failing AS or place source says so, once. */
  readonly warn: (line: string) => void;
  /** The prober every trace of the run goes on. */
  readonly prober: Prober;
  readonly #transport: RunTransport;
  readonly #setups = new Set<TraceSetup>();
  readonly #stop = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort = () => this.#stop.abort();
  #privileges: PrivilegeOutcome | null = null;
  #running: Promise<unknown> | null = null;
  #closed = false;

  /** Opens the transport; nothing else is opened until asked. */
  constructor(context: RunContext) {
    this.#transport = openTransport(context.transport);
    this.transport = this.#transport.transport;
    this.resolver = context.resolver ?? systemResolver();
    this.lookups = context.lookups ?? hopLookupsFor(this.resolver);
    this.warn = context.warn ?? (() => {});
    this.prober = new Prober(this.transport, context.prober ?? {});
    this.#caller = context.signal;
    this.#caller?.addEventListener("abort", this.#onAbort, { once: true });
    if (this.#caller?.aborted) this.#stop.abort();
  }

  /** Aborted when the caller's signal is, or when the run closes. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Stops the run: the prober ends as aborted. */
  abort(): void {
    this.#stop.abort();
  }

  /**
   * Resolves `host` (a name or an address literal) to the target traced,
   * with `family` when given; a Target already resolved is taken as it is.
   *
   * @throws {ResolveError} when it does not resolve (to `family`, when given)
   */
  async resolve(host: string | Target, family: Family | 0): Promise<Target> {
    if (typeof host !== "string") return { ...host };
    const found = await this.resolver.lookupHost(host, family);
    return { host, address: found.address, family: found.family };
  }

  /**
   * Opens the method of `config` for `target`; the run closes it, unless
   * {@linkcode release} does first.
   *
   * @throws what {@linkcode openTrace} throws
   */
  async open(target: Target, config: RunConfig): Promise<TraceSetup> {
    return this.#keep(await openTrace({ kind: "one", target }, config, this));
  }

  /**
   * Opens the method of `config` for any target of `family` over one
   * unconnected socket, or resolves to null when the method cannot share one
   * or an option ties a socket to one target (`-g`, `-l`, `--mtu`).
   *
   * @throws what {@linkcode openTrace} throws
   */
  async openShared(family: Family, config: RunConfig): Promise<TraceSetup | null> {
    if (!canShare(config)) return null;
    return this.#keep(await openTrace({ kind: "any", family }, config, this));
  }

  #keep(setup: TraceSetup): TraceSetup {
    if (this.#closed) {
      setup.close();
      throw new DOMException("The run is closed", "AbortError");
    }
    this.#setups.add(setup);
    return setup;
  }

  /** Closes one trace's sockets before the run ends (a run of many, as each trace ends). */
  release(setup: TraceSetup): void {
    if (this.#setups.delete(setup)) setup.close();
  }

  /**
   * Settles the process's privileges, once, when every setup the run needs
   * before its first probe is open: drops them all when `drop` is asked and
   * no socket opened later needs them (`later`: what those will need).
   *
   * @throws {SystemError} when a drop leaves a thread privileged
   */
  settlePrivileges(drop: boolean, later: readonly PrivilegeNeeds[] = []): PrivilegeOutcome {
    if (this.#privileges) throw new Error("Privileges are settled once a run");
    this.#privileges = settlePrivileges(this.transport, [...this.#setups, ...later], drop);
    return this.#privileges;
  }

  /** What became of the process's privileges ("none" before they are settled). */
  get privileges(): PrivilegeOutcome {
    return this.#privileges ?? { state: "none", uid: null };
  }

  /** Runs the prober until its plans are done or the run is stopped. */
  run(): Promise<"done" | "aborted"> {
    const running = this.prober.run(this.#stop.signal);
    this.#running = running.catch(() => {});
    return running;
  }

  /** Stops the run, waits for the prober, and closes every socket, once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    await this.#running;
    this.#caller?.removeEventListener("abort", this.#onAbort);
    for (const setup of this.#setups) setup.close();
    this.#setups.clear();
    this.#transport.close();
  }
}
