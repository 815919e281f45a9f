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
import { findMethod } from "../methods/mod.ts";
import { parseCInt, parseCUnsigned } from "../core/c_numbers.ts";
import type { TraceOptions } from "../config/options.ts";
import { resolveRunConfig, type RunConfig } from "../config/run_config.ts";
import { dropTarget, systemResolver } from "../session/kernel.ts";
import type { MethodName, Target } from "../core/model.ts";
import { Exit, failureStatus, isBadInput, STATUS } from "./exit.ts";
import { initialState } from "./flag_state.ts";
import { buildOptions } from "./flags.ts";
import { type CliOutput, netPermitted, whoisServer } from "./io.ts";
import { badInputMessage } from "./messages.ts";
import type { CliContext, Command, ModeSettings } from "./commands.ts";
import { helpText, methodHelp, shortUsage, VERSION } from "./usage.ts";

export type {
  CliContext,
  Command,
  CompareCommand,
  ContinuousCommand,
  ManyCommand,
  ModeSettings,
  MultipathCommand,
  ServeCommand,
  TraceCommand,
} from "./commands.ts";

/**
 * Parses `args` into the command to run. When there is nothing to run
 * (help, version, completions, `-O help`, bad input), it prints what that
 * calls for and throws an {@linkcode Exit} with the status.
 *
 * @throws {Exit} when there is nothing to run
 */
export async function parseCommand(
  args: readonly string[],
  context: CliContext,
  out: CliOutput,
): Promise<Command> {
  const name = context.programName.split("/").pop() ?? "hopwise";
  if (args.length === 0) {
    out.stderr(shortUsage(name));
    throw new Exit(STATUS.badInput);
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
    throw new Exit(STATUS.ok);
  }
  if (parsed.exitedOn?.short === "V") {
    out.stdout(`hopwise ${VERSION}\n`);
    throw new Exit(STATUS.ok);
  }
  if (state.completions !== null) {
    const { completionScript } = await import("./completions.ts");
    out.stdout(completionScript(state.completions, options, name));
    throw new Exit(STATUS.ok);
  }
  const positionals = parsed.positionals;
  // With --targets the hosts come from the list; packet_len may follow the options alone.
  // --serve and --targets take their hosts from files; packet_len may follow the options alone.
  const serve = state.serve !== null;
  const many = state.targets !== null && !serve;
  const listed = many || serve;
  if (!listed && positionals.length === 0) fail(`Specify "host" missing argument.`);
  if (positionals.length > (listed ? 1 : 2)) {
    const extra = positionals[listed ? 1 : 2]!;
    fail(`Extra arg \`${extra.value}' (position ${listed ? 2 : 3}, argc ${extra.argc})`);
  }
  const hostArg = listed ? null : positionals[0]!;
  let target: Target | null = null;
  if (hostArg) {
    try {
      const found = await resolver.lookupHost(hostArg.value, state.family);
      target = { host: hostArg.value, address: found.address, family: found.family };
    } catch (e) {
      if (!(e instanceof ResolveError)) throw e;
      out.stderr(`${hostArg.value}: ${e.reason}\n`);
      fail(
        `Cannot handle "host" cmdline arg \`${hostArg.value}' on position 1 (argc ${hostArg.argc})`,
      );
    }
  }
  const family: Family | 0 = state.family || target?.family || 0;
  let packetLength = -1;
  const lengthArg = positionals[listed ? 0 : 1];
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
    ...(state.asSource !== null ? { asSource: state.asSource } : {}),
    ...(state.geoip !== null ? { geoip: state.geoip } : {}),
    // --privacy N: nothing is asked about the hops it hides.
    ...(state.privacy !== null ? { privateHops: state.privacy } : {}),
    // A failing AS or place source says so once, and the run goes on.
    warn: (line: string) => out.stderr(`${line}\n`),
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
  if (!state.numeric && !context.resolver && !netPermitted()) {
    out.stderr("hopwise: names are not looked up without --allow-net (grant it, or use -n)\n");
    traceOptions.resolveNames = false;
  }
  const typed = { state, packetLength };
  const badInput = (e: unknown): never => {
    if (!isBadInput(e)) throw e;
    throw new Exit(failureStatus(e, out, (error) => badInputMessage(error, typed)));
  };
  // The options resolved once, checked in Linux traceroute's order before
  // anything is opened; gateway names are resolved (as Linux traceroute
  // resolves them) once every other option has been checked.
  let config: RunConfig;
  try {
    config = await resolveRunConfig({ ...traceOptions, gateways: gatewayWords }, {
      gateways: async (words) => {
        const addresses: string[] = [];
        for (const word of words) {
          try {
            addresses.push((await resolver.lookupHost(word, family)).address);
          } catch (e) {
            if (!(e instanceof ResolveError)) throw e;
            out.stderr(`${word}: ${e.reason}\n`);
            fail("");
          }
        }
        return addresses;
      },
    });
  } catch (e) {
    return badInput(e);
  }
  traceOptions.gateways = [...config.options.gateways];

  const modes = [state.compare !== null, state.flows !== null, state.mda].filter(Boolean).length;
  if (modes > 1) {
    badInput(new OptionError("mode", "--compare, --flows and --mda cannot be used together"));
  }
  if (state.continuous !== null && (state.compare !== null || state.mda)) {
    badInput(
      new OptionError("mode", `--${state.continuous} cannot be used with --compare or --mda`),
    );
  }
  if (serve && (modes > 0 || state.continuous !== null || state.explain || state.cycles !== null)) {
    badInput(
      new OptionError(
        "serve",
        "--serve watches every target until stopped: not with --compare, --flows, --mda, --report, --watch, --explain or --cycles",
      ),
    );
  }
  if (!serve && state.config !== null) {
    badInput(new OptionError("config", "--config goes with --serve"));
  }
  if (state.continuous === null) {
    for (const [given, name] of [[state.cycles, "cycles"], [state.interval, "interval"]] as const) {
      if (given !== null && !(serve && name === "interval")) {
        badInput(new OptionError(name, `--${name} needs --report or --watch`));
      }
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
  if (!many && (state.parallel !== null || (state.rate !== null && !serve))) {
    badInput(new OptionError("targets", "--parallel and --rate go with --targets"));
  }
  if (state.output === "dot" && (state.compare !== null || serve || state.explain)) {
    badInput(
      new OptionError("dot", "--dot draws the path: not with --compare, --serve or --explain"),
    );
  }
  if (state.html !== null) {
    const drawn = state.continuous === "report" || (state.continuous === null && modes > 0) || many;
    if (serve || !drawn || state.compare !== null) {
      badInput(new OptionError("html", "--html is for --report, --flows, --mda and --targets"));
    }
    const { htmlPathProblem } = await import("./html_file.ts");
    // A root process that drops its privileges writes the file as the user it becomes.
    const drops = traceOptions.dropPrivileges === true && !traceOptions.transport;
    const problem = htmlPathProblem(
      state.html,
      drops ? dropTarget() : null,
    );
    if (problem !== null) badInput(new OptionError("html", `--html: "${state.html}": ${problem}`));
  }
  const settings: ModeSettings = {
    output: state.output,
    ...(state.html !== null ? { html: state.html } : {}),
    numeric: state.numeric,
    explain: state.explain,
    back: state.back,
    ...(state.privacy !== null ? { privacy: state.privacy } : {}),
    out,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.onEvent ? { onEvent: context.onEvent } : {}),
  };
  if (serve) {
    return {
      mode: "serve",
      options: traceOptions,
      config,
      settings,
      typed,
      listen: state.serve === "" ? null : state.serve,
      targetsFile: state.targets,
      configFile: state.config,
      intervalSeconds: state.interval,
      rate: state.rate,
      queriesGiven: state.queriesGiven,
      waitGiven: state.waitGiven,
    };
  }
  if (many) {
    return {
      mode: "many",
      options: traceOptions,
      config,
      settings,
      typed,
      targetsFile: state.targets!,
      parallel: state.parallel,
      rate: state.rate,
    };
  }
  const one = {
    host: hostArg!.value,
    target: target!,
    options: traceOptions,
    config,
    settings,
    typed,
  };
  if (state.continuous !== null) {
    return {
      ...one,
      mode: "continuous",
      view: state.continuous,
      cycles: state.cycles,
      intervalSeconds: state.interval,
      columns: state.columns,
      flows: state.flows,
      queriesGiven: state.queriesGiven,
      waitGiven: state.waitGiven,
      classic: state.classic,
    };
  }
  if (state.compare !== null) return { ...one, mode: "compare", methods: state.compare };
  if (state.flows !== null || state.mda) {
    return {
      ...one,
      mode: "multipath",
      flows: state.flows,
      mda: state.mda,
      confidence: state.confidence,
    };
  }
  return { ...one, mode: "trace" };
}
