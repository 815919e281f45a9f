/**
 * Removing lab namespaces (shared by destroy, the stale sweep and the exit
 * handlers), and finding stale ones: those of a prefix whose creator process
 * is dead.
 *
 * @module
 */

import { run, runOk, toolPath } from "./command.ts";

/** Where `ip netns` keeps its namespaces. */
export const NETNS_RUN_DIR = "/var/run/netns";
/** Where `ip netns exec` finds a namespace's hosts and resolv.conf. */
export const NETNS_ETC_DIR = "/etc/netns";

/**
 * Shell script: for each namespace argument, kill whatever still runs in it
 * (only ever lab namespaces are passed), delete it and its /etc/netns dir.
 */
const REMOVE_SCRIPT = `rc=0
for ns in "$@"; do
  if [ -e "${NETNS_RUN_DIR}/$ns" ]; then
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then kill -9 $pids 2>/dev/null || true; fi
    ip netns delete "$ns" || rc=1
  fi
  rm -rf "${NETNS_ETC_DIR}/$ns" || rc=1
done
exit $rc`;

/**
 * Removes namespaces `names` (killing what runs in them) and their
 * /etc/netns dirs. Throws on failure when `strict`.
 */
export async function removeNamespaces(names: readonly string[], strict = true): Promise<void> {
  if (names.length === 0) return;
  const args = ["-c", REMOVE_SCRIPT, "sh", ...names];
  if (strict) await runOk("sh", args, {}, "namespace removal");
  // A concurrent sweep in another process may remove the same names first.
  else await run("sh", args);
}

/** Like {@linkcode removeNamespaces}, synchronously and ignoring failures, for exit handlers. */
export function removeNamespacesSync(names: readonly string[]): void {
  if (names.length === 0) return;
  try {
    new Deno.Command("sh", {
      args: ["-c", REMOVE_SCRIPT, "sh", ...names],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      env: { PATH: toolPath() },
    }).outputSync();
  } catch {
    // Best effort at exit; the next Lab.create() sweeps what is left.
  }
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function listDir(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

/**
 * Names of namespaces (or leftover /etc/netns dirs) carrying `prefix` whose
 * creator process is no longer alive.
 */
export function staleNames(prefix: string): string[] {
  const pattern = new RegExp(`^${prefix}-(\\d+)-`);
  const names = new Set([...listDir(NETNS_RUN_DIR), ...listDir(NETNS_ETC_DIR)]);
  return [...names].filter((name) => {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    return Number.isInteger(pid) && pid !== Deno.pid && !pidAlive(pid);
  });
}
