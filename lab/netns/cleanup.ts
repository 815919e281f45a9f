/**
 * Cleanup on exit and on signals: while any lab is alive, SIGINT and SIGTERM
 * destroy every live lab and exit with 130 / 143, and process exit or an
 * uncaught error removes their namespaces synchronously.
 *
 * @module
 */

import { delay } from "./command.ts";

/** What the handlers need of a lab: its asynchronous teardown. */
export interface Destroyable {
  /** Tears the lab down. */
  destroy(): Promise<void>;
}

const liveLabs = new Map<Destroyable, () => void>();
let exiting = false;

function destroyAllSync(): void {
  for (const [lab, destroySync] of [...liveLabs]) {
    destroySync();
    unregister(lab);
  }
}

async function cleanUpAndExit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const timeout = delay(10_000);
  await Promise.race([
    Promise.allSettled([...liveLabs.keys()].map((lab) => lab.destroy())),
    timeout.promise,
  ]);
  timeout.cancel();
  Deno.exit(code); // runs the unload listener, which handles anything left
}

const onSigint = (): void => void cleanUpAndExit(130);
const onSigterm = (): void => void cleanUpAndExit(143);
const onExit = (): void => destroyAllSync();
/**
 * Uncaught errors clean up at once, except while a signal's cleanup runs:
 * then they are the lab operations it interrupted, and are swallowed so the
 * process still exits with 130/143.
 */
const onError = (event: Event): void => {
  if (exiting) event.preventDefault();
  else destroyAllSync();
};

/**
 * Tracks `lab` until {@linkcode unregister}: `destroySync` is what the exit
 * handlers run for it. The first live lab installs the handlers.
 */
export function register(lab: Destroyable, destroySync: () => void): void {
  if (liveLabs.size === 0) {
    try {
      Deno.addSignalListener("SIGINT", onSigint);
      Deno.addSignalListener("SIGTERM", onSigterm);
    } catch {
      // Signals unsupported here; exit listeners still clean up.
    }
    globalThis.addEventListener("unload", onExit);
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onError);
  }
  liveLabs.set(lab, destroySync);
}

/** Stops tracking `lab`; the last one removes the handlers (unless a signal's cleanup runs). */
export function unregister(lab: Destroyable): void {
  // While a signal's cleanup runs the listeners stay, until the process exits.
  if (!liveLabs.delete(lab) || liveLabs.size > 0 || exiting) return;
  try {
    Deno.removeSignalListener("SIGINT", onSigint);
    Deno.removeSignalListener("SIGTERM", onSigterm);
  } catch {
    // never added
  }
  globalThis.removeEventListener("unload", onExit);
  globalThis.removeEventListener("error", onError);
  globalThis.removeEventListener("unhandledrejection", onError);
}
