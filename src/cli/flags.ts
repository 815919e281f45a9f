/**
 * The command line's flags: Linux traceroute 2.1.2's options (and hopwise's
 * own long ones) as a CLIF option table that fills a State (flag_state.ts).
 *
 * @module
 */
import type { ClifOption } from "../core/command_line_parser.ts";
import { servicePort } from "../lookup/netdb.ts";
import {
  cDoublePrefix,
  parseCDouble,
  parseCUnsigned,
  parseCUnsignedPrefix,
} from "../core/c_numbers.ts";
import { MAX_GATEWAYS_6 } from "../packet/source_route.ts";
import type { State } from "./flag_state.ts";

/** Parses `-w MAX[,HERE[,NEAR]]` as set_wait_specs does; null when malformed. */
export function parseWait(text: string): { max: number; here: number; near: number } | null {
  const values: number[] = [];
  let rest = text;
  for (let i = 0; i < 3; i++) {
    const r = cDoublePrefix(rest);
    if (!r) return null;
    values.push(r.value);
    rest = rest.slice(r.used);
    if (rest === "") break;
    if (i === 2) return null;
    rest = rest.slice(1); // any one separator character
  }
  return { max: values[0]!, here: values[1] ?? 0, near: values[2] ?? 0 };
}

/** set_port: a number (the word need only start with one) or a service name. */
function parsePort(text: string): number | null {
  const n = parseCUnsignedPrefix(text);
  const port = n ?? servicePort(text);
  return port !== null && port <= 65535 ? port : null;
}

/**
 * The option table; `resolveSource` resolves `-s` while options are read
 * (as Linux traceroute does), `helpFor` prints `-O help` and stops.
 */
export function buildOptions(
  state: State,
  resolveSource: (text: string) => Promise<boolean>,
  helpFor: (module: string) => never,
): ClifOption[] {
  const uint = (set: (n: number) => void) => (value: string | null) => {
    const n = parseCUnsigned(value ?? "");
    if (n === null) return false;
    set(n);
    return true;
  };
  /** A C double that `ok` accepts. */
  const real = (ok: (n: number) => boolean, set: (n: number) => void) => (value: string | null) => {
    const n = parseCDouble(value ?? "");
    if (n === null || !ok(n)) return false;
    set(n);
    return true;
  };
  const flag = (set: () => void) => () => {
    set();
    return true;
  };
  const port = (set: (n: number) => void) => (value: string | null) => {
    const n = parsePort(value ?? "");
    if (n === null) return false;
    set(n);
    return true;
  };
  const module = (name: string) => flag(() => (state.module = name));
  return [
    { short: "4", handle: flag(() => (state.family = 4)) },
    { short: "6", handle: flag(() => (state.family = 6)) },
    { short: "d", long: "debug", handle: flag(() => (state.debug = true)) },
    {
      short: "F",
      long: "dont-fragment",
      abbrev: true,
      handle: flag(() => (state.dontFragment = true)),
    },
    { short: "f", long: "first", arg: "first_ttl", handle: uint((n) => (state.firstHop = n)) },
    {
      short: "g",
      long: "gateway",
      arg: "gate",
      several: true,
      handle: (v) => {
        if (state.gateways.length >= MAX_GATEWAYS_6) return false;
        state.gateways.push(v ?? "");
        return true;
      },
    },
    { short: "I", long: "icmp", handle: module("icmp") },
    { short: "T", long: "tcp", handle: module("tcp") },
    {
      short: "i",
      long: "interface",
      arg: "device",
      handle: (v) => {
        state.device = v;
        return true;
      },
    },
    { short: "m", long: "max-hops", arg: "max_ttl", handle: uint((n) => (state.maxHops = n)) },
    {
      short: "N",
      long: "sim-queries",
      arg: "squeries",
      handle: uint((n) => {
        state.simultaneous = n;
        state.classic = true;
      }),
    },
    { short: "n", handle: flag(() => (state.numeric = true)) },
    {
      short: "p",
      long: "port",
      arg: "port",
      handle: port((n) => (state.port = n)),
    },
    {
      short: "t",
      long: "tos",
      arg: "tos",
      handle: (v) => {
        const n = parseCUnsigned(v ?? "");
        if (n === null || n > 255) return false;
        state.tos = n;
        return true;
      },
    },
    {
      short: "l",
      long: "flowlabel",
      arg: "flow_label",
      handle: uint((n) => (state.flowLabel = n & 0xfffff)),
    },
    {
      short: "w",
      long: "wait",
      arg: "MAX,HERE,NEAR",
      handle: (v) => {
        const wait = parseWait(v ?? "");
        if (!wait) return false;
        state.waitMax = wait.max;
        state.here = wait.here;
        state.near = wait.near;
        state.classic = true;
        state.waitGiven = true;
        return true;
      },
    },
    {
      short: "q",
      long: "queries",
      arg: "nqueries",
      handle: uint((n) => {
        state.queries = n;
        state.queriesGiven = true;
      }),
    },
    { short: "r", handle: flag(() => (state.dontRoute = true)) },
    {
      short: "s",
      long: "source",
      arg: "src_addr",
      handle: (v) => resolveSource(v ?? ""),
    },
    {
      short: "z",
      long: "sendwait",
      arg: "sendwait",
      handle: (v) => {
        const n = parseCDouble(v ?? "");
        if (n === null) return false;
        state.sendWait = n;
        state.classic = true;
        return true;
      },
    },
    {
      short: "e",
      long: "extensions",
      abbrev: true,
      handle: flag(() => (state.extensions = true)),
    },
    { short: "A", long: "as-path-lookups", handle: flag(() => (state.asLookups = true)) },
    {
      short: "M",
      long: "module",
      arg: "name",
      handle: (v) => {
        state.module = v ?? "";
        return true;
      },
    },
    {
      short: "O",
      long: "options",
      arg: "OPTS",
      several: true,
      handle: (v) => {
        if (v === "help") helpFor(state.module);
        if (state.methodWords.length >= 15) return false;
        state.methodWords.push(v ?? "");
        return true;
      },
    },
    {
      long: "sport",
      arg: "num",
      handle: port((n) => (state.sourcePort = n)),
    },
    { long: "fwmark", arg: "num", handle: uint((n) => (state.fwmark = n)) },
    { short: "U", long: "udp", handle: module("udp") },
    { long: "UL", oneDash: true, handle: module("udplite") },
    { short: "D", long: "dccp", handle: module("dccp") },
    {
      short: "P",
      long: "protocol",
      arg: "prot",
      handle: (v) => {
        // Linux's set_raw: -M raw -O protocol=prot.
        state.module = "raw";
        if (state.methodWords.length >= 15) return false;
        state.methodWords.push(`protocol=${v}`);
        return true;
      },
    },
    { long: "mtu", handle: flag(() => (state.mtu = true)) },
    { long: "classic", handle: flag(() => (state.classic = true)) },
    { long: "json", handle: flag(() => (state.output = "json")) },
    { long: "ndjson", handle: flag(() => (state.output = "ndjson")) },
    { long: "back", handle: flag(() => (state.back = true)) },
    { long: "paris", handle: flag(() => (state.paris = true)) },
    {
      long: "flows",
      arg: "num",
      nextWord: true,
      handle: uint((n) => (state.flows = n)),
    },
    { long: "mda", handle: flag(() => (state.mda = true)) },
    {
      long: "confidence",
      arg: "percent",
      nextWord: true,
      handle: real((n) => n > 0 && n < 100, (n) => (state.confidence = n)),
    },
    {
      long: "compare",
      arg: "methods",
      nextWord: true,
      handle: (v) => {
        state.compare = v ?? "";
        return true;
      },
    },
    { long: "explain", handle: flag(() => (state.explain = true)) },
    {
      long: "targets",
      arg: "file",
      nextWord: true,
      handle: (v) => {
        if (!v) return false;
        state.targets = v;
        return true;
      },
    },
    {
      long: "serve",
      arg: "[address:]port",
      nextWord: true,
      handle: (v) => {
        state.serve = v ?? "";
        return true;
      },
    },
    {
      long: "config",
      arg: "file",
      nextWord: true,
      handle: (v) => {
        if (!v) return false;
        state.config = v;
        return true;
      },
    },
    {
      long: "parallel",
      arg: "num",
      nextWord: true,
      handle: uint((n) => (state.parallel = n)),
    },
    {
      long: "rate",
      arg: "pps",
      nextWord: true,
      handle: real((n) => n >= 0 && Number.isFinite(n), (n) => (state.rate = n)),
    },
    { long: "csv", handle: flag(() => (state.output = "csv")) },
    { long: "dot", handle: flag(() => (state.output = "dot")) },
    {
      long: "html",
      arg: "file",
      nextWord: true,
      handle: (v) => {
        if (!v) return false;
        state.html = v;
        return true;
      },
    },
    { long: "report", handle: flag(() => (state.continuous = "report")) },
    { long: "watch", handle: flag(() => (state.continuous = "watch")) },
    {
      long: "cycles",
      arg: "num",
      nextWord: true,
      handle: uint((n) => (state.cycles = n)),
    },
    {
      long: "interval",
      arg: "seconds",
      nextWord: true,
      handle: real((n) => n > 0 && Number.isFinite(n), (n) => (state.interval = n)),
    },
    {
      long: "columns",
      arg: "list",
      nextWord: true,
      handle: (v) => {
        state.columns = v ?? "";
        return true;
      },
    },
    {
      long: "completions",
      arg: "shell",
      nextWord: true,
      handle: (v) => {
        if (v !== "bash" && v !== "zsh" && v !== "fish") return false;
        state.completions = v;
        return true;
      },
    },
    {
      long: "privacy",
      arg: "hops",
      nextWord: true,
      // Decimal digits only (no sign, no base), at most the largest TTL.
      handle: (v) => {
        if (!/^[0-9]{1,3}$/.test(v ?? "") || Number(v) > 255) return false;
        state.privacy = Number(v);
        return true;
      },
    },
    {
      long: "as-source",
      arg: "source",
      nextWord: true,
      // Implies -A; whois, dns[:ZONE] or a database's path (checked with the options).
      handle: (v) => {
        if (!v) return false;
        state.asSource = v;
        state.asLookups = true;
        return true;
      },
    },
    {
      long: "geoip",
      arg: "file",
      nextWord: true,
      handle: (v) => {
        if (!v) return false;
        state.geoip = v;
        return true;
      },
    },
    { short: "V", long: "version", exit: true, handle: () => true },
    { long: "help", exit: true, handle: () => true },
  ];
}
