/**
 * Runs hopwise and Linux traceroute side by side inside a lab namespace and
 * compares what they print.
 *
 * @module
 */
import { type Lab, labSupport } from "./lab.ts";

/**
 * Why a group of lab tests cannot run here (root, iproute2, ..., or what
 * `extra` finds missing), printed once; null when they can run.
 */
export function labSkipReason(
  group: string,
  extra: () => string | null = () => null,
): string | null {
  const reason = labSupport() ?? extra();
  if (reason) {
    // deno-lint-ignore no-console
    console.log(`${group} ignored: ${reason}`);
  }
  return reason;
}

/** One run of a command. */
export interface Run {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Wall time in ms. */
  ms: number;
}

const root = new URL("../", import.meta.url);

/** The path of mod.ts, the command-line entry when run as the main module. */
export const MOD_PATH: string = decodeURIComponent(new URL("mod.ts", root).pathname);

/** How to run hopwise from source: deno, its flags, mod.ts. */
export function hopwiseArgv(
  args: readonly string[],
  mod = MOD_PATH,
  deno = Deno.execPath(),
): string[] {
  return [deno, "run", "--quiet", "--no-lock", "--allow-all", mod, ...args];
}

/** Runs hopwise in a lab node. */
export async function runHopwise(
  lab: Lab,
  node: string,
  args: readonly string[],
  options: { user?: number; env?: Record<string, string>; mod?: string; deno?: string } = {},
): Promise<Run> {
  const started = performance.now();
  const argv = hopwiseArgv(args, options.mod, options.deno);
  const r = await lab.exec(node, argv, {
    ...(options.user !== undefined ? { user: options.user } : {}),
    env: { NO_COLOR: "1", ...options.env },
  });
  return { ...r, ms: performance.now() - started };
}

/** Runs Linux traceroute in a lab node. */
export async function runTraceroute(
  lab: Lab,
  node: string,
  args: readonly string[],
  options: { user?: number; env?: Record<string, string> } = {},
): Promise<Run> {
  const started = performance.now();
  const r = await lab.exec(node, ["traceroute", ...args], options);
  return { ...r, ms: performance.now() - started };
}

/** Output with every RTT value replaced, so two runs can be compared. */
export function withoutRtts(text: string): string {
  return text.replace(/ \d+\.\d{3} ms/g, " <rtt> ms");
}

/** A world-readable copy of Deno and hopwise, for runs as another user. */
export interface ReadableCopy {
  /** The directory holding everything; remove it when done. */
  dir: string;
  /** The copied Deno binary. */
  deno: string;
  /** The copied mod.ts. */
  mod: string;
  /** An empty DENO_DIR anyone may write. */
  cache: string;
  /** Environment for a run of the copy: DENO_DIR and HOME. */
  env: Record<string, string>;
}

/**
 * Copies the Deno binary and the parts of hopwise a run needs into a
 * directory any user can read: a checkout under /root is not readable by
 * uid 65534, and a copied binary can be given file capabilities or the
 * setuid bit without touching the real one.
 */
export async function readableCopy(): Promise<ReadableCopy> {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-copy-" });
  const deno = `${dir}/deno`;
  await Deno.copyFile(Deno.execPath(), deno);
  const repo = `${dir}/hopwise`;
  await Deno.mkdir(repo);
  for (const part of ["mod.ts", "deno.json", "src", "ffi", "build"]) {
    const from = decodeURIComponent(new URL(part, root).pathname);
    const r = await new Deno.Command("cp", { args: ["-R", from, `${repo}/`] }).output();
    if (!r.success) throw new Error(`copying ${part}: ${new TextDecoder().decode(r.stderr)}`);
  }
  const cache = `${dir}/cache`;
  await Deno.mkdir(cache);
  await copyNpmPackages(`${cache}/npm`);
  const chmod = await new Deno.Command("chmod", { args: ["-R", "a+rX", dir] }).output();
  if (!chmod.success) throw new Error("chmod of the copy failed");
  await Deno.chmod(cache, 0o777);
  return { dir, deno, mod: `${repo}/mod.ts`, cache, env: { DENO_DIR: cache, HOME: dir } };
}

/**
 * Copies the npm packages deno.json names from this Deno's cache into the npm
 * cache `to`, those that are there. Without them every run of the copy asks
 * the npm registry for them before it starts (a lab namespace reaches none:
 * about a second of attempts per run, then it goes on without them).
 */
async function copyNpmPackages(to: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    imports?: Record<string, string>;
  };
  const names = Object.values(config.imports ?? {}).flatMap((specifier) => {
    const name = /^npm:(@?[^@]+)@/.exec(specifier)?.[1];
    return name ? [name] : [];
  });
  if (names.length === 0) return;
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  if (!info.success) return;
  const from = `${JSON.parse(new TextDecoder().decode(info.stdout)).npmCache}/registry.npmjs.org`;
  for (const name of names) {
    const source = `${from}/${name}`;
    const target = `${to}/registry.npmjs.org/${name}`;
    try {
      await Deno.stat(source);
    } catch {
      continue;
    }
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    const r = await new Deno.Command("cp", { args: ["-R", source, target] }).output();
    if (!r.success) throw new Error(`copying ${name}: ${new TextDecoder().decode(r.stderr)}`);
  }
}

/** A check for labSkipReason: why `tool` cannot run here, or null. */
export function needs(tool: string, args: string[] = ["--version"]): () => string | null {
  return () => {
    try {
      new Deno.Command(tool, { args, stdout: "null", stderr: "null" }).outputSync();
      return null;
    } catch {
      return `needs ${tool}`;
    }
  };
}

/**
 * Runs Linux traceroute and hopwise with `args` in `node` and requires the
 * same standard output (RTT values aside) and exit status, and with
 * `stderr: true` the same standard error. Returns hopwise's output.
 */
export async function expectSame(
  lab: Lab,
  node: string,
  args: string[],
  options: { env?: Record<string, string>; stderr?: boolean } = {},
): Promise<string> {
  const env = options.env ?? {};
  let theirs = await runTraceroute(lab, node, args, { env });
  const ours = await runHopwise(lab, node, args, { env });
  const actual = withoutRtts(ours.stdout);
  // Linux traceroute itself now and then misses a reply (seen with -T and tcpconn on a busy
  // machine: "* *" where every other run answers). Run it again, at most twice, before calling
  // hopwise wrong; hopwise runs once and must equal one of traceroute's runs exactly.
  for (let retry = 0; retry < 2; retry++) {
    if (withoutRtts(theirs.stdout) === actual && ours.code === theirs.code) break;
    const again = await runTraceroute(lab, node, args, { env });
    if (withoutRtts(again.stdout) === actual && ours.code === again.code) {
      console.error(
        `note: traceroute ${args.join(" ")} differed on one run:\n${
          lineDiff(withoutRtts(theirs.stdout), actual)
        }\nand not on the next; hopwise matched that one`,
      );
    }
    theirs = again;
  }
  const expected = withoutRtts(theirs.stdout);
  if (actual !== expected || ours.code !== theirs.code) {
    throw new Error(
      `hopwise ${args.join(" ")} differs from traceroute (exit ${ours.code} / ${theirs.code}):\n` +
        `${lineDiff(expected, actual)}\nhopwise stderr: ${ours.stderr}`,
    );
  }
  if (options.stderr && ours.stderr !== theirs.stderr) {
    throw new Error(
      `hopwise ${args.join(" ")}: stderr ${JSON.stringify(ours.stderr)}, ` +
        `traceroute's ${JSON.stringify(theirs.stderr)}`,
    );
  }
  return ours.stdout;
}

/** A line-by-line difference, for failure messages. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) out.push(`  ${a[i]}`);
    else {
      if (a[i] !== undefined) out.push(`- ${a[i]}`);
      if (b[i] !== undefined) out.push(`+ ${b[i]}`);
    }
  }
  return out.join("\n");
}

/** A process started in a lab node: how to signal it, and what it printed once it exits. */
export interface StartedProcess {
  /** Sends it `signal`. */
  kill(signal: Deno.Signal): void;
  /** Its exit status and output, once it has exited. */
  done: Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts `argv` in `node`, its output collected. */
export function startIn(lab: Lab, node: string, argv: string[]): StartedProcess {
  const child = lab.spawn(node, argv, { stdout: "piped", stderr: "piped" });
  const decoder = new TextDecoder();
  return {
    kill: (signal: Deno.Signal) => child.kill(signal),
    done: child.output().then((o) => ({
      code: o.code,
      stdout: decoder.decode(o.stdout),
      stderr: decoder.decode(o.stderr),
    })),
  };
}
