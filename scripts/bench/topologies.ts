/**
 * The benchmark's topologies, each a chain of lab namespaces
 * (lab/topologies.ts, delays from lab/delayer.ts), and the commands run on
 * each:
 *
 * - A: 16 hops (15 routers), 10 ms per link each way, every hop answers.
 * - B: 8 hops (7 routers), 10 ms per link, hop 4 silent.
 * - C: 8 hops, no delay.
 * - D: 8 hops, no delay, every node keeping the kernel's ICMP rate limits;
 *   `traceroute -N 1` gives the reference hop list.
 * - E: start-up: a bare `deno run` of a one-line script, `--help`, a one-hop
 *   trace from each entry, and the peak RSS of a 30-hop trace.
 * - F: D's chain, but each command runs its runs in a row, on its own, after
 *   a 7 s pause that lets every ICMP allowance fill up again: how each tool
 *   copes with the rate limits its own previous runs leave behind.
 *
 * A and B run hopwise from every entry (the bundle is judged); C, D and F
 * keep the commands of earlier versions of the benchmark (hopwise from
 * mod.ts; C adds the bundle), so D and F see the same ICMP allowances as
 * before.
 *
 * @module
 */
import type { Chain, ChainOptions } from "../../lab/topologies.ts";
import { BARE_DENO, type CommandSpec, hopwise, hopwiseEveryEntry, traceroute } from "./commands.ts";
import type { TopologyKey } from "./options.ts";

/** A trace topology: its chain and the commands that trace it. */
export interface TopologySpec {
  /** The topology's letter. */
  key: TopologyKey;
  /** What it is. */
  title: string;
  /** How the chain is built. */
  chain: ChainOptions;
  /** The commands, in the order they alternate. */
  commands: (c: Chain) => CommandSpec[];
  /** Label of the command whose hop list is the reference. */
  reference: (c: Chain) => string;
  /** Label of the traceroute command hopwise's time is compared with. */
  baseline: (c: Chain) => string;
  /** Topologies D and F: count phantom/missing/wrong against the reference for every command. */
  discrepancies?: boolean;
  /** `blocks`: all runs of a command in a row, a pause of BLOCK_PAUSE_MS before each block. */
  order?: "alternate" | "blocks";
  /**
   * Commands run again, after the timed runs, with a probe count for each run
   * (hopwise's `--json` statistics, traceroute's packets counted by netfilter):
   * the CPU-per-probe figure.
   */
  cpuPerProbe?: (c: Chain) => CommandSpec[];
}

/** Before each block of topology F: Linux refills an ICMP allowance of 6 at one a second. */
export const BLOCK_PAUSE_MS = 7000;

/** Topology D: routers with the kernel's ICMP rate limits (F runs it again, in blocks). */
const RATE_LIMITED: TopologySpec = {
  key: "D",
  title: "8 hops (7 routers), no delay, every node keeps the kernel's ICMP rate limits",
  chain: { routers: 7, keepIcmpRateLimit: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
  commands: (c) => [
    hopwise(["-n", c.target4]),
    traceroute(["-n", c.target4]),
    traceroute(["-n", "-N", "1", c.target4]),
  ],
  reference: (c) => `traceroute -n -N 1 ${c.target4}`,
  baseline: (c) => `traceroute -n ${c.target4}`,
  discrepancies: true,
};

/** The trace topologies, A to F without E. */
export const TRACE_TOPOLOGIES: readonly TopologySpec[] = [
  {
    key: "A",
    title: "16 hops (15 routers), 10 ms per link each way, every hop answers",
    chain: { routers: 15, delay: 10 },
    commands: (c) => [
      ...hopwiseEveryEntry(["-n", c.target4]),
      traceroute(["-n", c.target4]),
      traceroute(["-n", "-q", "1", "-N", "32", c.target4]),
    ],
    reference: (c) => `traceroute -n ${c.target4}`,
    baseline: (c) => `traceroute -n ${c.target4}`,
    cpuPerProbe: (c) => [
      hopwise(["--json", "-n", c.target4], "dist/cli.js"),
      hopwise(["--json", "-n", c.target4], "mod.ts"),
      traceroute(["-n", c.target4]),
    ],
  },
  {
    key: "B",
    title: "8 hops (7 routers), 10 ms per link each way, hop 4 silent",
    chain: { routers: 7, delay: 10, silent: [4] },
    commands: (c) => [...hopwiseEveryEntry(["-n", c.target4]), traceroute(["-n", c.target4])],
    reference: (c) => `traceroute -n ${c.target4}`,
    baseline: (c) => `traceroute -n ${c.target4}`,
  },
  {
    key: "C",
    title: "8 hops (7 routers), no delay",
    chain: { routers: 7 },
    commands: (c) => [
      hopwise(["-n", c.target4], "dist/cli.js"),
      hopwise(["-n", c.target4]),
      traceroute(["-n", c.target4]),
    ],
    reference: (c) => `traceroute -n ${c.target4}`,
    baseline: (c) => `traceroute -n ${c.target4}`,
  },
  RATE_LIMITED,
  {
    ...RATE_LIMITED,
    key: "F",
    title: "D's chain, each command's runs in a row on their own (7 s pause before each block)",
    order: "blocks",
  },
];

/** Topology E's title. */
export const STARTUP_TITLE: string = "start-up: a bare deno run, --help and a one-hop trace " +
  "(1-router chain, no delay); peak RSS of a 30-hop trace (destination drops everything)";

/** Topology E's chains. */
export const STARTUP_CHAIN: ChainOptions = { routers: 1 };
/** The chain of E's 30-hop trace: the destination drops everything. */
export const SILENT_CHAIN: ChainOptions = { routers: 1, destination: "drop-all" };

/** The arguments of E's one-hop trace. */
export function oneHopArgs(c: Chain): string[] {
  return ["-n", "-m", "1", c.target4];
}

/** Topology E's start-up commands, alternated: Deno alone, --help, the one-hop traces. */
export function startupCommands(c: Chain): CommandSpec[] {
  return [
    BARE_DENO,
    hopwise(["--help"]),
    ...hopwiseEveryEntry(oneHopArgs(c)),
    traceroute(oneHopArgs(c)),
  ];
}

/** Topology E's 30-hop traces, for their peak RSS. */
export function thirtyHopCommands(c: Chain): CommandSpec[] {
  const args = ["-n", "-m", "30", "-w", "0.2", "-q", "1", c.target4];
  return [hopwise(args), hopwise(args, "dist/cli.js")];
}
