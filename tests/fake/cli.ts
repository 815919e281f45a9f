/**
 * The command line run in-process over the fake transport and resolver: a
 * one-hop trace to 198.18.9.9, with what it printed.
 *
 * @module
 */
import { main } from "../../src/cli/main.ts";
import { TableResolver } from "./resolver.ts";
import { FakeTransport } from "./transport.ts";

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

/** Runs `main(args)` as `programName` over a fake one-hop path to 198.18.9.9. */
export async function runCli(args: string[], programName = "hopwise"): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const fake = new FakeTransport({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [{ address: "198.18.9.9", rtt: 1 }],
  });
  const status = await main(args, {
    programName,
    output: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    resolver: new TableResolver(),
    traceOptions: { transport: fake },
  });
  return { status, stdout, stderr, fake };
}
