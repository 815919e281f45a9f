/**
 * A resolver answering from a table, for tests without DNS.
 *
 * @module
 */
import { type Family, familyOf } from "../../src/packet/address.ts";
import { ResolveError } from "../../src/core/errors.ts";
import type { ResolvedHost, Resolver } from "../../src/lookup/resolver.ts";

/** Names to addresses and addresses to names. */
export class TableResolver implements Resolver {
  #forward: Map<string, string[]>;
  #reverse: Map<string, string>;
  #held = new Map<string, Promise<string>>();
  /** Reverse lookups asked for, in order. */
  readonly reverseAsked: string[] = [];

  /** `forward`: name to addresses; `reverse`: address to name. */
  constructor(forward: Record<string, string[]> = {}, reverse: Record<string, string> = {}) {
    this.#forward = new Map(Object.entries(forward));
    this.#reverse = new Map(Object.entries(reverse));
  }

  /** Makes `name` resolve to `addresses` from now on (a name whose address changes). */
  set(name: string, addresses: string[]): void {
    this.#forward.set(name, addresses);
  }

  lookupHost(host: string, family: Family | 0): Promise<ResolvedHost> {
    const literal = familyOf(host);
    const addresses = literal ? [host] : this.#forward.get(host) ?? [];
    if (addresses.length === 0) {
      return Promise.reject(new ResolveError(host, "Name or service not known"));
    }
    const pick = addresses.find((a) => familyOf(a) === family) ??
      (family === 0 ? addresses.find((a) => familyOf(a) === 4) ?? addresses[0] : undefined);
    if (!pick) {
      return Promise.reject(new ResolveError(host, "Address family for hostname not supported"));
    }
    return Promise.resolve({ address: pick, family: familyOf(pick) as Family });
  }

  /**
   * Makes the name of `address` come only when the returned function is
   * called with it (a slow resolver); the lookups asked meanwhile wait.
   */
  hold(address: string): (name: string) => void {
    let release: (name: string) => void = () => {};
    this.#held.set(address, new Promise<string>((resolve) => (release = resolve)));
    return release;
  }

  reverse(address: string): Promise<string | null> {
    this.reverseAsked.push(address);
    return this.#held.get(address) ?? Promise.resolve(this.#reverse.get(address) ?? null);
  }
}
