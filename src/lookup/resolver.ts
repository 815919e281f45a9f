/**
 * Host and reverse lookups as the system makes them, so /etc/hosts,
 * nsswitch and resolv.conf count, as they do for Linux traceroute: names to
 * addresses through getaddrinfo (node:dns); addresses to names through
 * hopwise's own questions (stub_resolver.ts) where the system uses only
 * `files` and `dns`, and getnameinfo (node:dns) where it uses anything else;
 * TXT records (Team Cymru's AS numbers) through hopwise's own questions to
 * resolv.conf's servers where it is plain, else Deno.resolveDns.
 * node:dns is loaded on the first lookup that needs it (it costs a Deno
 * process about 10 ms to load): an address literal needs none.
 *
 * @module
 */
import type { LookupAddress } from "node:dns";
import { type Family, formatAddress, parseIPv4, parseIPv6 } from "../packet/address.ts";
import { ResolveError } from "../core/errors.ts";
import type { Transport } from "../core/transport.ts";
import {
  type ConfigFiles,
  dnsSetup,
  type ReverseConfig,
  reverseSetup,
  systemConfigFiles,
} from "./dns_config.ts";
import { StubResolver } from "./stub_resolver.ts";
import { denoTxt } from "./cymru.ts";

/** A resolved host. */
export interface ResolvedHost {
  /** The address, canonical text. */
  address: string;
  /** Its family. */
  family: Family;
}

/** A reverse lookup's answer, with how long it holds where the resolver knows. */
export interface ReverseAnswer {
  /** The name, or null when the address has none. */
  name: string | null;
  /**
   * How long the answer holds, in seconds, where the resolver was told (a
   * zone's negative TTL for no name, RFC 2308); absent where it was not.
   */
  ttl?: number;
}

/** Name lookups, injectable for tests. */
export interface Resolver {
  /**
   * Resolves `host` to one address. With `family` 0, IPv4 is preferred when
   * the name has both (Linux traceroute's rule).
   *
   * @throws {ResolveError} with the resolver's reason as gai_strerror words it
   */
  lookupHost(host: string, family: Family | 0): Promise<ResolvedHost>;
  /**
   * The name of an address, or null when it has none.
   *
   * @throws {Error} when the lookup fails (the servers fail or do not answer):
   * it is then shown without a name, or with the name found before, while
   * that may still be given (lookup_cache.ts)
   */
  reverse(address: string): Promise<string | null>;
  /**
   * As {@linkcode Resolver.reverse}, with how long the answer holds where the
   * resolver knows; without it, `reverse` answers and the documented times
   * apply (docs/identity.md).
   *
   * @throws {Error} when the lookup fails, as `reverse`
   */
  reverseAnswer?(address: string): Promise<ReverseAnswer>;
  /**
   * The TXT records of `name`, each one's strings joined (none when it has
   * none). Without it, Deno.resolveDns answers.
   *
   * @throws {Error} saying why, when the name servers fail
   */
  txt?(name: string, signal: AbortSignal): Promise<string[]>;
}

/** gai_strerror(3) texts (glibc) for the codes node:dns reports. */
const GAI_MESSAGES: Record<string, string> = {
  ENOTFOUND: "Name or service not known",
  EAI_NONAME: "Name or service not known",
  EAI_AGAIN: "Temporary failure in name resolution",
  EAI_FAIL: "Non-recoverable failure in name resolution",
  ENODATA: "No address associated with hostname",
  EAI_NODATA: "No address associated with hostname",
  EAI_FAMILY: "ai_family not supported",
  EAI_ADDRFAMILY: "Address family for hostname not supported",
  EAI_MEMORY: "Memory allocation failure",
  EAI_SERVICE: "Servname not supported for ai_socktype",
  EAI_SYSTEM: "System error",
};

/** The reason given when Deno's permissions forbid name lookups. */
export const NO_NET_PERMISSION = "name lookups need Deno's --allow-net permission";

/**
 * True when `e` is Deno refusing a lookup for lack of a permission (node:dns
 * reports it as code EPERM, which getaddrinfo itself never returns).
 */
function permissionRefused(e: unknown): boolean {
  return e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied ||
    (e as { code?: string }).code === "EPERM";
}

/** The gai_strerror text for a node:dns error code. */
export function gaiMessage(code: string | undefined): string {
  return (code && GAI_MESSAGES[code]) ?? "Name or service not known";
}

/** Maps an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) to IPv4, as Linux traceroute does. */
function unmapV4(address: string): ResolvedHost | null {
  const bytes = parseIPv6(address);
  if (!bytes) return null;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return null;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return null;
  return { address: `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`, family: 4 };
}

/** node:dns, loaded once, when first needed. */
type NodeDns = typeof import("node:dns");
let dnsModule: Promise<NodeDns> | null = null;
function nodeDns(): Promise<NodeDns> {
  dnsModule ??= import("node:dns");
  return dnsModule;
}

/** How often the system's configuration is read again, ms (a service runs for weeks). */
const CONFIG_CHECK_MS = 30_000;

/** How the system resolver reaches the system. */
export interface SystemResolverOptions {
  /** Sockets for its own reverse lookups, opened on the first; without it, getnameinfo only. */
  transport?: () => Transport;
  /** The configuration files (for tests); the system's by default. */
  files?: () => ConfigFiles;
  /** The clock, ms (for tests). */
  now?: () => number;
}

/** hopwise's own lookups for the system's configuration, and which questions they take. */
interface OwnLookups {
  stub: StubResolver;
  /** Host names (nsswitch: only `files` and `dns`, plainly). */
  reverse: boolean;
  /** TXT records (resolv.conf plain). */
  txt: boolean;
}

/** The system resolver. */
export class SystemResolver implements Resolver {
  readonly #options: SystemResolverOptions;
  #transport: Transport | null = null;
  #own: OwnLookups | null = null;
  #read: { at: number; key: string } | null = null;

  /** A resolver as the system's configuration says (see the module's documentation). */
  constructor(options: SystemResolverOptions = {}) {
    this.#options = options;
  }

  /** The own lookups for the system's configuration now, or null where the system must answer. */
  #ownLookups(): OwnLookups | null {
    const { transport, files = systemConfigFiles, now = () => performance.now() } = this.#options;
    if (!transport) return null;
    const at = now();
    if (this.#read && at - this.#read.at < CONFIG_CHECK_MS) return this.#own;
    const read = files();
    const key = JSON.stringify(read);
    if (this.#read?.key === key) {
      this.#read.at = at;
      return this.#own;
    }
    this.#read = { at, key };
    this.#own?.stub.close();
    this.#own = null;
    const reverse = reverseSetup(read);
    const dns = dnsSetup(read);
    if ("system" in reverse && "system" in dns) return null;
    // Host names as nsswitch says (none asked here when it says more than files and dns), other
    // records from resolv.conf's servers (reverseSetup's own, when it asks DNS).
    const names = "config" in reverse ? reverse.config : { sources: [], hosts: new Map() };
    const config: ReverseConfig = "config" in dns
      ? { ...dns.config, sources: names.sources, hosts: names.hosts }
      : (reverse as { config: ReverseConfig }).config;
    try {
      this.#transport ??= transport();
    } catch {
      return null; // no shim here: getnameinfo answers
    }
    this.#own = {
      stub: new StubResolver(this.#transport, config),
      reverse: "config" in reverse,
      txt: "config" in dns,
    };
    return this.#own;
  }

  async lookupHost(host: string, family: Family | 0): Promise<ResolvedHost> {
    // An address literal of the other family fails as getaddrinfo fails it. Parsed once: a run
    // of many targets resolves every one.
    const bytes = parseIPv4(host) ?? parseIPv6(host);
    const literal: Family | 0 = bytes ? (bytes.length === 4 ? 4 : 6) : 0;
    if (literal && family && literal !== family) {
      const mapped = literal === 6 ? unmapV4(host) : null;
      if (!mapped || family !== 4) {
        throw new ResolveError(host, GAI_MESSAGES.EAI_ADDRFAMILY!);
      }
    }
    if (host === "") throw new ResolveError(host, GAI_MESSAGES.EAI_NONAME!);
    // A literal is its own answer (getaddrinfo's too), but for IPv4-mapped IPv6.
    if (literal && (!family || literal === family) && !(literal === 6 && unmapV4(host))) {
      return { address: formatAddress(bytes!), family: literal };
    }
    let results: LookupAddress[];
    try {
      const dns = await nodeDns();
      results = await dns.promises.lookup(host, { all: true, family, verbatim: true });
    } catch (e) {
      if (permissionRefused(e)) throw new ResolveError(host, NO_NET_PERMISSION);
      throw new ResolveError(host, gaiMessage((e as { code?: string }).code));
    }
    if (results.length === 0) throw new ResolveError(host, GAI_MESSAGES.EAI_NONAME!);
    const chosen = results.find((r) => r.family === family) ??
      (family === 0 ? results.find((r) => r.family === 4) : undefined) ??
      results[0]!;
    const mapped = chosen.family === 6 ? unmapV4(chosen.address) : null;
    if (mapped) {
      if (family === 6) throw new ResolveError(host, GAI_MESSAGES.EAI_ADDRFAMILY!);
      return mapped;
    }
    if (family && chosen.family !== family) {
      throw new ResolveError(host, GAI_MESSAGES.EAI_ADDRFAMILY!);
    }
    return { address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
  }

  async txt(name: string, signal: AbortSignal): Promise<string[]> {
    const own = this.#ownLookups();
    if (own?.txt) {
      const found = await own.stub.txt(name);
      if ("records" in found) return found.records;
      if ("failed" in found) throw new Error(found.failed);
    }
    return denoTxt(name, signal);
  }

  async reverse(address: string): Promise<string | null> {
    return (await this.reverseAnswer(address)).name;
  }

  async reverseAnswer(address: string): Promise<ReverseAnswer> {
    const own = this.#ownLookups();
    if (own?.reverse) {
      const found = await own.stub.reverse(address);
      if ("name" in found) return found;
      if ("none" in found) {
        return found.ttl === undefined ? { name: null } : { name: null, ttl: found.ttl };
      }
      if ("failed" in found) throw new Error(found.failed);
    }
    // getnameinfo tells no TTL.
    try {
      const dns = await nodeDns();
      const { hostname } = await dns.promises.lookupService(address, 0);
      return { name: hostname && hostname !== address ? hostname : null };
    } catch (e) {
      // getnameinfo says EAI_NONAME (ENOTFOUND) for an address without a name; anything else
      // (EAI_AGAIN: the servers failed or were silent) is a failure.
      const code = (e as { code?: string }).code;
      if (code === "ENOTFOUND" || code === "EAI_NONAME") return { name: null };
      throw e;
    }
  }
}
