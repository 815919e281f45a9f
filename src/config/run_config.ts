/**
 * The run configuration: what a caller gave, resolved once into everything
 * a run needs (defaults applied and checked, the method found, its `-O`
 * keywords parsed, and the timing its probes really go with). Everything
 * below the modes takes a RunConfig and never resolves options again; the
 * `start` event is built from it.
 *
 * @module
 */
import type { Method } from "../core/method.ts";
import type { TraceSettings } from "../core/model.ts";
import { findMethod } from "../methods/mod.ts";
import { openDatabase } from "../lookup/mmdb.ts";
import { type ClifOption, parseClif } from "../core/command_line_parser.ts";
import type { ResolvedOptions, TraceOptions } from "./options.ts";
import { checkGateways, resolveOptions } from "./resolve_options.ts";

/** The timing a trace's probes go with. */
export type EffectiveTiming = Pick<TraceSettings, "timing" | "simultaneous" | "wait">;

/** Options resolved once, with what follows from them. */
export interface RunConfig {
  /** The options, defaults applied and checked. */
  readonly options: ResolvedOptions;
  /** The probe method. */
  readonly method: Method;
  /** `-O` keywords: name to value ("" for plain flags). */
  readonly keywords: ReadonlyMap<string, string>;
  /** `-O` keywords as given, abbreviations expanded. */
  readonly keywordWords: readonly string[];
  /**
   * The timing the probes go with: the options' own, unless the trace must go
   * one probe at a time (a fixed source port, a one-at-a-time method, `--mtu`),
   * which keeps Linux traceroute's rules in either timing.
   */
  readonly timing: EffectiveTiming;
}

/** The timing a trace with `options` and `method` runs with. */
function effectiveTiming(method: Method, options: ResolvedOptions): EffectiveTiming {
  const fixedWait = method.onePerTime || options.sourcePort !== 0;
  const oneAtATime = fixedWait || options.mtuDiscovery;
  return {
    timing: oneAtATime ? "classic" : options.timing,
    simultaneous: oneAtATime ? 1 : options.simultaneous,
    wait: fixedWait
      ? { ...options.wait, here: 0, near: 0 }
      : oneAtATime
      ? { ...options.wait, min: 0 }
      : { ...options.wait },
  };
}

/** What resolving may look up on the way. */
export interface ConfigLookups {
  /**
   * Turns `-g`'s words (names or addresses) into address literals, once
   * every other option has been checked (the command line's order); without
   * it, `gateways` must be address literals.
   */
  gateways?: (words: readonly string[]) => Promise<string[]>;
}

/**
 * Resolves `given` into a run configuration: the options' defaults and
 * checks (in Linux traceroute's order), then the method's `-O` keywords.
 *
 * @throws {OptionError | OptionTypeError} for an option out of range or of the wrong type
 * @throws {ClifError} for a `-O` keyword the method does not take
 * @throws {OptionError} for a database of `asSource` or `geoip` that cannot be read
 */
export async function resolveRunConfig(
  given: TraceOptions,
  lookups: ConfigLookups = {},
): Promise<RunConfig> {
  let options = resolveOptions(lookups.gateways ? { ...given, gateways: [] } : given);
  if (lookups.gateways) {
    const gateways = await lookups.gateways(given.gateways ?? []);
    if (options.family) checkGateways(gateways, options.family);
    options = { ...options, gateways };
  }
  const method = findMethod(options.method)!;
  const keywords = await parseKeywords(method, options.methodOptions);
  // The databases are read now (once a process): one that cannot be is bad input, before
  // anything is sent, in every mode.
  if (options.asSource?.kind === "mmdb") await openDatabase(options.asSource.path, "as");
  if (options.geoip !== null) await openDatabase(options.geoip, "geo");
  return configOf(options, keywords);
}

/** The configuration of resolved options and parsed keywords. */
function configOf(
  options: ResolvedOptions,
  keywords: { map: ReadonlyMap<string, string>; words: readonly string[] },
): RunConfig {
  const method = findMethod(options.method)!;
  return {
    options,
    method,
    keywords: keywords.map,
    keywordWords: keywords.words,
    timing: effectiveTiming(method, options),
  };
}

/**
 * The same configuration with at most `simultaneous` probes of a trace in
 * flight: what a run of many targets does when the descriptors the system
 * allows cannot hold its probes at once.
 */
export function withSimultaneous(config: RunConfig, simultaneous: number): RunConfig {
  return configOf(
    { ...config.options, simultaneous },
    { map: config.keywords, words: config.keywordWords },
  );
}

/** The keywords given, checked. */
export interface MethodKeywords {
  /** Name to value ("" for plain flags), in the order given. */
  map: Map<string, string>;
  /** The keywords as given, abbreviations expanded (`name` or `name=value`). */
  words: string[];
}

/**
 * Checks `-O` words against a method's table.
 *
 * @throws {ClifError} (a RangeError) with Linux traceroute's message for an
 * unknown keyword, a missing, unexpected or unacceptable value, or two
 * keywords of one exclusive group
 */
export async function parseKeywords(
  method: Method,
  words: readonly string[],
): Promise<MethodKeywords> {
  const map = new Map<string, string>();
  const expanded: string[] = [];
  if (method.keywords.length === 0 || words.length === 0) return { map, words: expanded };
  const options: ClifOption[] = method.keywords.map((k) => ({
    long: k.name,
    ...(k.value ? { arg: k.value } : {}),
    ...(k.exclusive ? { exclusive: true } : {}),
    ...(k.abbrev ? { abbrev: true } : {}),
    handle: (value: string | null) => {
      if (value !== null && k.accepts && !k.accepts(value)) return false;
      map.set(k.name, value ?? "");
      expanded.push(value === null ? k.name : `${k.name}=${value}`);
      return true;
    },
  }));
  await parseClif([method.name, ...words], options, false, { keyword: true });
  return { map, words: expanded };
}
