/**
 * Finds and loads the shim, once, on first use: `--help`, argument errors and
 * the pure tests never load it.
 *
 * Where it comes from, in order:
 * 1. `HOPWISE_SHIM`, a path, unless the process runs with privileges it was
 *    given by the file (setuid, or file capabilities as a non-root user): an
 *    environment variable must never choose code for a privileged program.
 * 2. The bytes a compiled binary carries (see scripts/compile.ts), written to
 *    an in-memory file (memfd) and loaded from /proc/self/fd, so no writable
 *    or executable temporary directory is needed.
 * 3. The build directory of a source checkout: `build/`, what `deno task
 *    build:shim` makes for this machine (and `deno task test` remakes first),
 *    then `build/<target>/`, the compile script's copy for a target (a stale
 *    one of those was loaded before a fresh `build/` one when it came first).
 *
 * @module
 */
import { ABI_VERSION, CORE_SYMBOLS, type Shim, symbols } from "./symbols.ts";

/** The environment variable that points at another copy of the shim. */
export const SHIM_ENV = "HOPWISE_SHIM";

let loaded: Shim | null = null;
let embedded: Uint8Array | null = null;

/** The shim's file name on this platform. */
export function shimFileName(): string {
  return Deno.build.os === "darwin" ? "libhopwise.dylib" : "libhopwise.so";
}

/** Gives the loader the shim's bytes (a compiled binary's entry does this). */
export function setEmbeddedShim(bytes: Uint8Array): void {
  embedded = bytes;
}

function readable(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * True when the process holds privileges a non-root user got from the
 * executable: real and effective user differ (setuid), or it has
 * capabilities while not root. Unknown counts as privileged.
 */
export function elevated(): boolean {
  if (Deno.build.os !== "linux") return false;
  if (!readable("/proc/self/status")) return true;
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    const caps = /^CapPrm:\s+([0-9a-f]+)/m.exec(status);
    if (!uids || !caps) return true;
    const [real, effective] = [Number(uids[1]), Number(uids[2])];
    if (real !== effective) return true;
    return real !== 0 && BigInt(`0x${caps[1]}`) !== 0n;
  } catch {
    return true;
  }
}

function envPath(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: SHIM_ENV }).state;
    if (state !== "granted") return undefined;
    const value = Deno.env.get(SHIM_ENV);
    return value && !elevated() ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The build-directory paths of a source checkout: `build/`, then `build/<target>/`. */
export function buildPaths(): string[] {
  const paths: string[] = [];
  for (const dir of ["../build/", `../build/${Deno.build.target}/`]) {
    const url = new URL(`${dir}${shimFileName()}`, import.meta.url);
    if (url.protocol === "file:") paths.push(decodeURIComponent(url.pathname));
  }
  return paths;
}

/** Every path the shim is looked for at, in order (the embedded copy comes after HOPWISE_SHIM). */
export function shimCandidates(): string[] {
  const fromEnv = envPath();
  return fromEnv ? [fromEnv, ...buildPaths()] : buildPaths();
}

/** An error for a shim that cannot be found or loaded. */
export class ShimLoadError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "ShimLoadError";
  }
}

/**
 * Puts `bytes` where dlopen can load them: a memfd on Linux (returned as a
 * /proc/self/fd path, with a closer to call once loaded), else a temporary
 * file (which needs write permission; HOPWISE_SHIM avoids it).
 */
function materialize(bytes: Uint8Array): { path: string; done(): void } {
  if (Deno.build.os === "linux") {
    const libc = Deno.dlopen("libc.so.6", {
      memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
      write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
      close: { parameters: ["i32"], result: "i32" },
    });
    const MFD_CLOEXEC = 1;
    const fd = libc.symbols.memfd_create(new TextEncoder().encode("hopwise-shim\0"), MFD_CLOEXEC);
    if (fd < 0) {
      libc.close();
      throw new ShimLoadError("memfd_create failed for the embedded shim");
    }
    for (let at = 0; at < bytes.length;) {
      const n = Number(libc.symbols.write(fd, bytes.subarray(at), BigInt(bytes.length - at)));
      if (n <= 0) {
        libc.symbols.close(fd);
        libc.close();
        throw new ShimLoadError("cannot write the embedded shim to memory");
      }
      at += n;
    }
    return {
      path: `/proc/self/fd/${fd}`,
      done() {
        libc.symbols.close(fd);
        libc.close();
      },
    };
  }
  const path = Deno.makeTempFileSync({ prefix: "hopwise-", suffix: `-${shimFileName()}` });
  Deno.writeFileSync(path, bytes, { mode: 0o700 });
  return { path, done: () => Deno.removeSync(path) };
}

/** The symbol table's entries whose names `wanted` accepts. */
function someSymbols(
  wanted: (name: keyof typeof symbols) => boolean,
): Deno.ForeignLibraryInterface {
  return Object.fromEntries(
    Object.entries(symbols).filter(([name]) => wanted(name as keyof typeof symbols)),
  );
}

/**
 * Opens the library at `path`. With `lazily`, the functions outside
 * CORE_SYMBOLS are bound on first use (the path must stay loadable: not for
 * the embedded copy, whose memfd is closed once loaded).
 */
function open(path: string, lazily: boolean): Shim {
  if (!lazily) return checked(Deno.dlopen(path, symbols).symbols);
  const core = Deno.dlopen(path, someSymbols((name) => CORE_SYMBOLS.has(name))).symbols;
  const out = checked({ ...core } as Shim);
  // Each of the others alone, when first called (a trace dropping privileges needs a few of
  // them, not all), then kept as a plain property.
  for (const name of Object.keys(symbols) as (keyof typeof symbols)[]) {
    if (CORE_SYMBOLS.has(name)) continue;
    Object.defineProperty(out, name, {
      enumerable: true,
      configurable: true,
      get() {
        const bound = Deno.dlopen(path, someSymbols((n) => n === name)).symbols[name];
        Object.defineProperty(out, name, { value: bound, enumerable: true });
        return bound;
      },
    });
  }
  return out;
}

/** `lib` when its ABI version is this code's. */
function checked(lib: Shim): Shim {
  const abi = lib.hw_abi_version();
  if (abi !== ABI_VERSION) {
    throw new ShimLoadError(`ABI version ${abi}, expected ${ABI_VERSION} (rebuild the shim)`);
  }
  return lib;
}

/**
 * Returns the shim's functions, loading the library on the first call.
 *
 * @throws {ShimLoadError} when no candidate loads, or the ABI differs
 */
export function shim(): Shim {
  if (loaded) return loaded;
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new ShimLoadError("hopwise's shim layouts assume a little-endian machine");
  }
  const failures: string[] = [];
  const tryPath = (path: string, label = path, lazily = true): boolean => {
    try {
      loaded = open(path, lazily);
      return true;
    } catch (e) {
      failures.push(`${label}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };
  const fromEnv = envPath();
  if (fromEnv && tryPath(fromEnv)) return loaded!;
  if (embedded) {
    try {
      const file = materialize(embedded);
      const ok = tryPath(file.path, "embedded shim", false);
      file.done();
      if (ok) return loaded!;
    } catch (e) {
      failures.push(`embedded shim: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  for (const path of buildPaths()) if (tryPath(path)) return loaded!;
  throw new ShimLoadError(
    `cannot load the hopwise shim (run "deno task build:shim" or set ${SHIM_ENV}): ` +
      failures.join("; "),
  );
}
