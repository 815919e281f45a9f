/**
 * The command line: `hopwise [options] host [packet_len]`. Options, checks,
 * messages and exit statuses follow Linux traceroute 2.1.2; the trace itself
 * runs through the library's `trace()`.
 *
 * Exit statuses: 0 after a trace (reached or not), 2 for bad input, 1 when a
 * system call fails, 130 / 143 when interrupted by SIGINT / SIGTERM, 141 when
 * standard output is closed.
 *
 * @module
 */
import { ShimLoadError } from "../../ffi/library.ts";
import { type Family, familyOf } from "../address.ts";
import { PrivilegeError, ResolveError, SystemError } from "../errors.ts";
import { type ResolvedHost, type Resolver, SystemResolver } from "../lookup/resolver.ts";
import type { Method } from "../methods/method.ts";
import { findMethod } from "../methods/mod.ts";
import { DEFAULT_WHOIS, DEFAULTS, METHOD_NAMES, type TraceOptions } from "../options.ts";
import { MAX_GATEWAYS_4, MAX_GATEWAYS_6 } from "../packet/source_route.ts";
import { ClassicFormatter } from "../output/classic.ts";
import { JsonFormatter, NdjsonFormatter } from "../output/json.ts";
import { trace } from "../tracer.ts";
import type { MethodName, TraceEvent } from "../types.ts";
import { ClifError, clifHelp, type ClifOption, parseClif } from "./clif.ts";
import {
  cDoublePrefix,
  formatG,
  parseCDouble,
  parseCInt,
  parseCUnsigned,
  parseCUnsignedPrefix,
} from "../numbers.ts";
import { programDefaults } from "./progname.ts";
import { servicePort } from "../lookup/netdb.ts";
import { helpText, shortUsage, VERSION } from "./usage.ts";
import { runCompare } from "./compare.ts";
import { runMultipath } from "./multipath.ts";
import { type Companion, explain, formatFindings, startCompanion } from "../explain/mod.ts";
import type { Trace } from "../types.ts";
import type { ModeSettings } from "./modes.ts";

/** Where the CLI writes. */
export interface CliOutput {
  /** Writes to standard output; throws Deno.errors.BrokenPipe when it is closed. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
}

/** How main runs. */
export interface CliContext {
  /** The name it was called by (argv[0]); sets defaults like Linux traceroute's. */
  programName: string;
  /** Where output goes; the process's streams by default. */
  output?: CliOutput;
  /** Resolver; the system's by default. */
  resolver?: Resolver;
  /** Aborts the trace (signals). */
  signal?: AbortSignal;
  /** Options passed straight to trace() (tests use it to swap the transport). */
  traceOptions?: Partial<TraceOptions>;
  /** Sees every event of the trace as it is printed. */
  onEvent?: (event: TraceEvent) => void;
}

/** Leaves main with a status, after printing what must be printed. */
class Exit extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`exit ${status}`);
    this.status = status;
  }
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

/** Standard output and error of the process. */
export const processOutput: CliOutput = {
  stdout: (text) => writeAll(Deno.stdout, text),
  stderr: (text) => writeAll(Deno.stderr, text),
};

/** An environment variable, when Deno lets this process read it (never prompts). */
function env(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/** The whois server of -A: RA_SERVER / RA_SERVICE, as Linux traceroute reads them. */
function whoisServer(): { server: string; service: string } {
  return {
    server: env("RA_SERVER") ?? DEFAULT_WHOIS.server,
    service: env("RA_SERVICE") ?? DEFAULT_WHOIS.service,
  };
}

/** Whether Deno lets this process look names up (never prompts). */
function netPermitted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "net" }).state === "granted";
  } catch {
    return false;
  }
}

/** Command-line state while parsing. */
interface State {
  family: Family | 0;
  module: string;
  methodWords: string[];
  firstHop: number;
  maxHops: number;
  queries: number;
  /** -N, -w, -z or --classic given: Linux traceroute's timing. */
  classic: boolean;
  simultaneous: number;
  waitMax: number;
  here: number;
  near: number;
  sendWait: number;
  port: number;
  sourcePort: number;
  device: string | null;
  tos: number;
  fwmark: number;
  numeric: boolean;
  dontFragment: boolean;
  debug: boolean;
  dontRoute: boolean;
  gateways: string[];
  flowLabel: number;
  extensions: boolean;
  asLookups: boolean;
  mtu: boolean;
  back: boolean;
  output: "classic" | "json" | "ndjson";
  /** --paris: one flow for every probe. */
  paris: boolean;
  /** --flows N: N flows traced side by side (null: off). */
  flows: number | null;
  /** --mda: multipath detection. */
  mda: boolean;
  /** --confidence: the MDA's confidence level, percent. */
  confidence: number;
  /** --compare METHODS: the methods to compare, as given; null when off. */
  compare: string | null;
  /** --explain: findings after the trace. */
  explain: boolean;
}

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

function buildOptions(
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
        return true;
      },
    },
    { short: "q", long: "queries", arg: "nqueries", handle: uint((n) => (state.queries = n)) },
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
      handle: (v) => {
        const n = parseCDouble(v ?? "");
        if (n === null || !(n > 0 && n < 100)) return false;
        state.confidence = n;
        return true;
      },
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
    { short: "V", long: "version", exit: true, handle: () => true },
    { long: "help", exit: true, handle: () => true },
  ];
}

/** Text of `-O help` for a method, as Linux traceroute lays it out. */
function methodHelp(method: Method): string {
  const shown = (k: Method["keywords"][number]) => k.value ? `${k.name}=${k.value}` : k.name;
  return clifHelp(
    method.keywords.map((k) => ({
      shown: shown(k),
      help: k.help,
      ...(k.value ? { arg: k.value } : {}),
    })),
    method.keywords.filter((k) => k.exclusive).map(shown),
  );
}

/** A resolver that remembers host lookups, so the CLI and trace() agree. */
class RememberingResolver implements Resolver {
  #inner: Resolver;
  #hosts = new Map<string, ResolvedHost>();
  constructor(inner: Resolver) {
    this.#inner = inner;
  }
  async lookupHost(host: string, family: Family | 0): Promise<ResolvedHost> {
    const key = `${family} ${host}`;
    const known = this.#hosts.get(key);
    if (known) return known;
    const found = await this.#inner.lookupHost(host, family);
    this.#hosts.set(key, found);
    this.#hosts.set(`${found.family} ${host}`, found);
    return found;
  }
  reverse(address: string): Promise<string | null> {
    return this.#inner.reverse(address);
  }
}

/**
 * Runs the command line and returns the exit status. Never throws and never
 * exits the process: the caller does that.
 */
export async function main(args: readonly string[], context: CliContext): Promise<number> {
  const out = context.output ?? processOutput;
  try {
    return await run(args, context, out);
  } catch (e) {
    if (e instanceof Exit) return e.status;
    if (e instanceof Deno.errors.BrokenPipe) return 141;
    if (e instanceof ShimLoadError) {
      out.stderr(`hopwise: ${e.message}\n`);
      return 1;
    }
    out.stderr(`hopwise: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

async function run(args: readonly string[], context: CliContext, out: CliOutput): Promise<number> {
  const name = context.programName.split("/").pop() ?? "hopwise";
  if (args.length === 0) {
    out.stderr(shortUsage(name));
    return 2;
  }
  const defaults = programDefaults(context.programName);
  const state: State = {
    family: defaults.family,
    module: defaults.method,
    methodWords: [],
    firstHop: DEFAULTS.firstHop,
    maxHops: DEFAULTS.maxHops,
    queries: DEFAULTS.queries,
    classic: false,
    simultaneous: DEFAULTS.simultaneous,
    waitMax: DEFAULTS.wait.max / 1000,
    here: DEFAULTS.wait.here,
    near: DEFAULTS.wait.near,
    sendWait: 0,
    port: 0,
    sourcePort: 0,
    device: null,
    tos: 0,
    fwmark: 0,
    numeric: false,
    dontFragment: false,
    debug: false,
    dontRoute: false,
    gateways: [],
    flowLabel: 0,
    extensions: false,
    asLookups: false,
    mtu: false,
    back: false,
    output: "classic",
    paris: false,
    flows: null,
    mda: false,
    confidence: 95,
    compare: null,
    explain: false,
  };
  const fail = (message: string, status = 2): never => {
    out.stderr(message + "\n");
    throw new Exit(status);
  };
  const resolver = new RememberingResolver(context.resolver ?? new SystemResolver());

  // Like Linux traceroute, -s is resolved while options are read (with the
  // family known at that moment) and the host after all options.
  let source: string | null = null;
  const argv = [context.programName, ...args];
  const options = buildOptions(
    state,
    async (text) => {
      try {
        source = (await resolver.lookupHost(text, state.family)).address;
        return true;
      } catch (e) {
        if (!(e instanceof ResolveError)) throw e;
        out.stderr(`${text}: ${e.reason}\n`);
        return false;
      }
    },
    (module) => {
      const method = findMethod(module);
      if (method && method.keywords.length > 0) out.stderr(methodHelp(method));
      else out.stderr(`No options for module \`${module}'\n`);
      throw new Exit(0);
    },
  );
  let parsed;
  try {
    parsed = await parseClif(argv, options, true);
  } catch (e) {
    if (e instanceof ClifError) fail(e.message);
    throw e;
  }
  if (parsed.exitedOn?.long === "help") {
    out.stdout(helpText(name));
    return 0;
  }
  if (parsed.exitedOn?.short === "V") {
    out.stdout(`hopwise ${VERSION}\n`);
    return 0;
  }
  const positionals = parsed.positionals;
  if (positionals.length === 0) fail(`Specify "host" missing argument.`);
  if (positionals.length > 2) {
    const extra = positionals[2]!;
    fail(`Extra arg \`${extra.value}' (position 3, argc ${extra.argc})`);
  }
  const hostArg = positionals[0]!;
  let target: ResolvedHost;
  try {
    target = await resolver.lookupHost(hostArg.value, state.family);
  } catch (e) {
    if (!(e instanceof ResolveError)) throw e;
    out.stderr(`${hostArg.value}: ${e.reason}\n`);
    return fail(
      `Cannot handle "host" cmdline arg \`${hostArg.value}' on position 1 (argc ${hostArg.argc})`,
    );
  }
  if (!state.family) state.family = target.family;
  let packetLength = -1;
  const lengthArg = positionals[1];
  if (lengthArg) {
    const n = parseCInt(lengthArg.value);
    if (n === null) {
      fail(
        `Cannot handle "packetlen" cmdline arg \`${lengthArg.value}' on position 2 (argc ${lengthArg.argc})`,
      );
    }
    packetLength = n!;
  }

  // The checks of Linux traceroute's main(), in its order.
  const moduleName = state.module.toLowerCase();
  if (!METHOD_NAMES.includes(moduleName as MethodName)) {
    fail(`Unknown traceroute module ${state.module}`);
  }
  const method = findMethod(moduleName);
  if (!method) fail(`hopwise: method \`${moduleName}' is not implemented yet`);
  if (state.firstHop === 0 || state.firstHop > state.maxHops) fail("first hop out of range");
  if (state.maxHops > DEFAULTS.maxTtl) fail("max hops cannot be more than 255");
  if (state.queries === 0 || state.queries > DEFAULTS.maxQueries) {
    fail("no more than 10 probes per hop");
  }
  if (state.waitMax < 0 || state.here < 0 || state.near < 0) {
    fail(
      `bad wait specifications \`${formatG(state.waitMax)},${formatG(state.here)},${
        formatG(state.near)
      }' used`,
    );
  }
  if (packetLength > DEFAULTS.maxPacketLength) fail(`too big packetlen ${packetLength} specified`);
  if (source !== null && familyOf(source) !== state.family) {
    fail("IP version mismatch in addresses specified");
  }
  if (state.sendWait < 0) fail(`bad sendtime \`${formatG(state.sendWait)}' specified`);
  if (state.sendWait >= 10) state.sendWait /= 1000;

  // -g, as init_ip_options reads it: IPv6 takes an optional leading type.
  let routingHeaderType: number | null = null;
  const gatewayWords = [...state.gateways];
  if (state.family === 6 && gatewayWords.length > 1) {
    const type = parseCUnsigned(gatewayWords[0]!);
    if (type !== null) {
      routingHeaderType = type & 0xff;
      gatewayWords.shift();
    }
  }
  const maxGateways = state.family === 4 ? MAX_GATEWAYS_4 : MAX_GATEWAYS_6;
  if (gatewayWords.length > maxGateways) {
    fail(`Too many gateways specified. No more than ${maxGateways}`);
  }
  const gateways: string[] = [];
  for (const word of gatewayWords) {
    let found: ResolvedHost;
    try {
      found = await resolver.lookupHost(word, state.family);
    } catch (e) {
      if (!(e instanceof ResolveError)) throw e;
      out.stderr(`${word}: ${e.reason}\n`);
      return fail("");
    }
    if (found.family !== state.family) fail("IP versions mismatch in gateway addresses");
    gateways.push(found.address);
  }

  // -O keywords, for methods that have any (others ignore them, as Linux does);
  // recorded in full (abbreviations expanded) for trace().
  const methodOptions: string[] = [];
  if (method!.keywords.length > 0 && state.methodWords.length > 0) {
    const keywordOptions: ClifOption[] = method!.keywords.map((k) => ({
      long: k.name,
      ...(k.value ? { arg: k.value } : {}),
      ...(k.exclusive ? { exclusive: true } : {}),
      ...(k.abbrev ? { abbrev: true } : {}),
      handle: (value: string | null) => {
        if (value !== null && k.accepts && !k.accepts(value)) return false;
        methodOptions.push(value === null ? k.name : `${k.name}=${value}`);
        return true;
      },
    }));
    try {
      await parseClif([moduleName, ...state.methodWords], keywordOptions, false, {
        keyword: true,
      });
    } catch (e) {
      if (e instanceof ClifError) fail(e.message);
      throw e;
    }
  }

  const traceOptions: TraceOptions = {
    family: state.family as Family,
    method: moduleName as MethodName,
    methodOptions,
    firstHop: state.firstHop,
    maxHops: state.maxHops,
    queries: state.queries,
    // Linux traceroute's timing when any of its knobs is given; else hopwise's.
    ...(state.classic
      ? {
        timing: "classic" as const,
        simultaneous: Math.max(1, Math.min(state.simultaneous, 65535)),
        wait: { max: state.waitMax * 1000, here: state.here, near: state.near },
        sendWait: state.sendWait * 1000,
      }
      : { timing: "adaptive" as const }),
    port: state.port,
    tos: state.tos,
    dontFragment: state.dontFragment,
    sourcePort: state.sourcePort,
    mark: state.fwmark,
    dontRoute: state.dontRoute,
    debug: state.debug,
    mtuDiscovery: state.mtu,
    extensions: state.extensions,
    gateways,
    ...(routingHeaderType !== null ? { routingHeaderType } : {}),
    flowLabel: state.flowLabel,
    ...(state.asLookups ? { asLookups: whoisServer() } : {}),
    resolveNames: !state.numeric,
    resolver,
    ...(source !== null ? { source } : {}),
    // An empty name binds to no interface (SO_BINDTODEVICE with ""), as in Linux traceroute.
    ...(state.device ? { interface: state.device } : {}),
    ...(packetLength >= 0 ? { packetLength } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    // Root, setuid or file capabilities: none of it is needed once the
    // sockets are open, and none of it should parse forged replies.
    dropPrivileges: true,
    ...context.traceOptions,
  };

  if (!state.numeric && !context.resolver && !netPermitted()) {
    out.stderr("hopwise: names are not looked up without --allow-net (grant it, or use -n)\n");
    traceOptions.resolveNames = false;
  }
  if (state.paris) traceOptions.paris = true;
  const modes = [state.compare !== null, state.flows !== null, state.mda].filter(Boolean).length;
  if (modes > 1) fail("hopwise: --compare, --flows and --mda cannot be used together");
  const settings: ModeSettings = {
    output: state.output,
    numeric: state.numeric,
    explain: state.explain,
    out,
    ...(context.signal ? { signal: context.signal } : {}),
  };
  try {
    if (state.compare !== null) {
      return await runCompare(hostArg.value, state.compare, traceOptions, settings);
    }
    if (state.flows !== null || state.mda) {
      return await runMultipath(hostArg.value, traceOptions, {
        ...settings,
        flows: state.flows ?? 0,
        mda: state.mda,
        confidence: state.confidence / 100,
      });
    }
  } catch (e) {
    return traceFailure(e, fail, out);
  }

  const json = state.output === "json" ? new JsonFormatter() : null;
  const ndjson = state.output === "ndjson" ? new NdjsonFormatter() : null;
  const formatter: { format(event: TraceEvent): string } = json ?? ndjson ??
    new ClassicFormatter({
      numeric: state.numeric,
      tcpFlags: moduleName === "tcp" && methodOptions.includes("info"),
      extensions: state.extensions,
      back: state.back,
    });
  // --explain of a TCP trace: a quiet ICMP trace alongside, to compare the
  // path lengths (a transparent proxy answers TCP early). Started first: it
  // keeps the privileges the main trace drops once its sockets are open.
  let companion: Companion | null = null;
  if (state.explain && (moduleName === "tcp" || moduleName === "tcpconn")) {
    companion = await startCompanion(hostArg.value, traceOptions);
  }
  let started = false;
  try {
    const events = trace(hostArg.value, traceOptions);
    // With --explain the end event waits for the whole trace (the generator's value).
    let end: TraceEvent | null = null;
    let whole: Trace | null = null;
    while (true) {
      const step = await events.next();
      if (step.done) {
        whole = step.value;
        break;
      }
      const event = step.value;
      if (event.type === "start") started = true;
      context.onEvent?.(event);
      if (state.explain && event.type === "end" && event.reason !== "aborted") {
        end = event;
        continue;
      }
      out.stdout(formatter.format(event));
      if (event.type === "end" && event.reason === "aborted") {
        return context.signal?.reason === "SIGTERM" ? 143 : 130;
      }
    }
    if (end && whole) {
      const companions = companion ? await companion.result() : [];
      if (companion?.failure) {
        out.stderr(
          `hopwise: --explain: the ICMP trace to compare with failed: ${companion.failure}\n`,
        );
      }
      const findings = explain(whole, { companions });
      json?.setFindings(findings);
      if (ndjson) out.stdout(ndjson.formatFindings(findings));
      out.stdout(formatter.format(end));
      if (!json && !ndjson) out.stdout("\n" + formatFindings(findings));
    }
  } catch (e) {
    if (started && state.output === "classic" && !isTraceFailure(e)) out.stdout("\n");
    return traceFailure(e, fail, out);
  } finally {
    companion?.stop();
  }
  return 0;
}

/** Errors a trace can end with that have their own message and status. */
function isTraceFailure(e: unknown): boolean {
  return e instanceof PrivilegeError || e instanceof SystemError || e instanceof ResolveError ||
    e instanceof RangeError || e instanceof TypeError || e instanceof Deno.errors.BrokenPipe;
}

/**
 * The message and exit status for an error a trace ended with (as Linux
 * traceroute reports it); anything else is rethrown.
 */
export function traceFailure(
  e: unknown,
  fail: (message: string, status?: number) => never,
  out: CliOutput,
): number {
  if (e instanceof PrivilegeError) {
    out.stderr(
      "You do not have enough privileges to use this traceroute method.\n" +
        `${e.cause.message}\n` +
        `hopwise: this method needs CAP_NET_RAW: run it as root, or grant the capability ` +
        `with setcap cap_net_raw+ep <hopwise binary>\n`,
    );
    return 1;
  }
  if (e instanceof SystemError) {
    out.stderr(`\n${e.message}\n`);
    return 1;
  }
  if (e instanceof ResolveError) {
    // The whois server of -A: "server/service: reason", as Linux traceroute.
    return fail(`${e.host}: ${e.reason}`);
  }
  if (e instanceof RangeError || e instanceof TypeError) {
    return fail(`hopwise: ${e.message}`);
  }
  if (e instanceof Deno.errors.BrokenPipe) return 141;
  throw e;
}
