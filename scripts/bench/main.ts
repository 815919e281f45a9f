/**
 * Benchmarks hopwise against Linux traceroute on lab topologies (lab/), as
 * root:
 *
 *   deno task bench                       every topology, 5 runs of each command
 *   deno task bench --runs 9 --only A,D   9 runs each, topologies A and D only
 *   deno task bench --pause 1             1 s between consecutive runs
 *   deno task bench --json                the figures as JSON on stdout (tables on stderr)
 *   deno task bench --json=out.json       tables on stdout, JSON into out.json
 *   deno task bench --only S --soak       the service under load for 10 minutes (2 by default)
 *   deno task bench --only N              what reverse names cost a run of many targets
 *
 * hopwise runs three ways: from source via mod.ts, from source via cli.ts,
 * and from the bundle dist/cli.js (built first); see topologies.ts for what
 * runs where. Every command runs in the source's namespace under GNU time
 * (`/usr/bin/time`) for CPU time and peak RSS; wall time is taken around the
 * whole command. The commands of a topology run alternately, back to back
 * (or with `--pause`), as a user would run them. At the end each target
 * (targets.ts) is printed as PASS or FAIL with the measured figure.
 *
 * Exit status: 0 when no target failed, 1 when one did or the lab cannot be
 * built here, 2 for a bad option.
 *
 * Nothing leaves the machine: the lab uses 198.18.0.0/15 inside namespaces of
 * its own, removed on exit, on failure and on Ctrl-C.
 *
 * @module
 */
import { Lab, labSupport } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { delayReason } from "../../lab/delayer.ts";
import { buildShim } from "../build_shim.ts";
import { bundle } from "../bundle.ts";
import { BARE_DENO, commandArgv, hopwise, writeBareScript } from "./commands.ts";
import { Measurer, onPath, TIME, TIME_FORMAT } from "./measure.ts";
import { type BenchOptions, parseOptions, type TopologyKey, USAGE } from "./options.ts";
import { cpuPerProbeLines, startupLines, targetLines, topologyLines } from "./report.ts";
import type { CpuPerProbeResult, StartupResult, TopologyResult } from "./results.ts";
import { LAB_PREFIX, type RunContext, runStartup, runTopology } from "./run.ts";
import { checkTargets } from "./targets.ts";
import { TRACE_TOPOLOGIES } from "./topologies.ts";
import { continuousLines, type ContinuousResult, runContinuous } from "./continuous.ts";
import { runMany } from "./many.ts";
import type { ManyResult } from "./many_result.ts";
import { manyLines } from "./many_report.ts";
import { runServe, type ServeResult } from "./serve.ts";
import { serveLines } from "./serve_report.ts";
import { namesLines, type NamesResult, runManyNames } from "./many_names.ts";

function cpuModel(): string {
  try {
    const text = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function tracerouteVersion(): Promise<string> {
  try {
    const r = await new Deno.Command("traceroute", { args: ["-V"] }).output();
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    return text.split("\n")[0]?.trim() || "unknown";
  } catch {
    return "missing";
  }
}

/** Why the benchmark cannot run here, or null. */
function unsupported(options: BenchOptions): string | null {
  return labSupport() ??
    (options.only.some((k) => k === "A" || k === "B") ? delayReason() : null) ??
    (onPath("traceroute") ? null : "needs Linux traceroute (traceroute)");
}

/** Runs the benchmark with `options`; resolves to the exit status. */
export async function bench(options: BenchOptions): Promise<number> {
  const reason = unsupported(options);
  if (reason) {
    console.error(`bench: the bench builds network namespaces: it ${reason}`);
    return 1;
  }
  /** Human-readable output: stderr when the JSON goes to stdout. */
  const say = (text = ""): void => {
    if (options.json === "stdout") console.error(text);
    else console.log(text);
  };
  const sayAll = (lines: readonly string[]) => lines.forEach((line) => say(line));
  await buildShim();
  const bundled = await bundle();

  using measurer = await Measurer.create();
  const paths = await writeBareScript(measurer.dir);
  const ctx: RunContext = { options, measurer, paths, say };
  const machine = {
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    traceroute: await tracerouteVersion(),
  };
  say("hopwise bench");
  say(
    `machine: ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}, ` +
      `Deno ${machine.deno}, ${machine.traceroute}`,
  );
  say(
    `runs: ${options.runs} of each command per topology, alternated back to back; ` +
      `pause between runs: ${options.pauseS} s`,
  );
  const shown = (entry: "mod.ts" | "cli.ts" | "dist/cli.js") =>
    commandArgv(hopwise(["..."], entry), paths).join(" ");
  say(`hopwise from source: ${shown("mod.ts")}`);
  say(`  (label hopwise(cli.ts)) ${shown("cli.ts")}`);
  say(`  (label hopwise(dist/cli.js), the bundle, just built) ${shown("dist/cli.js")}`);
  say(`Deno alone: ${commandArgv(BARE_DENO, paths).join(" ")} (the script: console.log(1))`);
  say(
    measurer.haveTime
      ? `every command under ${TIME} -f '${TIME_FORMAT}' (CPU = user + sys, peak RSS)`
      : `no ${TIME} (Debian package time): CPU and RSS not measured`,
  );

  // Warm-up: fills Deno's module cache so no measured run compiles anything.
  let overhead = 0;
  {
    await using lab = await Lab.create({ prefix: LAB_PREFIX });
    const c = await chain(lab, { routers: 0 });
    for (const entry of ["mod.ts", "cli.ts", "dist/cli.js"] as const) {
      for (const args of [["-n", "-m", "1", c.target4], ["--json", "-n", "-m", "1", c.target4]]) {
        await measurer.run(lab, c.source, commandArgv(hopwise(args, entry), paths));
      }
    }
    await measurer.run(lab, c.source, commandArgv(BARE_DENO, paths));
    overhead = await measurer.overhead(lab, c.source);
  }
  say(
    `wall times include ${overhead.toFixed(1)} ms of harness overhead ` +
      `(ip netns exec${measurer.haveTime ? " + time" : ""}, median of 5 runs of true); ` +
      "untimed warm-up runs of every entry and of Deno alone came first",
  );

  const topologies = new Map<TopologyKey, TopologyResult>();
  const cpuPerProbe: CpuPerProbeResult[] = [];
  let startup: StartupResult | null = null;
  let continuous: ContinuousResult | null = null;
  let many: ManyResult | null = null;
  let serve: ServeResult | null = null;
  let names: NamesResult | null = null;
  for (const key of options.only) {
    const spec = TRACE_TOPOLOGIES.find((t) => t.key === key);
    if (spec) {
      const result = await runTopology(ctx, spec);
      topologies.set(key, result.topology);
      sayAll(topologyLines(result.topology, options.runs));
      if (result.cpuPerProbe) {
        cpuPerProbe.push(result.cpuPerProbe);
        sayAll(cpuPerProbeLines(result.cpuPerProbe, spec.title));
      }
    } else if (key === "E") {
      startup = await runStartup(ctx);
      sayAll(startupLines(startup));
    } else if (key === "W") {
      continuous = await runContinuous(ctx);
      if (continuous) sayAll(continuousLines(continuous));
    } else if (key === "M") {
      many = await runMany(ctx);
      if (many) sayAll(manyLines(many));
    } else if (key === "N") {
      names = await runManyNames(ctx);
      sayAll(namesLines(names));
    } else if (key === "S") {
      serve = await runServe(ctx);
      if (serve) sayAll(serveLines(serve));
    }
  }

  const targets = checkTargets(topologies, startup, continuous, many, serve, names);
  sayAll(targetLines(targets));

  if (options.json !== null) {
    const document = {
      machine,
      options: {
        runs: options.runs,
        pauseS: options.pauseS,
        only: options.only,
        soak: options.soak,
      },
      harnessOverheadMs: overhead,
      bundle: bundled,
      topologies: Object.fromEntries(topologies),
      startup,
      continuous,
      many,
      manyNames: names,
      serve,
      cpuPerProbe: Object.fromEntries(cpuPerProbe.map((p) => [p.key, p])),
      targets,
    };
    const text = JSON.stringify(document, null, 2) + "\n";
    if (options.json === "stdout") await Deno.stdout.write(new TextEncoder().encode(text));
    else {
      await Deno.writeTextFile(options.json, text);
      say(`figures written to ${options.json}`);
    }
  }
  return targets.some((t) => t.status === "FAIL") ? 1 : 0;
}

if (import.meta.main) {
  const parsed = parseOptions(Deno.args);
  if (parsed.kind === "help") {
    console.log(USAGE);
  } else if (parsed.kind === "error") {
    console.error(`bench: ${parsed.message}\n${USAGE}`);
    Deno.exit(2);
  } else {
    Deno.exit(await bench(parsed.options));
  }
}
