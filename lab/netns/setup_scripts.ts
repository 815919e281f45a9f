/**
 * What a lab node and a link end are set up with: the shell scripts run
 * inside a new namespace (sysctls, lo up) and on each end of a new veth pair
 * (addresses, offload off, wait until up), and the files of /etc/netns/<ns>.
 *
 * @module
 */

import type { NodeOptions } from "./types.ts";

/** resolv.conf of every node: a nameserver that is not there, so lookups fail fast. */
export const RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
const HOSTS_HEADER = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
/** High enough that the global ICMP token bucket never runs dry in a test. */
const ICMP_MSGS = 1_000_000;

/** The script that sets a new node's sysctls (see {@linkcode NodeOptions}) and brings lo up. */
export function nodeScript(options: NodeOptions): string {
  const settings: Array<[string, number]> = [
    // IPv6 addresses usable at once, on every interface created later too.
    ["net/ipv6/conf/all/accept_dad", 0],
    ["net/ipv6/conf/default/accept_dad", 0],
    ["net/ipv6/conf/all/dad_transmits", 0],
    ["net/ipv6/conf/default/dad_transmits", 0],
    // No router solicitations: keeps packet captures in the lab quiet.
    ["net/ipv6/conf/default/router_solicitations", 0],
  ];
  if (options.router) {
    settings.push(
      ["net/ipv4/ip_forward", 1],
      ["net/ipv6/conf/all/forwarding", 1],
      ["net/ipv6/conf/default/forwarding", 1],
    );
  }
  if (!options.keepIcmpRateLimit) {
    // All four are per network namespace on this kernel; see the module doc of lab/lab.ts.
    settings.push(
      ["net/ipv4/icmp_ratelimit", 0],
      ["net/ipv6/icmp/ratelimit", 0],
      ["net/ipv4/icmp_msgs_per_sec", ICMP_MSGS],
      ["net/ipv4/icmp_msgs_burst", ICMP_MSGS],
    );
  }
  return [
    ...settings.map(([key, value]) => `echo ${value} > /proc/sys/${key}`),
    "ip link set lo up",
  ].join("\n");
}

/** The script that gives `ifname` its addresses, turns offload off and waits until it is up. */
export function linkEndScript(ifname: string, addresses: readonly string[]): string {
  const ipCommands = [
    ...addresses.map((a) => `addr add ${a} dev ${ifname}${a.includes(":") ? " nodad" : ""}`),
    `link set ${ifname} up`,
  ];
  // Wait until the kernel has processed the carrier change: operstate up and
  // IPv6 configured (a link-local address exists), so the first probes that a
  // test sends are neither dropped nor delayed by neighbour discovery.
  return `ip -batch - <<'EOF'
${ipCommands.join("\n")}
EOF
ethtool -K ${ifname} tx off >/dev/null
n=0
while :; do
  read -r state < /sys/class/net/${ifname}/operstate
  if [ "$state" = up ] && grep -q '^fe80.* ${ifname}$' /proc/net/if_inet6; then break; fi
  n=$((n + 1))
  if [ $n -ge 2500 ]; then echo "${ifname} did not come up (operstate $state)" >&2; exit 1; fi
  sleep 0.002
done`;
}

/** A hosts file: the localhost lines, then one line per `[address, name]`. */
export function hostsText(lines: ReadonlyArray<readonly [string, string]>): string {
  return HOSTS_HEADER + lines.map(([address, name]) => `${address}\t${name}\n`).join("");
}
