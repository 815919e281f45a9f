/**
 * Throw-away network labs for hopwise's integration tests, benchmark and demo.
 *
 * A {@linkcode Lab} builds topologies out of Linux network namespaces joined by
 * veth pairs. It needs root and iproute2, ethtool, util-linux (setpriv) and
 * iptables; {@linkcode labSupport} says whether they are there.
 *
 * Safety rules the lab keeps:
 *
 * - Packets are only ever sent from inside the lab's own namespaces.
 * - Only addresses from 198.18.0.0/15 and 2001:db8::/32 are accepted for
 *   interfaces, routes and hosts entries, and routes must lie inside those
 *   ranges, so no default route can be added and nothing else is routable.
 * - Namespace names are `<prefix>-<creator pid>-<random>-<node>`. A lab removes
 *   all of them (and their `/etc/netns/<ns>` directories) when destroyed, when
 *   the process exits or fails, and on SIGINT/SIGTERM (then exits with 130/143).
 *   {@linkcode Lab.create} first removes namespaces of its prefix whose creator
 *   process is dead, and never touches any other namespace.
 * - The kernel's ICMP rate limits are lifted on every node unless asked not to.
 *   On this kernel (6.18) `net.ipv4.icmp_ratelimit`, `net.ipv6.icmp.ratelimit`,
 *   `net.ipv4.icmp_msgs_per_sec` and `net.ipv4.icmp_msgs_burst` are all
 *   per network namespace (verified: writing them inside a namespace leaves
 *   the root namespace's values unchanged, and a new namespace starts from the
 *   kernel defaults 1000, 100, 1000 and 50). The one ICMP limiter that stays
 *   global is the one for route-type rejections (`ip route add unreachable` /
 *   `prohibit`, answered by the kernel's `ip_error`): it is governed by
 *   `net.ipv4.route.error_cost` / `error_burst`, which exist only in the root
 *   namespace (5 answers per source, then one per second). The lab therefore
 *   never relies on route-type rejections for IPv4; topologies use netfilter
 *   REJECT, which is limited only by the per-namespace settings above.
 *
 * The parts live in lab/netns/: the {@linkcode Lab} class (lab.ts), the
 * option types (types.ts), running commands (command.ts), the address checks
 * (addresses.ts), namespace removal and the stale sweep (namespaces.ts), exit
 * and signal handling (cleanup.ts), the node and link setup scripts
 * (setup_scripts.ts), stopping spawned processes (children.ts) and the
 * support check (support.ts); this module re-exports the public API.
 *
 * @example
 * ```ts ignore
 * await using lab = await Lab.create();
 * await lab.addNode("a");
 * await lab.addNode("b");
 * await lab.link("a", "b", { v4: ["198.18.1.1/24", "198.18.1.2/24"] });
 * const { stdout } = await lab.exec("a", ["ping", "-c1", "198.18.1.2"]);
 * ```
 *
 * @module
 */

export { Lab } from "./netns/lab.ts";
export type {
  ExecOptions,
  ExecResult,
  LabOptions,
  LinkOptions,
  LinkResult,
  NodeOptions,
  SpawnOptions,
} from "./netns/types.ts";
export { LabCommandError } from "./netns/command.ts";
export { isLabAddress } from "./netns/addresses.ts";
export { labSupport } from "./netns/support.ts";
