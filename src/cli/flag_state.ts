/**
 * The command line's flags as parsed so far (the State the option table
 * fills), and the state before any flag: Linux traceroute's defaults and
 * the program name's.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import { DEFAULTS } from "../config/options.ts";
import { programDefaults } from "./progname.ts";

/** Command-line state while parsing. */
export interface State {
  family: Family | 0;
  module: string;
  methodWords: string[];
  firstHop: number;
  maxHops: number;
  queries: number;
  /** -q given (a continuous run's default is 1, a trace's 3). */
  queriesGiven: boolean;
  /** -w given. */
  waitGiven: boolean;
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
  output: "classic" | "json" | "ndjson" | "csv" | "dot";
  /** --html FILE: a self-contained HTML report written to FILE (null: off). */
  html: string | null;
  /** --targets FILE (`-`: standard input): many targets (null: off). */
  targets: string | null;
  /** --parallel N (null: the default). */
  parallel: number | null;
  /** --rate PPS (null: the default). */
  rate: number | null;
  /** --report or --watch: a continuous run (null: off). */
  continuous: "report" | "watch" | null;
  /** --cycles N (null: the default). */
  cycles: number | null;
  /** --interval SECONDS (null: the default). */
  interval: number | null;
  /** --columns LIST, as given (null: the default). */
  columns: string | null;
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
  /** --completions SHELL: print a completion script (null: off). */
  completions: "bash" | "zsh" | "fish" | null;
  /** --serve [ADDRESS:]PORT: the service, as given ("" to take the config's; null: off). */
  serve: string | null;
  /** --config FILE: the service's configuration (null: none). */
  config: string | null;
  /** --privacy N: the first N hops' addresses (and the source) hidden (0: none; null: not given). */
  privacy: number | null;
  /** --as-source SOURCE: whois, dns[:ZONE] or an ASN database's path (null: -A's whois). */
  asSource: string | null;
  /** --geoip FILE: a City or Country database (null: off). */
  geoip: string | null;
}

/** The state before any flag: Linux traceroute's defaults, and the program name's. */
export function initialState(programName: string): State {
  const defaults = programDefaults(programName);
  return {
    family: defaults.family,
    module: defaults.method,
    methodWords: [],
    firstHop: DEFAULTS.firstHop,
    maxHops: DEFAULTS.maxHops,
    queries: DEFAULTS.queries,
    queriesGiven: false,
    waitGiven: false,
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
    html: null,
    targets: null,
    parallel: null,
    rate: null,
    continuous: null,
    cycles: null,
    interval: null,
    columns: null,
    paris: false,
    flows: null,
    mda: false,
    confidence: 95,
    compare: null,
    explain: false,
    completions: null,
    serve: null,
    config: null,
    privacy: null,
    asSource: null,
    geoip: null,
  };
}
