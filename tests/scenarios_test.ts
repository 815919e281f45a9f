/**
 * Plays every scenario in tests/scenarios/ through the command line (main)
 * over the fake transport (in Linux traceroute's timing, unless a case asks
 * for hopwise's adaptive timing), and checks the exact output (RTTs are exact
 * on the virtual clock), the exit status, the virtual duration (which the -w,
 * -N and -z rules decide), what was sent, and that no socket is left open.
 *
 * A case played in Linux traceroute's timing is played again in the command
 * line's default timing (adaptive), which users get: the same output, exit
 * status, probes and sockets are expected (not the same duration: adaptive
 * timing waits by its own rule). A case whose output differs there, on
 * purpose, says why in `adaptiveDiffers`, and its second run checks that the
 * output does differ.
 */
import { assertEquals, assertOk, assertStringIncludes } from "./assert.ts";
import { familyOf } from "../src/packet/address.ts";
import { main } from "../src/cli/main.ts";
import { decodeICMPv4 } from "../src/packet/icmpv4.ts";
import { decodeICMPv6 } from "../src/packet/icmpv6.ts";
import type { TraceEvent } from "../src/core/model.ts";
import { FakeTransport, type HopBehaviour, type Scenario } from "./fake/transport.ts";
import { TableResolver } from "./fake/resolver.ts";

interface Case {
  name: string;
  argv: string[];
  /** `adaptive`: run with hopwise's own timing (the command line's default) alone. */
  timing?: "adaptive";
  /** Why the output differs in the default (adaptive) timing; absent: it is the same. */
  adaptiveDiffers?: string;
  /** Library options the command line cannot give (such as adaptive timing with a window). */
  options?: { simultaneous?: number };
  program?: string;
  hops?: HopBehaviour[];
  pingAllowed?: boolean;
  stdout: string;
  stderr?: string;
  stderrStartsWith?: string;
  status?: number;
  duration?: number;
  ports?: number[];
  sequences?: number[];
  moved?: number[][];
}

interface ScenarioFile {
  description: string;
  network: Scenario;
  hosts?: Record<string, string[]>;
  names?: Record<string, string>;
  cases: Case[];
}

const dir = new URL("./scenarios/", import.meta.url);
const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"))
  .map((e) => e.name).sort();

function networkFor(file: ScenarioFile, c: Case): Scenario {
  return {
    ...file.network,
    ...(c.hops ? { hops: c.hops } : {}),
    ...(c.pingAllowed !== undefined ? { pingAllowed: c.pingAllowed } : {}),
  };
}

/** What a case's run gave. */
interface Played {
  fake: FakeTransport;
  stdout: string;
  stderr: string;
  status: number;
  events: TraceEvent[];
}

/** Plays case `c` in Linux traceroute's timing, or in the command line's default timing. */
async function play(file: ScenarioFile, c: Case, timing: "classic" | "default"): Promise<Played> {
  const fake = new FakeTransport(networkFor(file, c));
  const resolver = new TableResolver(file.hosts ?? {}, file.names ?? {});
  let stdout = "";
  let stderr = "";
  const events: TraceEvent[] = [];
  const status = await main(c.argv, {
    onEvent: (e) => events.push(e),
    programName: c.program ?? "hopwise",
    output: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    resolver,
    traceOptions: {
      transport: fake,
      ...(timing === "classic" ? { timing: "classic" } : {}),
      ...c.options,
    },
  });
  return { fake, stdout, stderr, status, events };
}

/** Checks what a case expects of a run, but its duration. */
function assertPlayed(file: ScenarioFile, c: Case, run: Played): void {
  const { fake, stdout, stderr, status, events } = run;
  assertEquals(stdout, c.stdout);
  if (c.stderr !== undefined) assertEquals(stderr, c.stderr);
  if (c.stderrStartsWith !== undefined) {
    assertEquals(stderr.slice(0, c.stderrStartsWith.length), c.stderrStartsWith);
  }
  if (c.stderr === undefined && c.stderrStartsWith === undefined) assertEquals(stderr, "");
  assertEquals(status, c.status ?? 0);
  assertEquals(fake.openSockets(), 0, "sockets left open");
  if (c.ports) {
    const ports = [...new Set(fake.sent.map((s) => s.port))];
    assertEquals(ports, c.ports);
  }
  if (c.sequences) {
    const decode = file.network.family === 4 ? decodeICMPv4 : decodeICMPv6;
    assertEquals(fake.sent.map((s) => decode(s.data)!.sequence), c.sequences);
  }
  if (c.moved) {
    const moved = events.filter((e) => e.type === "probe" && e.probe.moved)
      .map((e) => e.type === "probe" ? [e.probe.ttl, e.probe.index] : []);
    assertEquals(moved, c.moved);
  }
}

for (const name of files) {
  const file: ScenarioFile = JSON.parse(Deno.readTextFileSync(new URL(name, dir)));
  const scenario = `scenario ${name.replace(".json", "")}`;
  for (const c of file.cases) {
    // Scenarios replay Linux traceroute's timing unless they say otherwise.
    const classic = c.timing !== "adaptive";
    Deno.test(`${scenario}: ${c.name}`, async () => {
      const run = await play(file, c, classic ? "classic" : "default");
      assertPlayed(file, c, run);
      if (c.duration !== undefined) {
        assertEquals(run.fake.now(), c.duration, "virtual duration (ms)");
      }
    });
    if (!classic) continue;
    // Then in the default timing, which users get.
    const differs = c.adaptiveDiffers === undefined ? "" : ` differs: ${c.adaptiveDiffers}`;
    Deno.test(`${scenario}: ${c.name} (default timing${differs})`, async () => {
      const run = await play(file, c, "default");
      if (c.adaptiveDiffers === undefined) return assertPlayed(file, c, run);
      assertOk(
        run.stdout !== c.stdout,
        `the output is the same in the default timing, yet the case says it differs: ${c.adaptiveDiffers}`,
      );
    });
  }
}

/** What is wrong with a network's hops (an address of its family or null, times non-negative). */
function hopProblems(network: Scenario, hops: readonly HopBehaviour[]): string[] {
  const problems: string[] = [];
  if (!Array.isArray(hops) || hops.length === 0) return ["no hops"];
  const isAddress = (a: unknown) =>
    a === null || (typeof a === "string" && familyOf(a) === network.family);
  const nonNegative = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
  hops.forEach((hop, i) => {
    const at = `hop ${i + 1}`;
    if (!isAddress(hop.address)) problems.push(`${at}: address ${JSON.stringify(hop.address)}`);
    if (hop.addresses !== undefined) {
      if (!Array.isArray(hop.addresses) || hop.addresses.length === 0) {
        problems.push(`${at}: addresses is not a non-empty list`);
      } else if (!hop.addresses.every(isAddress)) {
        problems.push(`${at}: a bad address in addresses`);
      }
    }
    if (hop.rtt !== undefined && !nonNegative(hop.rtt)) problems.push(`${at}: rtt ${hop.rtt}`);
    for (const [place, ms] of Object.entries(hop.delay ?? {})) {
      if (!nonNegative(ms) || !/^\d+$/.test(place)) problems.push(`${at}: delay ${place}: ${ms}`);
    }
    for (const place of hop.drop ?? []) {
      if (!Number.isInteger(place) || place < 0) problems.push(`${at}: drop ${place}`);
    }
    if (hop.replyTtl !== undefined && !(Number.isInteger(hop.replyTtl) && hop.replyTtl >= 1)) {
      problems.push(`${at}: replyTtl ${hop.replyTtl}`);
    }
  });
  return problems;
}

Deno.test("scenario files describe themselves", () => {
  const problems: string[] = [];
  for (const name of files) {
    const file: ScenarioFile = JSON.parse(Deno.readTextFileSync(new URL(name, dir)));
    const problem = (what: string) => problems.push(`${name}: ${what}`);
    if (typeof file.description !== "string" || file.description.trim() === "") {
      problem("no description");
    } else assertStringIncludes(file.description, " ");
    const { network } = file;
    if (network.family !== 4 && network.family !== 6) problem(`family ${network.family}`);
    for (const key of ["source", "target"] as const) {
      if (familyOf(network[key]) !== network.family) problem(`network ${key} ${network[key]}`);
    }
    if (!Array.isArray(file.cases) || file.cases.length === 0) problem("no cases");
    const names = new Set<string>();
    for (const c of file.cases ?? []) {
      const label = `case ${JSON.stringify(c.name)}`;
      if (typeof c.name !== "string" || c.name.trim() === "") problem("a case without a name");
      else if (names.has(c.name)) problem(`${label} twice`);
      names.add(c.name);
      if (!Array.isArray(c.argv) || c.argv.length === 0) problem(`${label}: no argv`);
      else if (!c.argv.every((a) => typeof a === "string")) problem(`${label}: argv not strings`);
      if (typeof c.stdout !== "string") problem(`${label}: no stdout expected`);
      // The network the case runs on: the file's, or its own hops.
      for (const p of hopProblems(network, networkFor(file, c).hops)) problem(`${label}: ${p}`);
      if (c.duration !== undefined && !(c.duration >= 0)) problem(`${label}: duration`);
      if (c.adaptiveDiffers !== undefined) {
        if (typeof c.adaptiveDiffers !== "string" || c.adaptiveDiffers.trim() === "") {
          problem(`${label}: adaptiveDiffers gives no reason`);
        } else if (c.timing === "adaptive") problem(`${label}: adaptiveDiffers in adaptive timing`);
      }
    }
  }
  assertEquals(problems, []);
});
