/**
 * What the system says about reverse lookups, read the way glibc reads it:
 * the `hosts:` line of /etc/nsswitch.conf (which sources, in which order),
 * /etc/hosts (the `files` source) and /etc/resolv.conf with `RES_OPTIONS`
 * (the `dns` source: servers, timeout, attempts, rotate).
 *
 * hopwise asks the servers itself (stub_resolver.ts) only when the system
 * uses nothing but `files` and `dns`, plainly, and hopwise may read those
 * files; anything else (mdns, systemd's `resolve`, myhostname, LDAP, an
 * action such as `[NOTFOUND=return]`, `use-vc`, a link-local server with a
 * scope) leaves the lookup to getnameinfo(3), which knows them all.
 *
 * @module
 */
import { canonicalAddress, familyOf } from "../packet/address.ts";

/** A name server to ask. */
export interface NameServer {
  /** Its address, canonical. */
  address: string;
  /** Its family. */
  family: 4 | 6;
}

/** How reverse lookups are made, when hopwise can make them itself. */
export interface ReverseConfig {
  /** The sources, in the order nsswitch gives them. */
  sources: ReadonlyArray<"files" | "dns">;
  /** Address to the first name of its first line in /etc/hosts. */
  hosts: ReadonlyMap<string, string>;
  /** The servers (at most 3, glibc's MAXNS); 127.0.0.1 when resolv.conf names none. */
  servers: readonly NameServer[];
  /** How long to wait for one server, ms (`timeout:`, 5 s by default, at most 30 s). */
  timeoutMs: number;
  /** How many rounds over the servers (`attempts:`, 2 by default, at most 5; 0: no question). */
  attempts: number;
  /** Start each lookup at the next server (`rotate`). */
  rotate: boolean;
}

/** Why hopwise leaves reverse lookups to getnameinfo, or the configuration it uses. */
export type ReverseSetup = { config: ReverseConfig } | { system: string };

/** The files read, replaceable for tests. */
export interface ConfigFiles {
  /** /etc/nsswitch.conf's text, or null when it cannot be read. */
  nsswitch: string | null;
  /** /etc/hosts's text, or null. */
  hosts: string | null;
  /** /etc/resolv.conf's text, or null. */
  resolvConf: string | null;
  /** `RES_OPTIONS` from the environment ("" when unset), or null when it cannot be read. */
  resOptions: string | null;
}

/** glibc's limits. */
const MAX_SERVERS = 3;
const MAX_TIMEOUT_S = 30;
const MAX_ATTEMPTS = 5;

/** The `hosts:` sources, or why they are not plain files and dns. */
function hostSources(nsswitch: string | null): ReverseConfig["sources"] | string {
  if (nsswitch === null) return "no readable /etc/nsswitch.conf";
  let line: string | null = null;
  for (const raw of nsswitch.split("\n")) {
    const text = raw.replace(/#.*/, "").trim();
    const m = /^hosts\s*:(.*)$/.exec(text);
    if (m) line = m[1]!.trim();
  }
  if (line === null || line === "") return "no hosts line in /etc/nsswitch.conf";
  const sources: Array<"files" | "dns"> = [];
  for (const word of line.split(/\s+/)) {
    if (word !== "files" && word !== "dns") return `nsswitch hosts source ${word}`;
    if (!sources.includes(word)) sources.push(word);
  }
  return sources;
}

/** /etc/hosts as glibc's files source answers an address: the first name of the first line. */
export function parseHosts(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const words = raw.replace(/#.*/, "").trim().split(/\s+/);
    if (words.length < 2 || !familyOf(words[0]!)) continue;
    const address = canonicalAddress(words[0]!);
    if (!names.has(address)) names.set(address, words[1]!);
  }
  return names;
}

/** Applies resolv.conf option words; returns a reason when one needs getnameinfo. */
function applyOptions(words: string[], config: ReverseConfig): string | null {
  for (const word of words) {
    const [key, value] = word.split(":", 2);
    const n = value === undefined ? NaN : Number.parseInt(value, 10);
    if (key === "timeout" && n >= 0) {
      config.timeoutMs = Math.min(Math.max(n, 1), MAX_TIMEOUT_S) * 1000;
    } else if (key === "attempts" && n >= 0) {
      // glibc takes 0 as it is: res_send then asks no server, and nothing is found.
      config.attempts = Math.min(n, MAX_ATTEMPTS);
    } else if (key === "rotate") config.rotate = true;
    else if (key === "use-vc" || key === "usevc") return "resolv.conf option use-vc";
  }
  return null;
}

/** Reads the `dns` source's settings into `config`; returns a reason when it needs getnameinfo. */
function readResolvConf(files: ConfigFiles, config: ReverseConfig): string | null {
  const servers: NameServer[] = [];
  for (const raw of (files.resolvConf ?? "").split("\n")) {
    const words = raw.replace(/[#;].*/, "").trim().split(/\s+/);
    if (words[0] === "nameserver" && words[1] !== undefined) {
      if (servers.length === MAX_SERVERS) continue;
      const family = familyOf(words[1]);
      if (!family) return `resolv.conf nameserver ${words[1]}`;
      servers.push({ address: canonicalAddress(words[1]), family });
    } else if (words[0] === "options") {
      const why = applyOptions(words.slice(1), config);
      if (why) return why;
    }
  }
  if (files.resOptions === null) return "RES_OPTIONS unreadable (Deno's --allow-env)";
  const why = applyOptions(files.resOptions.trim().split(/\s+/), config);
  if (why) return why;
  config.servers = servers.length ? servers : [{ address: "127.0.0.1", family: 4 }];
  return null;
}

/**
 * How reverse lookups are to be made on this system: hopwise's own, with
 * the configuration read, or getnameinfo's, with the reason.
 *
 * @example
 * ```ts
 * import { reverseSetup } from "./dns_config.ts";
 * const setup = reverseSetup({
 *   nsswitch: "hosts: files dns\n",
 *   hosts: "127.0.0.1 localhost\n",
 *   resolvConf: "nameserver 198.18.250.2\noptions timeout:1\n",
 *   resOptions: "",
 * });
 * // "config" in setup: servers [198.18.250.2], timeout 1 s
 * ```
 */
export function reverseSetup(files: ConfigFiles): ReverseSetup {
  const sources = hostSources(files.nsswitch);
  if (typeof sources === "string") return { system: sources };
  if (sources.includes("files") && files.hosts === null) {
    return { system: "no readable /etc/hosts" };
  }
  const hosts = parseHosts(files.hosts ?? "");
  if (!sources.includes("dns")) return { config: withDefaults(sources, hosts) };
  const dns = dnsSetup(files);
  return "system" in dns ? dns : { config: { ...dns.config, sources, hosts } };
}

/**
 * How hopwise asks the name servers itself for other records (Team Cymru's
 * TXT): resolv.conf's servers and options, whatever nsswitch says of host
 * names; or why it leaves them to Deno.resolveDns.
 */
export function dnsSetup(files: ConfigFiles): ReverseSetup {
  if (files.resolvConf === null) return { system: "no readable /etc/resolv.conf" };
  const config = withDefaults(["dns"], new Map());
  const why = readResolvConf(files, config);
  return why ? { system: why } : { config };
}

/** `sources` and `hosts`, no server yet, and glibc's schedule by default (5 s, 2 rounds). */
function withDefaults(
  sources: ReverseConfig["sources"],
  hosts: ReverseConfig["hosts"],
): ReverseConfig {
  return { sources, hosts, servers: [], timeoutMs: 5_000, attempts: 2, rotate: false };
}

/** Reads a file when Deno lets hopwise read it without asking; null otherwise. */
function readIfAllowed(path: string): string | null {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return null;
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** The system's files, and `RES_OPTIONS` when the environment may be read. */
export function systemConfigFiles(): ConfigFiles {
  let resOptions: string | null = null;
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "RES_OPTIONS" }).state === "granted") {
      resOptions = Deno.env.get("RES_OPTIONS") ?? "";
    }
  } catch {
    // No permission to read the environment: whether RES_OPTIONS is set is unknown.
  }
  return {
    nsswitch: readIfAllowed("/etc/nsswitch.conf"),
    hosts: readIfAllowed("/etc/hosts"),
    resolvConf: readIfAllowed("/etc/resolv.conf"),
    resOptions,
  };
}
