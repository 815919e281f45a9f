/**
 * The command line run in-process over the fake transport and resolver: a
 * one-hop trace to 198.18.9.9, with what it printed.
 *
 * @module
 */
import { main } from "../../src/cli/main.ts";
import { TableResolver } from "./resolver.ts";
import { FakeTransport, type Scenario } from "./transport.ts";

/** What one in-process run of the command line gave. */
export interface CliRun {
  /** Exit status. */
  status: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** The transport it ran over (what was sent). */
  fake: FakeTransport;
}

/** A fake one-hop path to 198.18.9.9. */
export const ONE_HOP: Scenario = {
  family: 4,
  source: "198.18.0.2",
  target: "198.18.9.9",
  hops: [{ address: "198.18.9.9", rtt: 1 }],
};

/** Runs `main(args)` as `programName` over a fake path (one hop to 198.18.9.9 unless given). */
export async function runCli(
  args: string[],
  programName = "hopwise",
  scenario: Scenario = ONE_HOP,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const fake = new FakeTransport(scenario);
  const status = await main(args, {
    programName,
    output: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    resolver: new TableResolver(),
    traceOptions: { transport: fake },
  });
  return { status, stdout, stderr, fake };
}
