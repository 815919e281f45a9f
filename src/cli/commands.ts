/**
 * What the command line asks for: one typed command per mode, each with only
 * what its mode takes, and how main runs.
 *
 * @module
 */
import type { TraceOptions } from "../config/options.ts";
import type { RunConfig } from "../config/run_config.ts";
import type { Target, TraceEvent } from "../core/model.ts";
import type { Resolver } from "../lookup/resolver.ts";
import type { CliOutput } from "./io.ts";
import type { TypedValues } from "./messages.ts";

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
  output: "classic" | "json" | "ndjson" | "csv" | "dot";
  /** `--html FILE`: where the HTML report goes (absent: none). */
  html?: string;
  /** `-n`: addresses only. */
  numeric: boolean;
  /** `--explain`: findings after the output. */
  explain: boolean;
  /** `--back`: hops back in the classic output. */
  back?: boolean;
  /** `--privacy N`: the first N hops' responders and the source hidden in every output (0: none). */
  privacy?: number;
  /** Where output goes. */
  out: CliOutput;
  /** Aborts the run (SIGINT, SIGTERM). */
  signal?: AbortSignal;
  /** Sees every event of a single trace as it is printed. */
  onEvent?: (event: TraceEvent) => void;
}

/** What every command of one target holds. */
interface TargetCommand {
  /** The host as given. */
  host: string;
  /** The host resolved. */
  target: Target;
  /** The options of every trace, as the library takes them. */
  options: TraceOptions;
  /** The options resolved once (a single trace and a comparison's base). */
  config: RunConfig;
  /** The command line's settings. */
  settings: ModeSettings;
  /** The values as typed, for wording bad input as Linux traceroute does. */
  typed: TypedValues;
}

/** A single trace (`hopwise host`). */
export interface TraceCommand extends TargetCommand {
  /** The mode. */
  mode: "trace";
}

/** `--compare METHODS`. */
export interface CompareCommand extends TargetCommand {
  /** The mode. */
  mode: "compare";
  /** The methods to compare, as given. */
  methods: string;
}

/** `--flows N` or `--mda`. */
export interface MultipathCommand extends TargetCommand {
  /** The mode. */
  mode: "multipath";
  /** `--flows N` (null with `--mda`). */
  flows: number | null;
  /** `--mda`. */
  mda: boolean;
  /** `--confidence`, percent. */
  confidence: number;
}

/** `--report` or `--watch`. */
export interface ContinuousCommand extends TargetCommand {
  /** The mode. */
  mode: "continuous";
  /** A report at the end, or the live screen. */
  view: "report" | "watch";
  /** `--cycles N`, or null for the default. */
  cycles: number | null;
  /** `--interval SECONDS`, or null for the default. */
  intervalSeconds: number | null;
  /** `--columns LIST` as given, or null. */
  columns: string | null;
  /** `--flows N`, or null. */
  flows: number | null;
  /** `-q` given (a continuous run's default is 1, a trace's 3). */
  queriesGiven: boolean;
  /** `-w` given. */
  waitGiven: boolean;
  /** Linux traceroute's timing asked for (`-N`, `-w`, `-z`, `--classic`). */
  classic: boolean;
}

/** `--targets FILE`. */
export interface ManyCommand extends Omit<TargetCommand, "host" | "target"> {
  /** The mode. */
  mode: "many";
  /** The list's path (`-`: standard input). */
  targetsFile: string;
  /** `--parallel N`, or null for the default. */
  parallel: number | null;
  /** `--rate PPS`, or null for the default. */
  rate: number | null;
}

/** `--serve [ADDRESS:]PORT`. */
export interface ServeCommand extends Omit<TargetCommand, "host" | "target"> {
  /** The mode. */
  mode: "serve";
  /** `--serve`'s argument as given, or null to take the config file's `listen`. */
  listen: string | null;
  /** `--targets FILE`, or null. */
  targetsFile: string | null;
  /** `--config FILE`, or null. */
  configFile: string | null;
  /** `--interval SECONDS`, or null for the default (10 s). */
  intervalSeconds: number | null;
  /** `--rate PPS`, or null for the default. */
  rate: number | null;
  /** `-q` given (a watch's default is 1). */
  queriesGiven: boolean;
  /** `-w` given. */
  waitGiven: boolean;
}

/** What the command line asks for: one typed command per mode. */
export type Command =
  | TraceCommand
  | CompareCommand
  | MultipathCommand
  | ContinuousCommand
  | ManyCommand
  | ServeCommand;
