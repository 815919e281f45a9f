/**
 * `--privacy N`: the first N hops' responders hidden before anything is
 * formatted, so that every output (classic, JSON, JSON Lines, report, CSV,
 * live screen, findings, the service's metrics, JSON and pages) is made
 * from data that no longer holds them.
 *
 * A hidden responder's address becomes a label named for the hop where the
 * run first meets it: `hidden-1` at hop 1, `hidden-2` at hop 2, and
 * `hidden-2b`, `hidden-2c`, ... for other addresses first met at hop 2 (load
 * balancing). The same address keeps its label through the run, so the
 * findings that compare addresses (a loop, an address repeated, load
 * balancing) stay true without naming any; and a path with one address a
 * hop gets the same labels every run, so the service's series keep theirs
 * across a restart. Its name, AS path and identity are dropped. Hop
 * numbers, round trips, annotations and every count stay. The target's own
 * address is never hidden: the command line shows it anyway. The source
 * address (`-s`) and the source-route gateways (`-g`) become
 * {@linkcode HIDDEN}.
 *
 * Written once here: the command line puts a run's events through one
 * {@linkcode Privacy} (the service, each target through
 * {@linkcode Privacy.forTarget} of one), and a library caller may do the
 * same.
 *
 * @module
 */
import type { AddressStatsJson, FlowStatsJson, HopStatsJson } from "../stats/mod.ts";
import type { Hop, ProbeResult, Trace, TraceEvent, TraceStart } from "./model.ts";
import type { CycleResult, WatchEvent, WatchSnapshot } from "./watch_model.ts";
import type { AddressIdentity } from "./identity.ts";
import { canonicalAddress, parseIPv4, parseIPv6 } from "../packet/address.ts";

/** What a hidden source address or gateway shows as; hidden responders are `hidden-N`. */
export const HIDDEN = "hidden";

/** A run of characters that may be an IPv4 or IPv6 address (each is checked by parsing it). */
const ADDRESS_LIKE = /[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*[0-9A-Fa-f]/g;

/**
 * Hides the first `hops` hops of a run's events (0: hides nothing and
 * returns what it is given). Keep one for a whole run, so that an address
 * keeps its label.
 *
 * @example
 * ```ts
 * import { Privacy } from "./privacy.ts";
 * const privacy = new Privacy(2, "198.18.9.9");
 * privacy.label("198.18.1.1", 1); // "hidden-1"
 * privacy.label("198.18.2.1", 2); // "hidden-2"
 * privacy.label("198.18.2.9", 2); // "hidden-2b"
 * privacy.label("198.18.1.1", 3); // "hidden-1": first met at hop 1
 * ```
 */
export class Privacy {
  /** How many hops are hidden. */
  readonly hops: number;
  #target: string | null;
  /** The labels given (shared by {@linkcode forTarget}), and how many first met at each hop. */
  #labels: { byAddress: Map<string, string>; atHop: Map<number, number> } = {
    byAddress: new Map(),
    atHop: new Map(),
  };

  /** Hides the first `hops` hops of a run to `target` (taken from the run's start when not given). */
  constructor(hops: number, target: string | null = null) {
    this.hops = hops;
    this.#target = target;
  }

  /**
   * The same run's privacy for another of its targets (the service's
   * targets, watched side by side): it shares this one's labels, so that an
   * address keeps its label from target to target, and never hides `target`.
   */
  forTarget(target: string | null): Privacy {
    const other = new Privacy(this.hops, target);
    other.#labels = this.#labels;
    return other;
  }

  /**
   * The label of a hidden address met at hop `ttl`: the one it has, else
   * `hidden-TTL` for the first address met at that hop, then `hidden-TTLb`,
   * `hidden-TTLc`, ... (`hidden-TTL-27` and on past `z`).
   */
  label(address: string, ttl: number): string {
    const { byAddress, atHop } = this.#labels;
    let label = byAddress.get(address);
    if (label === undefined) {
      const before = atHop.get(ttl) ?? 0;
      atHop.set(ttl, before + 1);
      const suffix = before === 0
        ? ""
        : before < 26
        ? String.fromCharCode(97 + before)
        : `-${before + 1}`;
      label = `${HIDDEN}-${ttl}${suffix}`;
      byAddress.set(address, label);
    }
    return label;
  }

  /**
   * A message (a target's down reason, say) with every address in it hidden
   * but the target's: a hidden responder's by its label, any other (the
   * source, a gateway) as {@linkcode HIDDEN}. An error may name the source
   * (`Option "source" ... is not of the target's IP version`), and which
   * other address it names is not known here: none is shown.
   */
  text(message: string): string {
    if (this.hops === 0) return message;
    const target = this.#target === null ? null : canonicalAddress(this.#target);
    return message.replace(ADDRESS_LIKE, (word) => {
      const bytes = word.includes(":") ? parseIPv6(word) : parseIPv4(word);
      if (!bytes) return word;
      const address = canonicalAddress(word);
      if (address === target) return word;
      return this.#labels.byAddress.get(address) ?? HIDDEN;
    });
  }

  /** Whether `address`, answering at `ttl`, is hidden. */
  #hides(ttl: number, address: string | null): address is string {
    return ttl <= this.hops && address !== null && address !== this.#target;
  }

  #address(ttl: number, address: string | null): string | null {
    return this.#hides(ttl, address) ? this.label(address, ttl) : address;
  }

  /** A probe result with its responder hidden when its TTL is among the first `hops`. */
  probe(probe: ProbeResult): ProbeResult {
    if (!this.#hides(probe.ttl, probe.address)) return probe;
    const { name: _name, asPath: _asPath, identity: _identity, ...rest } = probe;
    return { ...rest, address: this.label(probe.address, probe.ttl) };
  }

  #hop(hop: Hop): Hop {
    return hop.ttl > this.hops
      ? hop
      : { ttl: hop.ttl, probes: hop.probes.map((p) => this.probe(p)) };
  }

  /** A run's start with its source and gateways hidden; its target is the one kept. */
  start<T extends TraceStart>(start: T): T {
    if (this.hops === 0) return start;
    this.#target = start.target.address;
    const { settings } = start;
    return {
      ...start,
      settings: {
        ...settings,
        source: settings.source === null ? null : HIDDEN,
        gateways: settings.gateways.map(() => HIDDEN),
      },
    };
  }

  /** A trace's event with the first hops' responders (and the source) hidden. */
  traceEvent(event: TraceEvent): TraceEvent {
    if (this.hops === 0) return event;
    switch (event.type) {
      case "start":
        return this.start(event);
      case "probe":
        return { type: "probe", probe: this.probe(event.probe) };
      case "hop":
        return { type: "hop", hop: this.#hop(event.hop) };
      case "end":
        return event;
    }
  }

  /** A whole trace with the first hops' responders (and the source) hidden. */
  trace<T extends Trace>(trace: T): T {
    if (this.hops === 0) return trace;
    const start = this.start(trace);
    return { ...start, hops: trace.hops.map((h) => this.#hop(h)) };
  }

  #addressStats(ttl: number, a: AddressStatsJson): AddressStatsJson {
    return this.#hides(ttl, a.address) ? { ...a, address: this.label(a.address, ttl) } : a;
  }

  #flow(ttl: number, flow: FlowStatsJson): FlowStatsJson {
    return {
      ...flow,
      lastAddress: this.#address(ttl, flow.lastAddress),
      addresses: flow.addresses.map((a) => this.#addressStats(ttl, a)),
    };
  }

  #hopStats(hop: HopStatsJson): HopStatsJson {
    return {
      ...hop,
      lastAddress: this.#address(hop.ttl, hop.lastAddress),
      addresses: hop.addresses.map((a) => this.#addressStats(hop.ttl, a)),
      flows: hop.flows.map((f) => this.#flow(hop.ttl, f)),
    };
  }

  /**
   * A continuous run's snapshot with the first hops' responders hidden
   * (per hop and per flow), and the names, AS paths and identities of the
   * addresses seen only there dropped.
   */
  snapshot(snapshot: WatchSnapshot): WatchSnapshot {
    if (this.hops === 0) return snapshot;
    const shown = new Set<string>();
    const hidden = new Set<string>();
    for (const hop of snapshot.hops) {
      const all = [hop.lastAddress, ...hop.addresses.map((a) => a.address)];
      for (const f of hop.flows) all.push(f.lastAddress, ...f.addresses.map((a) => a.address));
      for (const address of all) {
        if (address === null) continue;
        (this.#hides(hop.ttl, address) ? hidden : shown).add(address);
      }
    }
    const drop = new Set([...hidden].filter((a) => !shown.has(a)));
    return {
      ...snapshot,
      hops: snapshot.hops.map((h) => (h.ttl > this.hops ? h : this.#hopStats(h))),
      names: without(snapshot.names, drop),
      asPaths: without(snapshot.asPaths, drop),
      ...(snapshot.identities ? { identities: without(snapshot.identities, drop) } : {}),
      ...(snapshot.pending ? { pending: snapshot.pending.filter((a) => !drop.has(a)) } : {}),
    };
  }

  /** A settled cycle with the first hops' responders hidden (their names, AS paths and identities dropped). */
  cycle(cycle: CycleResult): CycleResult {
    if (this.hops === 0) return cycle;
    return {
      ...cycle,
      probes: cycle.probes.map((p) => {
        if (!this.#hides(p.ttl, p.address)) return p;
        const { name: _name, asPath: _asPath, identity: _identity, ...rest } = p;
        return { ...rest, address: this.label(p.address, p.ttl) };
      }),
    };
  }

  /**
   * A multipath run (`--flows`, `--mda`) with the first hops' nodes hidden,
   * and the links and diamonds that name them. Typed by shape, since the
   * multipath model lives above this folder.
   */
  multipath<T extends MultipathShape>(run: T): T {
    if (this.hops === 0) return run;
    const start = this.start(run);
    return {
      ...start,
      hops: run.hops.map((hop) => ({
        ...hop,
        nodes: hop.nodes.map((node) => {
          if (!this.#hides(node.hop, node.address)) return node;
          const { name: _name, asPath: _asPath, identity: _identity, ...rest } = node;
          return { ...rest, address: this.label(node.address, node.hop) };
        }),
      })),
      links: run.links.map((link) => ({
        ...link,
        from: this.#address(link.hop, link.from),
        to: this.#address(link.hop + 1, link.to)!,
      })),
      diamonds: run.diamonds.map((d) => ({
        ...d,
        from: { ...d.from, address: this.#address(d.from.hop, d.from.address) },
        to: d.to && { ...d.to, address: this.#address(d.to.hop, d.to.address)! },
      })),
    };
  }

  /** A continuous run's event with the first hops' responders (and the source) hidden. */
  watchEvent(event: WatchEvent): WatchEvent {
    if (this.hops === 0) return event;
    switch (event.type) {
      case "start":
        return { ...event, start: this.start(event.start) };
      case "cycle":
        return { type: "cycle", cycle: this.cycle(event.cycle) };
      case "snapshot":
        return { type: "snapshot", snapshot: this.snapshot(event.snapshot) };
      case "end":
        return { ...event, snapshot: this.snapshot(event.snapshot) };
    }
  }
}

/** What {@linkcode Privacy.multipath} reads of a multipath run (modes/multipath.ts's `Multipath`). */
export interface MultipathShape extends TraceStart {
  /** Each hop's nodes: an address met at a hop, with its name, AS path and identity when looked up. */
  hops: Array<{
    nodes: Array<
      {
        hop: number;
        address: string;
        name?: string | null;
        asPath?: string;
        identity?: AddressIdentity;
      }
    >;
  }>;
  /** Links: `from` at `hop` (null: the source), `to` at the next hop. */
  links: Array<{ hop: number; from: string | null; to: string }>;
  /** Diamonds: where paths part and meet again. */
  diamonds: Array<
    { from: { hop: number; address: string | null }; to: { hop: number; address: string } | null }
  >;
}

/** `record` without the keys in `drop`. */
function without<V>(record: Record<string, V>, drop: ReadonlySet<string>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !drop.has(key)));
}
