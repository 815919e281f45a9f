/**
 * The service's configuration file (`hopwise --serve PORT --config FILE`):
 * TOML, read once at start, every key checked before anything is opened.
 * Every error is one line naming the file and the place (`hopwise.toml:
 * target 2: "port" must be from 1 to 65535, got 70000`) and is a
 * {@linkcode ConfigError}, which the command line reports as bad input (exit
 * status 2). No secret is read here: `[web] auth_file` only names the file
 * that holds them. docs/service.md#configuration lists every key.
 *
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { DEFAULTS } from "../config/options.ts";
import { OptionError } from "../core/errors.ts";
import type { MethodName } from "../core/model.ts";
import { findMethod, methodNames, parisMethodNames } from "../methods/mod.ts";
import { MAX_WATCHED_TARGETS } from "../modes/watch_many.ts";
import { SERIES_LABELS } from "../output/metrics.ts";
import { canonicalAddress, parseIPv4, parseIPv6 } from "../packet/address.ts";
import { type AllowRule, parseAllowRule } from "./allow.ts";
import { ConfigError, describe, fileOf, isTable, Table } from "./config_table.ts";
import { asSourceOf, openDatabases } from "./config_lookups.ts";

export { ConfigError } from "./config_table.ts";

/** Where the service listens. */
export interface ListenAddress {
  /** An address (IPv6 without brackets) or a host name. */
  hostname: string;
  /** The TCP port, 1 to 65535. */
  port: number;
}

/** One target the service watches. */
export interface ServeTarget {
  /** A host name or an address. */
  host: string;
  /** The probe method, or undefined for the command line's (`-M`, `default` unless given). */
  method?: MethodName;
  /** `-p`: the method's port (or first port, first sequence, protocol). */
  port?: number;
  /** `-q`: probes per hop a cycle, 1 to 10. */
  queries?: number;
  /** Flows probed every cycle, each kept on its path (1 to 64; more than 1 needs a Paris method). */
  flows?: number;
  /** `-f`: the first TTL. */
  firstTtl?: number;
  /** `-m`: the largest TTL. */
  maxTtl?: number;
  /** Seconds between its cycles, over the configuration's `interval`. */
  interval?: number;
  /** Extra labels on every series of the target. */
  labels: Record<string, string>;
}

/** A checked configuration of the service. Times are in seconds. */
export interface ServeConfig {
  /** `listen`: where to listen when the command line does not say, or null. */
  listen: ListenAddress | null;
  /** Seconds between one target's cycles. */
  interval: number;
  /** Probes per second at most, every target together; 0: no cap. */
  rate: number;
  /** Seconds the findings and `/api` cover. */
  window: number;
  /**
   * `as_source`: where AS numbers come from (`--as-source`'s words: `whois`,
   * `dns`, `dns:ZONE`, or an ASN database's path, taken beside the file unless
   * absolute), or null.
   */
  asSource: string | null;
  /** `geoip`: a City or Country database's path (beside the file unless absolute), or null. */
  geoip: string | null;
  /**
   * `privacy`: every target's first N hops (and the source) hidden in all
   * the service serves, as `--privacy N`; null when not given.
   */
  privacy: number | null;
  /** The `[[target]]` tables, in the file's order (none when the targets come from `--targets`). */
  targets: ServeTarget[];
  /** `/probe`: what it may trace (nothing when `allow` is empty) and how many at once. */
  probe: { allow: AllowRule[]; maxConcurrent: number };
  /** HTTPS and authentication: file names, or null. */
  web: { tlsCert: string | null; tlsKey: string | null; authFile: string | null };
}

/** The defaults of the configuration's keys. */
export const SERVE_DEFAULTS = {
  /** The address `--serve PORT` listens on. */
  hostname: "127.0.0.1",
  /** Seconds between one target's cycles. */
  interval: 10,
  /** Probes per second, every target together (the `--rate` of `--targets`). */
  rate: 100,
  /** Seconds of the findings' window. */
  window: 300,
  /** `/probe` traces at once (at most 64). */
  maxConcurrent: 4,
} as const;

/** The most `/probe` traces at once, and the most flows of a target. */
const MOST = { concurrent: 64, flows: 64 };

/**
 * Label names a target's labels may not take: those the service's series use, and `instance` and
 * `job`, which Prometheus sets on every series it scrapes.
 */
export const RESERVED_LABELS: readonly string[] = [...SERIES_LABELS, "instance", "job"];

/** A host name as getaddrinfo would take one: labels of letters, digits, `-` and `_`. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

/** A label name Prometheus takes. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The keys of each table, in the order the documentation gives them. */
const KEYS = {
  top: "listen interval rate window as_source geoip privacy target probe web".split(" "),
  target: "host method port queries flows first_ttl max_ttl interval labels".split(" "),
  probe: ["allow", "max_concurrent"],
  web: ["tls_cert", "tls_key", "auth_file"],
};

/** The listen address of `text`, or why it is none. */
function listenOf(text: string): ListenAddress | string {
  const expected = `"${text}" is not PORT, ADDRESS:PORT or [IPv6]:PORT`;
  let hostname: string = SERVE_DEFAULTS.hostname;
  let portText = text;
  if (text.startsWith("[")) {
    const close = text.indexOf("]:");
    const inside = close === -1 ? "" : text.slice(1, close);
    if (parseIPv6(inside) === null) return expected;
    hostname = canonicalAddress(inside);
    portText = text.slice(close + 2);
  } else if (text.includes(":")) {
    const colon = text.lastIndexOf(":");
    hostname = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (parseIPv6(hostname) !== null) {
      return `"${text}": an IPv6 address goes in brackets, as [${hostname}]:${portText}`;
    }
    const numeric = /^[\d.]+$/.test(hostname);
    if ((numeric && parseIPv4(hostname) === null) || (!numeric && !HOST_NAME.test(hostname))) {
      return expected;
    }
  }
  if (!/^\d{1,5}$/.test(portText)) return expected;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `the port must be from 1 to 65535, got ${port}`;
  return { hostname, port };
}

/**
 * Parses `--serve`'s argument: `PORT` (on 127.0.0.1, loopback), `ADDRESS:PORT`
 * (an IPv4 address or a host name) or `[IPv6]:PORT`. The IPv6 address comes
 * back without brackets, in its canonical text.
 *
 * @example
 * ```ts
 * import { parseListen } from "./config.ts";
 * parseListen("9798"); // { hostname: "127.0.0.1", port: 9798 }
 * parseListen("[::1]:9798"); // { hostname: "::1", port: 9798 }
 * ```
 *
 * @throws {ConfigError} (option `serve`) for anything else, in one line
 */
export function parseListen(text: string): ListenAddress {
  const listen = listenOf(text);
  if (typeof listen === "string") throw new ConfigError("serve", `--serve: ${listen}`);
  return listen;
}

/** A `[[target]]` table, checked. */
function targetOf(table: Table): ServeTarget {
  const host = table.string("host", "a host name or an address");
  if (host === undefined) throw table.error("host", `"host" is missing`);
  const numeric = /^[\d.]+$/.test(host);
  const address = parseIPv4(host) !== null || parseIPv6(host) !== null;
  if (!address && (numeric || host.includes(":") || !HOST_NAME.test(host))) {
    throw table.error("host", `"host" must be a host name or an address, got ${describe(host)}`);
  }
  const methodText = table.string("method", "a method name");
  const found = methodText === undefined ? null : findMethod(methodText);
  const names = methodNames().join(", ");
  if (methodText !== undefined && found === null) {
    throw table.error("method", `"method" must be one of ${names}, got "${methodText}"`);
  }
  const port = table.integer("port", 1, 65535);
  const queries = table.integer("queries", 1, DEFAULTS.maxQueries);
  const flows = table.integer("flows", 1, MOST.flows);
  if (flows !== undefined && flows > 1 && found !== null && !found.paris) {
    const paris = parisMethodNames().join(", ");
    throw table.error("flows", `"flows" above 1 needs one of ${paris}, not "${found.name}"`);
  }
  const maxTtl = table.integer("max_ttl", 1, DEFAULTS.maxTtl);
  const firstTtl = table.integer("first_ttl", 1, DEFAULTS.maxTtl);
  const most = maxTtl ?? DEFAULTS.maxHops;
  if (firstTtl !== undefined && firstTtl > most) {
    const words = maxTtl === undefined ? `${most} by default` : `${most}`;
    throw table.error(
      "first_ttl",
      `"first_ttl" must be at most max_ttl (${words}), got ${firstTtl}`,
    );
  }
  const given = { port, queries, flows, firstTtl, maxTtl, interval: table.number("interval") };
  const target: ServeTarget = { host, ...(found ? { method: found.name } : {}), labels: {} };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) target[key as keyof typeof given] = value;
  }
  const labels = table.values["labels"];
  if (labels !== undefined) {
    if (!isTable(labels)) {
      throw table.error("labels", `"labels" must be a table of strings, got ${describe(labels)}`);
    }
    target.labels = labelsOf(labels, table);
  }
  return target;
}

/** A target's labels, checked. */
function labelsOf(values: Record<string, unknown>, table: Table): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const fail = (why: string) => table.error("labels", `label "${name}" ${why}`);
    if (!LABEL_NAME.test(name)) throw fail("is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    if (name.startsWith("_")) throw fail("starts with _, which Prometheus and OpenMetrics keep");
    if (RESERVED_LABELS.includes(name)) {
      throw fail(`is one of the service's own labels (${RESERVED_LABELS.join(", ")})`);
    }
    if (typeof value !== "string" || value === "") {
      throw fail(`must be a non-empty string, got ${describe(value)}`);
    }
    labels[name] = value;
  }
  return labels;
}

/** The `[probe]` table, checked. */
function probeOf(table: Table | undefined): ServeConfig["probe"] {
  const maxConcurrent = table?.integer("max_concurrent", 1, MOST.concurrent);
  const allow = table?.values["allow"] ?? [];
  if (!Array.isArray(allow)) {
    throw table!.error("allow", `"allow" must be an array of strings, got ${describe(allow)}`);
  }
  const rules = allow.map((item: unknown, i): AllowRule => {
    try {
      if (typeof item === "string") return parseAllowRule(item);
      throw new OptionError("allow", `must be a string, got ${describe(item)}`);
    } catch (e) {
      if (!(e instanceof OptionError)) throw e;
      throw table!.error("allow", `"allow" item ${i + 1}: ${e.message}`);
    }
  });
  return { allow: rules, maxConcurrent: maxConcurrent ?? SERVE_DEFAULTS.maxConcurrent };
}

/** The `[web]` table, checked; relative file names are taken beside the configuration. */
function webOf(table: Table | undefined, path: string): ServeConfig["web"] {
  const file = (key: string) => fileOf(table, key, path);
  const web = { tlsCert: file("tls_cert"), tlsKey: file("tls_key"), authFile: file("auth_file") };
  if (table !== undefined && (web.tlsCert === null) !== (web.tlsKey === null)) {
    const missing = web.tlsCert === null ? "tls_cert" : "tls_key";
    throw table.error(missing, `"tls_cert" and "tls_key" go together: "${missing}" is missing`);
  }
  return web;
}

/**
 * Parses and checks a configuration file's text; `path` names it in errors
 * and is the directory relative `[web]` file names are taken from.
 *
 * @example
 * ```ts
 * import { parseServeConfig } from "./config.ts";
 * const config = parseServeConfig('[[target]]\nhost = "198.18.0.1"\n', "hopwise.toml");
 * config.targets[0]?.method; // undefined: the command line's -M
 * config.window; // 300
 * ```
 *
 * @throws {ConfigError} for a TOML syntax error (with its line and column), an
 *   unknown key, a value of the wrong type or out of range: one line
 */
export function parseServeConfig(text: string, path: string): ServeConfig {
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    const where = e instanceof TomlError ? `${path}:${e.line}:${e.column}` : path;
    throw new ConfigError("config", `${where}: not valid TOML: ${reason}`, path);
  }
  const top = new Table(path, "", "", document, KEYS.top);
  const listenText = top.string("listen", `an address such as "127.0.0.1:9798"`);
  let listen: ListenAddress | null = null;
  if (listenText !== undefined) {
    const parsed = listenOf(listenText);
    if (typeof parsed === "string") throw top.error("listen", `"listen": ${parsed}`);
    listen = parsed;
  }
  const config: ServeConfig = {
    listen,
    interval: top.number("interval") ?? SERVE_DEFAULTS.interval,
    rate: top.number("rate", true) ?? SERVE_DEFAULTS.rate,
    window: top.number("window") ?? SERVE_DEFAULTS.window,
    asSource: asSourceOf(top, path),
    geoip: fileOf(top, "geoip", path),
    privacy: top.integer("privacy", 0, DEFAULTS.maxTtl) ?? null,
    targets: [],
    probe: probeOf(top.table("probe", KEYS.probe, "[probe]: ")),
    web: webOf(top.table("web", KEYS.web, "[web]: "), path),
  };
  const list = document["target"];
  if (list !== undefined && (!Array.isArray(list) || !list.every(isTable))) {
    throw top.error("target", `"target" must be [[target]] tables, got ${describe(list)}`);
  }
  const tables = (list ?? []) as Record<string, unknown>[];
  if (tables.length > MAX_WATCHED_TARGETS) {
    throw top.error("target", `${tables.length} targets, more than ${MAX_WATCHED_TARGETS}`);
  }
  const seen = new Map<string, number>();
  tables.forEach((values, i) => {
    const table = new Table(path, `target ${i + 1}: `, "target", values, KEYS.target);
    const target = targetOf(table);
    const key = `${target.host.toLowerCase()} ${target.method ?? ""} ${target.port ?? ""}`;
    const before = seen.get(key);
    if (before !== undefined) {
      throw table.error("host", `the same host, method and port as target ${before}`);
    }
    seen.set(key, i + 1);
    const interval = target.interval ?? config.interval;
    if (config.window < interval) {
      const why = `must be at least target ${i + 1}'s interval (${interval} s)`;
      throw top.error("window", `"window" (${config.window} s) ${why}`);
    }
    config.targets.push(target);
  });
  return config;
}

/**
 * Reads and checks a configuration file, and opens the databases it names.
 *
 * @throws {ConfigError} when the file cannot be read (one line: the path and
 *   why), is not a valid configuration ({@linkcode parseServeConfig}), or
 *   names a database that cannot be read
 */
export async function readServeConfig(path: string): Promise<ServeConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : e.message.split("\n")[0]!;
    throw new ConfigError("config", `${path}: cannot read the configuration: ${why}`, path);
  }
  const config = parseServeConfig(text, path);
  await openDatabases(config, path);
  return config;
}
