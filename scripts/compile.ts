/**
 * One binary per platform:
 *
 *   deno task compile                      every target it can build here
 *   deno task compile --target <triple>    one target
 *
 * For each target it builds the shim (natively, or with Debian's cross
 * compiler `<arch>-linux-gnu-gcc`), checks its architecture with `file`,
 * writes `build/<triple>/entry.ts` (the shim's bytes, base64, and a call to
 * the CLI), bundles it into one file (`build/<triple>/entry.js`: one module
 * starts faster than ninety), and runs `deno compile` on that into
 * `dist/hopwise-<triple>`, with the permissions hopwise needs and no more. `dist/SHA256SUMS` lists what was
 * built. The binary writes its shim to an in-memory file and loads it from
 * there: nothing beside the binary, no writable or executable /tmp needed.
 *
 * `deno compile` fetches its runtime (denort) for the target; with no
 * network, set DENORT_BIN to a denort binary of the target. macOS shims are
 * built on a Mac (see docs/performance.md) and picked up from build/<triple>/.
 *
 * @module
 */
import { CFLAGS, SOURCES } from "./build_shim.ts";
import { bundle } from "./bundle.ts";

/** A platform hopwise can be compiled for. */
export interface Target {
  /** Rust/Deno target triple. */
  triple: string;
  /** Operating system. */
  os: "linux" | "darwin";
  /** What `file` says of a shim built for it. */
  fileArch: RegExp;
  /** Compilers that build its shim here, in order of preference. */
  compilers: string[];
}

const hostLinux = Deno.build.os === "linux";

/** The targets: Linux on x86_64 and aarch64 (built here), macOS (shim built on a Mac). */
export const TARGETS: readonly Target[] = [
  {
    triple: "x86_64-unknown-linux-gnu",
    os: "linux",
    fileArch: /ELF 64-bit LSB shared object, x86-64/,
    compilers: [
      "x86_64-linux-gnu-gcc",
      ...(hostLinux && Deno.build.arch === "x86_64" ? ["cc"] : []),
    ],
  },
  {
    triple: "aarch64-unknown-linux-gnu",
    os: "linux",
    fileArch: /ELF 64-bit LSB shared object, ARM aarch64/,
    compilers: [
      "aarch64-linux-gnu-gcc",
      ...(hostLinux && Deno.build.arch === "aarch64" ? ["cc"] : []),
    ],
  },
  {
    triple: "x86_64-apple-darwin",
    os: "darwin",
    fileArch: /Mach-O 64-bit .*x86_64/,
    compilers: [],
  },
  {
    triple: "aarch64-apple-darwin",
    os: "darwin",
    fileArch: /Mach-O 64-bit .*arm64/,
    compilers: [],
  },
];

/**
 * Permissions compiled into the binary: FFI for the shim (loaded from
 * /proc/self/fd) and libc's memfd_create; the network for name lookups, -A
 * and the service; reading any file (the services and protocols databases,
 * the tcp sysctls, the program name and the privilege check, and what a
 * command line names wherever it is: `--targets`, `--config`, the service's
 * TLS and auth files, `--as-source` and `--geoip` databases) and writing any
 * (`--html`: a binary cannot be given a permission when it runs); the kernel
 * release (whether SO_BINDTODEVICE needs privilege); the variables hopwise
 * honours (SUDO_UID and SUDO_GID: whom to become when run as root;
 * HOPWISE_DEBUG: a stack trace with an internal error; RES_OPTIONS: the
 * resolver's options, read by its own reverse lookups). Reading and writing
 * any file give the binary nothing `--allow-ffi` has not: native code may
 * open any file anyway, so Deno's permissions are no wall around hopwise.
 * It runs no program and loads no other library.
 */
export function compilePermissions(_target: Target): string[] {
  return [
    "--allow-ffi",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-sys=osRelease",
    "--allow-env=HOPWISE_SHIM,HOPWISE_DEBUG,RA_SERVER,RA_SERVICE,NO_COLOR,SUDO_UID,SUDO_GID,RES_OPTIONS",
  ];
}

const root = new URL("../", import.meta.url);
const path = (relative: string) => decodeURIComponent(new URL(relative, root).pathname);

/** Where a target's shim is built. */
export function shimPath(target: Target): string {
  return path(`build/${target.triple}/libhopwise.${target.os === "darwin" ? "dylib" : "so"}`);
}

async function found(command: string): Promise<boolean> {
  try {
    const r = await new Deno.Command(command, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** `file -b` of a path. */
export async function describeFile(file: string): Promise<string> {
  const r = await new Deno.Command("file", { args: ["-b", file], stdout: "piped" }).output();
  return new TextDecoder().decode(r.stdout).trim();
}

/**
 * Builds (or, for macOS, finds) a target's shim and checks its
 * architecture. Returns its path, or why it was skipped.
 */
export async function buildTargetShim(
  target: Target,
): Promise<{ path: string; description: string } | { skipped: string }> {
  const out = shimPath(target);
  if (target.os === "darwin") {
    try {
      Deno.statSync(out);
    } catch {
      return {
        skipped: `build its shim on a Mac first (docs/performance.md: "One binary per platform")`,
      };
    }
  } else {
    const compiler = (await Promise.all(target.compilers.map(found))).findIndex((ok) => ok);
    if (compiler === -1) {
      return { skipped: `no compiler for it (install ${target.compilers[0]})` };
    }
    await Deno.mkdir(path(`build/${target.triple}`), { recursive: true });
    const cc = target.compilers[compiler]!;
    const r = await new Deno.Command(cc, {
      args: [...CFLAGS, "-o", out, ...SOURCES.map(path)],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!r.success) throw new Error(`${cc} failed building the shim for ${target.triple}`);
  }
  const description = await describeFile(out);
  if (!target.fileArch.test(description)) {
    throw new Error(`${out} is not a ${target.triple} library: ${description}`);
  }
  return { path: out, description };
}

/** Base64 of bytes. */
function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** The entry module of a compiled binary: it hands the shim's bytes to the loader and runs the CLI. */
export function entryModule(target: Target, shim: Uint8Array): string {
  return `// Generated by scripts/compile.ts for ${target.triple}; not under version control.
import { setEmbeddedShim } from "../../ffi/library.ts";
import { runCli } from "../../src/cli/run.ts";

const SHIM = "${base64(shim)}";
setEmbeddedShim(Uint8Array.from(atob(SHIM), (c) => c.charCodeAt(0)));
await runCli();
`;
}

/** Writes a target's entry module; returns its path. */
export async function writeEntry(target: Target): Promise<string> {
  const entry = path(`build/${target.triple}/entry.ts`);
  await Deno.writeTextFile(entry, entryModule(target, await Deno.readFile(shimPath(target))));
  return entry;
}

/** Bundles a target's entry module into one file beside it; returns its path. */
export function bundleEntry(entry: string): Promise<string> {
  return bundle(entry, entry.slice(0, entry.lastIndexOf("/")), { split: false });
}

/** The `deno compile` arguments for a target. */
export function compileArgs(target: Target, entry: string, output: string): string[] {
  return [
    "compile",
    "--frozen",
    "--target",
    target.triple,
    "--output",
    output,
    ...compilePermissions(target),
    entry,
  ];
}

async function sha256(file: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(file));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) {
  const only = Deno.args.indexOf("--target");
  const wanted = only === -1 ? null : Deno.args[only + 1];
  const targets = TARGETS.filter((t) => wanted === null || t.triple === wanted);
  if (targets.length === 0) {
    console.error(`unknown target ${wanted}; known: ${TARGETS.map((t) => t.triple).join(", ")}`);
    Deno.exit(2);
  }
  await Deno.mkdir(path("dist"), { recursive: true });
  const sums: string[] = [];
  let failed = false;
  for (const target of targets) {
    const shim = await buildTargetShim(target);
    if ("skipped" in shim) {
      console.log(`${target.triple}: skipped: ${shim.skipped}`);
      continue;
    }
    console.log(`${target.triple}: shim ${shim.path} (${shim.description.split(",")[1]?.trim()})`);
    const entry = await bundleEntry(await writeEntry(target));
    const output = path(`dist/hopwise-${target.triple}`);
    const r = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, entry, output),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) {
      const text = new TextDecoder().decode(r.stderr);
      if (/download|dl\.deno\.land|denort/i.test(text) && !Deno.env.get("DENORT_BIN")) {
        console.log(
          `${target.triple}: binary skipped: deno compile cannot fetch its runtime here (set DENORT_BIN)`,
        );
        continue;
      }
      console.error(`${target.triple}: deno compile failed:\n${text}`);
      failed = true;
      continue;
    }
    sums.push(`${await sha256(output)}  hopwise-${target.triple}`);
    console.log(`${target.triple}: ${output}`);
  }
  if (sums.length > 0) {
    await Deno.writeTextFile(path("dist/SHA256SUMS"), sums.join("\n") + "\n");
    console.log(`checksums: ${path("dist/SHA256SUMS")}`);
  }
  if (failed) Deno.exit(1);
}
