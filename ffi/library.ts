/**
 * Finds and loads the shim, once, on first use: `--help`, argument errors and
 * the pure tests never load it.
 *
 * @module
 */
import { ABI_VERSION, type Shim, symbols } from "./symbols.ts";

/** The environment variable that points at another copy of the shim. */
export const SHIM_ENV = "HOPWISE_SHIM";

let loaded: Shim | null = null;

/** The shim's file name on this platform. */
export function shimFileName(): string {
  return Deno.build.os === "darwin" ? "libhopwise.dylib" : "libhopwise.so";
}

function envPath(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: SHIM_ENV }).state;
    return state === "granted" ? Deno.env.get(SHIM_ENV) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the shim is looked for, in order. */
export function shimCandidates(): string[] {
  const candidates: string[] = [];
  const fromEnv = envPath();
  if (fromEnv) candidates.push(fromEnv);
  const built = new URL(`../build/${shimFileName()}`, import.meta.url);
  if (built.protocol === "file:") candidates.push(decodeURIComponent(built.pathname));
  return candidates;
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
  for (const path of shimCandidates()) {
    let lib: Deno.DynamicLibrary<typeof symbols>;
    try {
      lib = Deno.dlopen(path, symbols);
    } catch (e) {
      failures.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const abi = lib.symbols.hw_abi_version();
    if (abi !== ABI_VERSION) {
      lib.close();
      failures.push(`${path}: ABI version ${abi}, expected ${ABI_VERSION} (rebuild the shim)`);
      continue;
    }
    loaded = lib.symbols;
    return loaded;
  }
  throw new ShimLoadError(
    `Cannot load the hopwise shim (run "deno task build:shim" or set ${SHIM_ENV}): ` +
      failures.join("; "),
  );
}
