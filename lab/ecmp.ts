/**
 * An equal-cost multipath topology for the flow-stable probing and multipath
 * discovery tests: two diamonds, hashed per flow on the ports (the kernel's
 * `fib_multipath_hash_policy=1`, for IPv4 and IPv6).
 *
 * ```text
 *              r2a                r4a
 *  src -- r1 <     > r3 -- r3 <  r4b  > dst (target on lo)
 *              r2b                r4c
 * ```
 *
 * Hop 1 is r1, hop 2 r2a or r2b, hop 3 r3, hop 4 r4a, r4b or r4c, hop 5 the
 * destination. Link n (third octet of 198.18.n.0/24, and 2001:db8:<n in
 * hex>::/64) puts `.1` / `::1` on the side nearer the source. Everything on
 * the source's side lies in 198.18.0.0/20 (2001:db8::/44), everything past r1
 * in 198.18.32.0/19 (2001:db8:20::/43). Replies come back over r2a and r4a.
 * Routers send ICMP errors from the address of the interface toward the
 * source for IPv4, and from the one the probe came in on for IPv6, so r3
 * shows one IPv4 address but two IPv6 ones.
 *
 * @module
 */
import type { Lab } from "./lab.ts";

/** What {@linkcode ecmp} built. */
export interface Ecmp {
  /** The source node's name. */
  source: string;
  /** The target's IPv4 address. */
  target4: string;
  /** The target's IPv6 address. */
  target6: string;
  /**
   * Per hop (index 0 = hop 1), the IPv4 addresses that can answer there:
   * one at hops 1 and 3, two at hop 2, three at hop 4, the target at hop 5.
   */
  hops4: string[][];
  /** Like `hops4`, for IPv6. */
  hops6: string[][];
  /** The source's interface (to turn checksum offload back on in a test). */
  sourceInterface: string;
}

function v4(link: number, side: 1 | 2): string {
  return `198.18.${link}.${side}`;
}

function v6(link: number, side: 1 | 2): string {
  return `2001:db8:${link.toString(16)}::${side}`;
}

/** Builds the two-diamond ECMP topology in `lab`. */
export async function ecmp(lab: Lab): Promise<Ecmp> {
  const routers = ["r1", "r2a", "r2b", "r3", "r4a", "r4b", "r4c"];
  await Promise.all([
    lab.addNode("src"),
    lab.addNode("dst"),
    ...routers.map((r) => lab.addNode(r, { router: true })),
  ]);
  // [link, near node, far node]
  const links: Array<[number, string, string]> = [
    [1, "src", "r1"],
    [2, "r1", "r2a"],
    [3, "r1", "r2b"],
    [4, "r2a", "r3"],
    [5, "r2b", "r3"],
    [33, "r3", "r4a"],
    [34, "r3", "r4b"],
    [35, "r3", "r4c"],
    [36, "r4a", "dst"],
    [37, "r4b", "dst"],
    [38, "r4c", "dst"],
  ];
  let sourceInterface = "";
  for (const [n, a, b] of links) {
    const { ifA } = await lab.link(a, b, {
      v4: [`${v4(n, 1)}/24`, `${v4(n, 2)}/24`],
      v6: [`${v6(n, 1)}/64`, `${v6(n, 2)}/64`],
    });
    if (a === "src") sourceInterface = ifA;
  }
  const target4 = "198.18.40.1";
  const target6 = "2001:db8:28::1";
  const up4 = "198.18.0.0/20";
  const up6 = "2001:db8::/44";
  const down4 = "198.18.32.0/19";
  const down6 = "2001:db8:20::/43";
  const multipath = (node: string, nexthops: Array<[number, 1 | 2]>) =>
    lab.sh(
      node,
      [
        "sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1",
        `ip route replace ${down4} ${
          nexthops.map(([n, s]) => `nexthop via ${v4(n, s)}`).join(" ")
        }`,
        `ip -6 route replace ${down6} ${
          nexthops.map(([n, s]) => `nexthop via ${v6(n, s)}`).join(" ")
        }`,
      ].join("\n"),
    );
  await Promise.all([
    lab.routes("src", [[up4.replace("/20", "/15"), v4(1, 2)], ["2001:db8::/32", v6(1, 2)]]),
    multipath("r1", [[2, 2], [3, 2]]),
    lab.routes("r2a", [[up4, v4(2, 1)], [up6, v6(2, 1)], [down4, v4(4, 2)], [down6, v6(4, 2)]]),
    lab.routes("r2b", [[up4, v4(3, 1)], [up6, v6(3, 1)], [down4, v4(5, 2)], [down6, v6(5, 2)]]),
    lab.routes("r3", [[up4, v4(4, 1)], [up6, v6(4, 1)]]).then(() =>
      multipath("r3", [[33, 2], [34, 2], [35, 2]])
    ),
    ...(["r4a", "r4b", "r4c"] as const).flatMap((r, i) => [
      lab.routes(r, [
        [up4, v4(33 + i, 1)],
        [up6, v6(33 + i, 1)],
        [down4, v4(36 + i, 2)],
        [down6, v6(36 + i, 2)],
      ]),
    ]),
    lab.routes("dst", [[up4, v4(36, 1)], [up6, v6(36, 1)]]).then(() =>
      lab.sh("dst", `ip addr add ${target4}/32 dev lo\nip -6 addr add ${target6}/128 dev lo nodad`)
    ),
  ]);
  return {
    source: "src",
    target4,
    target6,
    hops4: [[v4(1, 2)], [v4(2, 2), v4(3, 2)], [v4(4, 2)], [v4(33, 2), v4(34, 2), v4(35, 2)], [
      target4,
    ]],
    // ICMPv6 errors leave from the address the probe came in on: r3 answers
    // from whichever side the flow arrived.
    hops6: [[v6(1, 2)], [v6(2, 2), v6(3, 2)], [v6(4, 2), v6(5, 2)], [
      v6(33, 2),
      v6(34, 2),
      v6(35, 2),
    ], [
      target6,
    ]],
    sourceInterface,
  };
}
