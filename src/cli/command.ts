/**
 * From argv to a command: the flags parsed as Linux traceroute parses them,
 * the host resolved once (here, with Linux traceroute's messages), gateway
 * names resolved, the options built and checked by the library before
 * anything is opened, and the mode chosen.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import { ClifError, parseClif } from "../core/command_line_parser.ts";
import { OptionError, ResolveError } from "../core/errors.ts";
import type { Resolver } from "../lookup/resolver.ts";
import { findMethod } from "../methods/mod.ts";
import { parseCInt, parseCUnsigned } from "../core/c_numbers.ts";
import { resolveOptions, type TraceOptions } from "../config/options.ts";
import { resolveTarget } from "../session/open.ts";
import { parseKeywords } from "../session/keywords.ts";
import { systemResolver } from "../session/kernel.ts";
import type { MethodName, Target, TraceEvent } from "../core/model.ts";
import { Exit, failureStatus, isBadInput, STATUS } from "./exit.ts";
import { buildOptions, initialState, methodHelp, type State } from "./flags.ts";
import { type CliOutput, netPermitted, whoisServer } from "./io.ts";
import { badInputMessage } from "./messages.ts";
import { helpText, shortUsage, VERSION } from "./usage.ts";

/** How main runs. */
export interface CliContext {
  /** The name it was called by (argv[0]); sets defaults like Linux traceroute's. */
  programName: string;
  /** Where output goes; the process's streams by default. */
  output?: CliOutput;
  /** Resolver; the system's by default. */
  resolver?: Resolver;
  /** Aborts the run (signals). */
  signal?: AbortSignal;
  /** Options passed straight to the library (tests use it to swap the transport). */
  traceOptions?: Partial<TraceOptions>;
  /** Sees every event of a single trace as it is printed. */
  onEvent?: (event: TraceEvent) => void;
}

/** The command line's settings a mode runs with. */
export interface ModeSettings {
  /** Output format. */
  output: "classic" | "json" | "ndjson" | "csv";
  /** `-n`: addresses only. */
  numeric: boolean;
  /** `--explain`: findings after the output. */
  explain: boolean;
  /** `--back`: hops back in the classic output. */
  back?: boolean;
  /** Where output goes. */
  out: CliOutput;
  /** Aborts the run (SIGINT, SIGTERM). */
  signal?: AbortSignal;
  /** Sees every event of a single trace as it is printed. */
  onEvent?: (event: TraceEvent) => void;
}

/** What the command line asks for. */
export interface Command {
  /** The mode. */
  mode: "trace" | "multipath" | "compare" | "continuous" | "many";
  /** The host as given ("" with --targets). */
  host: string;
  /** The host resolved (a placeholder with --targets, whose hosts come from the list). */
  target: Target;
  /** The options of every trace. */
  options: TraceOptions;
  /** The command line's settings. */
  settings: ModeSettings;
  /** The flags as typed. */
  state: State;
  /** `packet_len` as typed, -1 when not given. */
  packetLength: number;
}

/**
 * Parses `args`. Returns the command, or the exit status when there is
 * nothing to run (help, version, `-O help`, bad input: what it calls for is
 * printed).
 */
export async function parseCommand(
  args: readonly string[],
  context: CliContext,
  out: CliOutput,
): Promise<Command | number> {
  const name = context.programName.split("/").pop() ?? "hopwise";
  if (args.length === 0) {
    out.stderr(shortUsage(name));
    return STATUS.badInput;
  }
  const state = initialState(context.programName);
  const fail = (message: string): never => {
    out.stderr(message + "\n");
    throw new Exit(STATUS.badInput);
  };
  const resolver = context.resolver ?? systemResolver();

  // Like Linux traceroute, -s is resolved while options are read (with the
  // family known at that moment) and the host after all options.
  let source: string | null = null;
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
      throw new Exit(STATUS.ok);
    },
  );
  let parsed;
  try {
    parsed = await parseClif([context.programName, ...args], options, true);
  } catch (e) {
    if (e instanceof ClifError) fail(e.message);
    throw e;
  }
  if (parsed.exitedOn?.long === "help") {
    out.stdout(helpText(name));
    return STATUS.ok;
  }
  if (parsed.exitedOn?.short === "V") {
    out.stdout(`hopwise ${VERSION}\n`);
    return STATUS.ok;
  }
  const positionals = parsed.positionals;
  // With --targets the hosts come from the list; packet_len may follow the options alone.
  const many = state.targets !== null;
  if (!many && positionals.length === 0) fail(`Specify "host" missing argument.`);
  if (positionals.length > (many ? 1 : 2)) {
    const extra = positionals[many ? 1 : 2]!;
    fail(`Extra arg \`${extra.value}' (position ${many ? 2 : 3}, argc ${extra.argc})`);
  }
  const hostArg = many ? null : positionals[0]!;
  let target: Target | null = null;
  if (hostArg) {
    try {
      target = await resolveTarget(hostArg.value, state.family, resolver);
    } catch (e) {
      if (!(e instanceof ResolveError)) throw e;
      out.stderr(`${hostArg.value}: ${e.reason}\n`);
      return fail(
        `Cannot handle "host" cmdline arg \`${hostArg.value}' on position 1 (argc ${hostArg.argc})`,
      );
    }
  }
  const family: Family | 0 = state.family || target?.family || 0;
  let packetLength = -1;
  const lengthArg = positionals[many ? 0 : 1];
  if (lengthArg) {
    const n = parseCInt(lengthArg.value);
    if (n === null) {
      fail(
        `Cannot handle "packetlen" cmdline arg \`${lengthArg.value}' on position 2 (argc ${lengthArg.argc})`,
      );
    }
    packetLength = n!;
  }
  // -z: seconds, or milliseconds when 10 or more (Linux's rule).
  const sendWait = state.sendWait >= 10 ? state.sendWait / 1000 : state.sendWait;

  // -g, as init_ip_options reads it: IPv6 takes an optional leading type.
  let routingHeaderType: number | null = null;
  const gatewayWords = [...state.gateways];
  if (family === 6 && gatewayWords.length > 1) {
    const type = parseCUnsigned(gatewayWords[0]!);
    if (type !== null) {
      routingHeaderType = type & 0xff;
      gatewayWords.shift();
    }
  }

  const moduleName = state.module.toLowerCase();
  const traceOptions: TraceOptions = {
    ...(family ? { family } : {}),
    method: moduleName as MethodName,
    methodOptions: [...state.methodWords],
    firstHop: state.firstHop,
    maxHops: state.maxHops,
    queries: state.queries,
    // Linux traceroute's timing when any of its knobs is given; else hopwise's.
    ...(state.classic
      ? {
        timing: "classic" as const,
        simultaneous: Math.max(1, Math.min(state.simultaneous, 65535)),
        wait: { max: state.waitMax * 1000, here: state.here, near: state.near },
        sendWait: sendWait * 1000,
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
    ...(routingHeaderType !== null ? { routingHeaderType } : {}),
    flowLabel: state.flowLabel,
    ...(state.asLookups ? { asLookups: whoisServer() } : {}),
    resolveNames: !state.numeric,
    resolver,
    ...(source !== null ? { source } : {}),
    // An empty name binds to no interface (SO_BINDTODEVICE with ""), as in Linux traceroute.
    ...(state.device ? { interface: state.device } : {}),
    ...(packetLength >= 0 ? { packetLength } : {}),
    ...(state.paris ? { paris: true } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    // Root, setuid or file capabilities: none of it is needed once the
    // sockets are open, and none of it should parse forged replies.
    dropPrivileges: true,
    ...context.traceOptions,
  };
  const typed = { state, packetLength };
  const badInput = (e: unknown): never => {
    if (!isBadInput(e)) throw e;
    throw new Exit(failureStatus(e, out, (error) => badInputMessage(error, typed)));
  };
  // The library's checks, in Linux traceroute's order, before anything is opened.
  try {
    resolveOptions(traceOptions);
  } catch (e) {
    badInput(e);
  }
  // Gateway names, resolved as Linux traceroute resolves them.
  const gateways: string[] = [];
  for (const word of gatewayWords) {
    try {
      gateways.push((await resolver.lookupHost(word, family)).address);
    } catch (e) {
      if (!(e instanceof ResolveError)) throw e;
      out.stderr(`${word}: ${e.reason}\n`);
      return fail("");
    }
  }
  traceOptions.gateways = gateways;
  try {
    resolveOptions(traceOptions);
    await parseKeywords(findMethod(moduleName)!, state.methodWords);
  } catch (e) {
    badInput(e);
  }

  if (!state.numeric && !context.resolver && !netPermitted()) {
    out.stderr("hopwise: names are not looked up without --allow-net (grant it, or use -n)\n");
    traceOptions.resolveNames = false;
  }
  const modes = [state.compare !== null, state.flows !== null, state.mda].filter(Boolean).length;
  if (modes > 1) {
    badInput(new OptionError("mode", "--compare, --flows and --mda cannot be used together"));
  }
  if (state.continuous !== null && (state.compare !== null || state.mda)) {
    badInput(
      new OptionError("mode", `--${state.continuous} cannot be used with --compare or --mda`),
    );
  }
  if (state.continuous === null) {
    for (const [given, name] of [[state.cycles, "cycles"], [state.interval, "interval"]] as const) {
      if (given !== null) badInput(new OptionError(name, `--${name} needs --report or --watch`));
    }
    if (state.columns !== null) {
      badInput(new OptionError("columns", "--columns needs --report or --watch"));
    }
    if (state.output === "csv") {
      badInput(new OptionError("csv", "--csv is for --report and --watch"));
    }
  }
  if (many && (modes > 0 || state.continuous !== null || state.explain)) {
    badInput(
      new OptionError(
        "targets",
        "--targets traces each target once: not with --compare, --flows, --mda, --report, --watch or --explain",
      ),
    );
  }
  if (!many && (state.parallel !== null || state.rate !== null)) {
    badInput(new OptionError("targets", "--parallel and --rate go with --targets"));
  }
  return {
    mode: many
      ? "many"
      : state.continuous !== null
      ? "continuous"
      : state.compare !== null
      ? "compare"
      : state.flows !== null || state.mda
      ? "multipath"
      : "trace",
    host: hostArg?.value ?? "",
    target: target ?? { host: "", address: "", family: family || 4 },
    options: traceOptions,
    settings: {
      output: state.output,
      numeric: state.numeric,
      explain: state.explain,
      back: state.back,
      out,
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.onEvent ? { onEvent: context.onEvent } : {}),
    },
    state,
    packetLength,
  };
}
