/**
 * Builds the C shim into a shared library with warnings as errors.
 *
 *   deno task build:shim            build/libhopwise.so for this machine
 *   deno task build:shim --force    rebuild even when up to date
 *
 * The compiler is `cc` unless CC is set.
 *
 * @module
 */

const root = new URL("../", import.meta.url);
/** The shim's C sources: the system calls, dropping privileges, and the sending thread. */
export const SOURCES = ["native/hopwise.c", "native/privileges.c", "native/outbox.c"] as const;
const sources = SOURCES.map((file) => new URL(file, root));
const headers = [
  "native/hopwise.h",
  "native/privileges.h",
  "native/outbox.h",
  "native/send_one.h",
].map((file) => new URL(file, root));
const outDir = new URL("build/", root);
const fileName = Deno.build.os === "darwin" ? "libhopwise.dylib" : "libhopwise.so";
const output = new URL(fileName, outDir);

/** The flags every build uses. */
export const CFLAGS = [
  "-shared",
  "-fPIC",
  "-pthread",
  "-O2",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-std=c11",
];

function mtime(url: URL): number {
  try {
    return Deno.statSync(url).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

/** Builds the shim unless it is newer than its sources; returns its path. */
export async function buildShim(force = false): Promise<string> {
  const outPath = decodeURIComponent(output.pathname);
  const newest = Math.max(...[...sources, ...headers].map(mtime));
  if (!force && mtime(output) > newest) return outPath;
  Deno.mkdirSync(outDir, { recursive: true });
  const cc = Deno.env.get("CC") ?? "cc";
  const args = [...CFLAGS, "-o", outPath, ...sources.map((s) => decodeURIComponent(s.pathname))];
  const result = await new Deno.Command(cc, { args, stdout: "inherit", stderr: "inherit" })
    .output();
  if (!result.success) throw new Error(`${cc} failed building the shim`);
  return outPath;
}

if (import.meta.main) {
  try {
    const path = await buildShim(Deno.args.includes("--force"));
    console.log(`shim: ${path}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(1);
  }
}
