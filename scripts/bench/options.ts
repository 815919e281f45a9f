/**
 * The benchmark's command line: a pure function of its arguments, which
 * neither prints nor exits (main.ts does both).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The usage text, printed by `--help` and after an option error. */
export const USAGE: string =
  `Usage: deno task bench [--runs N] [--pause SECONDS] [--only A,B,...] [--soak] [--json[=FILE]]

  --runs N         runs of each command per topology (default 5)
  --pause SECONDS  pause between consecutive runs (default 0: back to back)
  --only LIST      topologies to run, from A,B,C,D,E,F,W,M,N,S (default all)
  --soak           run the service (S) for 10 minutes instead of 2
  --json           print every figure as JSON on stdout (the tables go to stderr)
  --json=FILE      write the JSON into FILE (the tables go to stdout)
  -h, --help       this text`;

/** Every topology, in the order they run by default. */
export const TOPOLOGY_KEYS = ["A", "B", "C", "D", "E", "F", "W", "M", "N", "S"] as const;

/** One topology's letter. */
export type TopologyKey = typeof TOPOLOGY_KEYS[number];

/** The options of one benchmark run. */
export interface BenchOptions {
  /** Runs of each command per topology. */
  runs: number;
  /** Pause between consecutive runs, in seconds. */
  pauseS: number;
  /** The topologies to run, in order, without duplicates. */
  only: TopologyKey[];
  /** Where the JSON goes: `"stdout"`, a file name, or null for none. */
  json: "stdout" | string | null;
  /** Part S: the service runs 10 minutes instead of 2. */
  soak: boolean;
}

/** What the arguments ask for: a run, the usage text, or an error message. */
export type ParsedArgs =
  | { kind: "run"; options: BenchOptions }
  | { kind: "help" }
  | { kind: "error"; message: string };

/** Parses the benchmark's arguments. */
export function parseOptions(args: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        runs: { type: "string" },
        pause: { type: "string" },
        only: { type: "string" },
        json: { type: "string" },
        soak: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    // --json without a value: parseArgs wants a string; accept it as "stdout".
    const withoutJson = args.filter((a) => a !== "--json");
    if (withoutJson.length !== args.length) {
      const rest = parseOptions(withoutJson);
      return rest.kind === "run"
        ? { kind: "run", options: { ...rest.options, json: "stdout" } }
        : rest;
    }
    return { kind: "error", message: (error as Error).message };
  }
  const values = parsed.values;
  if (values.help) return { kind: "help" };
  const runs = values.runs === undefined ? 5 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
    return { kind: "error", message: "--runs wants an integer 1..1000" };
  }
  const pauseS = values.pause === undefined ? 0 : Number(values.pause);
  if (!Number.isFinite(pauseS) || pauseS < 0 || pauseS > 600) {
    return { kind: "error", message: "--pause wants 0..600 seconds" };
  }
  let only: TopologyKey[] = [...TOPOLOGY_KEYS];
  if (values.only !== undefined) {
    only = [];
    for (const part of values.only.split(",")) {
      const key = part.trim().toUpperCase();
      if (!isTopologyKey(key)) {
        return {
          kind: "error",
          message: `--only: unknown topology ${JSON.stringify(part)} (use ${
            TOPOLOGY_KEYS.join(",")
          })`,
        };
      }
      if (!only.includes(key)) only.push(key);
    }
  }
  const json = values.json === undefined ? null : values.json === "" ? "stdout" : values.json;
  const soak = values.soak === true;
  return { kind: "run", options: { runs, pauseS, only, json, soak } };
}

function isTopologyKey(key: string): key is TopologyKey {
  return (TOPOLOGY_KEYS as readonly string[]).includes(key);
}
