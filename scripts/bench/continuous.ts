/**
 * Topology W: the continuous mode against mtr on the same lab.
 *
 * - cost: 100 cycles to a 16-hop chain (ICMP, 50 ms apart), hopwise
 *   `--report` and `mtr -r`, CPU time and peak RSS side by side;
 * - accuracy: a chain whose router 3 drops 10% of what it forwards, both
 *   ways, so hops 4 on lose 1 − 0.9² = 19%: Loss% at the destination over
 *   500 cycles from hopwise and from mtr, against that;
 * - memory: peak RSS of a 1,000-cycle and a 10,000-cycle run (10 ms apart),
 *   which must lie within 10% of each other.
 *
 * @module
 */
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { commandArgv, hopwise } from "./commands.ts";
import { median, onPath, present, progress, type Sample } from "./measure.ts";
import { megabytes, ratio, seconds, table } from "./format.ts";
import { LAB_PREFIX, type RunContext } from "./run.ts";

/** The rows of the cost comparison. */
export interface ContinuousCost {
  /** Command as run. */
  label: string;
  /** Median wall time, ms. */
  wallMs: number;
  /** Median CPU time, ms (null without GNU time). */
  cpuMs: number | null;
  /** Median peak RSS, KiB. */
  rssKb: number | null;
}

/** What topology W found. */
export interface ContinuousResult {
  /** hopwise and mtr, 100 cycles on 16 hops. */
  cost: ContinuousCost[];
  /** hopwise's CPU over mtr's, and its peak RSS over mtr's. */
  ratios: { cpu: number | null; rss: number | null };
  /** Loss% at the destination against the configured 19%. */
  accuracy: {
    expected: number;
    cycles: number;
    hopwise: number | null;
    mtr: number | null;
    /** The binomial standard error of one 500-probe estimate, in points. */
    standardError: number;
  };
  /** Peak RSS after 1,000 and after 10,000 cycles, KiB. */
  memory: { after1000: number | null; after10000: number | null; growth: number | null };
}

/** The loss at the destination of a `hopwise --report --json` document. */
function hopwiseDestinationLoss(stdout: string): number | null {
  try {
    const doc = JSON.parse(stdout);
    const hop = doc.hops.find((h: { ttl: number }) => h.ttl === doc.destination);
    return hop ? hop.lossPercent : null;
  } catch {
    return null;
  }
}

/** The loss at the last hub of an `mtr -j` document. */
function mtrDestinationLoss(stdout: string): number | null {
  try {
    const hubs: Array<{ "Loss%": number }> = JSON.parse(stdout).report.hubs;
    return hubs.at(-1)?.["Loss%"] ?? null;
  } catch {
    return null;
  }
}

function summary(label: string, samples: Sample[]): ContinuousCost {
  const cpu = present(samples.map((s) => s.cpuMs));
  const rss = present(samples.map((s) => s.rssKb));
  return {
    label,
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: cpu.length ? median(cpu) : null,
    rssKb: rss.length ? median(rss) : null,
  };
}

/** Runs topology W. */
export async function runContinuous(ctx: RunContext): Promise<ContinuousResult | null> {
  if (!onPath("mtr")) {
    ctx.say("W: skipped: needs mtr (Debian package mtr-tiny)");
    return null;
  }
  const { measurer, paths } = ctx;
  const run = (lab: Lab, node: string, argv: string[]) => measurer.run(lab, node, argv);
  const hw = (args: string[]) => commandArgv(hopwise(args, "dist/cli.js"), paths);

  ctx.say("W: building a 16-hop chain ...");
  const cost: ContinuousCost[] = [];
  {
    await using lab = await Lab.create({ prefix: LAB_PREFIX });
    const c = await chain(lab, { routers: 15 });
    const ours = ["--report", "-n", "-I", "--cycles", "100", "--interval", "0.05", c.target4];
    const theirs = ["mtr", "-r", "-n", "-c", "100", "-i", "0.05", c.target4];
    const samples: Sample[][] = [[], []];
    for (let round = 0; round < ctx.options.runs; round++) {
      samples[0]!.push(await run(lab, c.source, hw(ours)));
      samples[1]!.push(await run(lab, c.source, theirs));
      progress(`W: round ${round + 1}/${ctx.options.runs} done`);
    }
    progress("");
    cost.push(summary(`hopwise ${ours.slice(0, -1).join(" ")}`, samples[0]!));
    cost.push(summary(`${theirs.slice(0, -1).join(" ")}`, samples[1]!));
  }
  const [h, m] = cost;
  const ratios = {
    cpu: h?.cpuMs != null && m?.cpuMs ? h.cpuMs / m.cpuMs : null,
    rss: h?.rssKb != null && m?.rssKb ? h.rssKb / m.rssKb : null,
  };

  ctx.say("W: building a chain whose router 3 drops 10% of what it forwards ...");
  const cycles = 500;
  const expected = 100 * (1 - 0.9 * 0.9);
  let accuracy: ContinuousResult["accuracy"];
  {
    await using lab = await Lab.create({ prefix: LAB_PREFIX });
    const c = await chain(lab, { routers: 5, forwardLoss: [{ hop: 3, share: 0.1 }] });
    const ours = await run(
      lab,
      c.source,
      hw([
        "--report",
        "-n",
        "-I",
        "--json",
        "--cycles",
        String(cycles),
        "--interval",
        "0.01",
        c.target4,
      ]),
    );
    const theirs = await run(lab, c.source, [
      "mtr",
      "-j",
      "-n",
      "-c",
      String(cycles),
      "-i",
      "0.01",
      c.target4,
    ]);
    const p = expected / 100;
    accuracy = {
      expected,
      cycles,
      hopwise: hopwiseDestinationLoss(ours.stdout),
      mtr: mtrDestinationLoss(theirs.stdout),
      standardError: 100 * Math.sqrt((p * (1 - p)) / cycles),
    };
  }

  ctx.say("W: 1,000 and 10,000 cycles, 10 ms apart, for peak memory (about two minutes) ...");
  let memory: ContinuousResult["memory"];
  {
    await using lab = await Lab.create({ prefix: LAB_PREFIX });
    const c = await chain(lab, { routers: 2 });
    const long = (n: number) =>
      hw(["--report", "-n", "--cycles", String(n), "--interval", "0.01", c.target4]);
    const short = await run(lab, c.source, long(1000));
    const longer = await run(lab, c.source, long(10000));
    memory = {
      after1000: short.rssKb,
      after10000: longer.rssKb,
      growth: short.rssKb && longer.rssKb ? longer.rssKb / short.rssKb - 1 : null,
    };
  }
  return { cost, ratios, accuracy, memory };
}

/** The lines that show topology W's figures. */
export function continuousLines(w: ContinuousResult): string[] {
  const lines = ["", "W: continuous mode against mtr (hopwise from dist/cli.js)"];
  lines.push(
    ...table(
      ["command (100 cycles, 16 hops)", "wall median s", "CPU s", "peak RSS"],
      w.cost.map((c) => [c.label, seconds(c.wallMs), seconds(c.cpuMs), megabytes(c.rssKb)]),
    ).map((l) => `  ${l}`),
  );
  lines.push(
    `  hopwise / mtr: CPU ${ratio(w.ratios.cpu)}, peak RSS ${ratio(w.ratios.rss)}`,
    `  Loss% at the destination over ${w.accuracy.cycles} cycles, configured ${
      w.accuracy.expected.toFixed(1)
    }% (binomial standard error ${w.accuracy.standardError.toFixed(1)} points): hopwise ${
      w.accuracy.hopwise?.toFixed(1) ?? "-"
    }%, mtr ${w.accuracy.mtr?.toFixed(1) ?? "-"}%`,
    `  peak RSS after 1,000 cycles ${megabytes(w.memory.after1000)}, after 10,000 ${
      megabytes(w.memory.after10000)
    } (${w.memory.growth === null ? "-" : `${(100 * w.memory.growth).toFixed(1)}%`})`,
  );
  return lines;
}
