/**
 * Whether labs can be built here: Linux, the permissions, root, the tools
 * and network namespaces.
 *
 * @module
 */

import { findTool } from "./command.ts";

const REQUIRED_TOOLS: ReadonlyArray<[tool: string, pkg: string]> = [
  ["sh", "a POSIX shell"],
  ["ip", "iproute2"],
  ["ethtool", "ethtool"],
  ["setpriv", "util-linux"],
  ["iptables", "iptables"],
  ["ip6tables", "iptables"],
  ["iptables-restore", "iptables"],
  ["ip6tables-restore", "iptables"],
];

/**
 * Whether labs can be built here: `null` when they can, otherwise a one-line
 * reason such as `"needs root"` or `"needs iproute2 (ip)"`.
 */
export function labSupport(): string | null {
  if (Deno.build.os !== "linux") return "needs Linux";
  const permissions: ReadonlyArray<[Deno.PermissionDescriptor, string]> = [
    [{ name: "run" }, "--allow-run"],
    [{ name: "read" }, "--allow-read"],
    [{ name: "write" }, "--allow-write"],
    [{ name: "env" }, "--allow-env"],
    [{ name: "sys" }, "--allow-sys"],
  ];
  for (const [descriptor, flag] of permissions) {
    if (Deno.permissions.querySync(descriptor).state !== "granted") return `needs ${flag}`;
  }
  if (Deno.uid() !== 0) return "needs root";
  for (const [tool, pkg] of REQUIRED_TOOLS) {
    if (!findTool(tool)) return `needs ${pkg} (${tool})`;
  }
  try {
    Deno.statSync("/proc/self/ns/net");
  } catch {
    return "needs network namespace support";
  }
  return null;
}
