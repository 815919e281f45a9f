/**
 * Lab topologies that reproduce what `--explain` diagnoses, each built on
 * {@linkcode chain} (see topologies.ts for its addressing plan: the node at
 * hop h answers from 198.18.h.2 / 2001:db8:0:h::2, the source is 198.18.1.1 /
 * 2001:db8:0:1::1). Every address stays inside 198.18.0.0/15 and
 * 2001:db8::/32.
 *
 * | scene                 | what it builds                                            | finding             |
 * | --------------------- | --------------------------------------------------------- | ------------------- |
 * | `cleanScene`          | 3 routers, nothing odd                                    | final proof only    |
 * | `zeroTtlFirewall`     | r2 forwards packets whose TTL expires there               | repeated-address    |
 * | `routingLoop`         | r3 routes the target back to r2                           | loop                |
 * | `dnatLoadBalancer`    | r2 owns a VIP and DNATs it to the destination             | early-destination   |
 * | `errorsFromTarget`    | r2 sends its ICMP errors from the target's address        | past-destination    |
 * | `transparentProxy`    | r2 REDIRECTs TCP port 80 to a local listener              | transparent-proxy   |
 * | `silentRouter`        | r2 sends no time-exceeded                                 | silent-hops         |
 * | `destinationAcl`      | the destination drops everything                          | silent-to-end       |
 * | `asymmetricReturn`    | replies from r3 and beyond return over a 3-router detour | return-path         |
 *
 * Private address space cannot be reproduced here (the lab uses only the
 * ranges above): the unit tests cover it.
 *
 * @module
 */
import type { Lab } from "./lab.ts";
import { type Chain, chain, chainAddress4, chainAddress6 } from "./topologies.ts";

/** A built scene: the chain, and the addresses to trace. */
export interface Scene {
  /** The chain underneath. */
  chain: Chain;
  /** The IPv4 address to trace. */
  target4: string;
  /** The IPv6 address to trace. */
  target6: string;
}

/** The virtual addresses of {@linkcode dnatLoadBalancer}. */
export const VIP4 = "198.18.200.1";
/** IPv6 virtual address of {@linkcode dnatLoadBalancer}. */
export const VIP6 = "2001:db8:200::1";

function plain(c: Chain): Scene {
  return { chain: c, target4: c.target4, target6: c.target6 };
}

/** Three routers, nothing odd: the destination (hop 4) closes UDP/TCP ports and answers ping. */
export async function cleanScene(lab: Lab): Promise<Scene> {
  return plain(await chain(lab, { routers: 3 }));
}

/**
 * Four routers; r2 is a firewall that forwards packets whose TTL expires on it
 * (it adds 1 to a TTL / hop limit of 1 before routing), so it never answers and
 * r3 answers both hop 2 and hop 3; the destination is at hop 5.
 */
export async function zeroTtlFirewall(lab: Lab): Promise<Scene> {
  const c = await chain(lab, { routers: 4 });
  await lab.sh(
    "r2",
    [
      "iptables -t mangle -A PREROUTING -m ttl --ttl-eq 1 -j TTL --ttl-inc 1",
      "ip6tables -t mangle -A PREROUTING -m hl --hl-eq 1 -j HL --hl-inc 1",
    ].join("\n"),
  );
  return plain(c);
}

/**
 * Four routers; r3 routes the destination's link (198.18.5.0/24,
 * 2001:db8:0:5::/64) back to r2, which routes it to r3: probes bounce between
 * them, hop 2 is r2, hop 3 r3, hop 4 r2 again, and so on.
 */
export async function routingLoop(lab: Lab): Promise<Scene> {
  const c = await chain(lab, { routers: 4 });
  await lab.routes("r3", [
    ["198.18.5.0/24", chainAddress4(3, 1)],
    ["2001:db8:0:5::/64", chainAddress6(3, 1)],
  ]);
  return plain(c);
}

/**
 * Three routers; r2 is a load balancer owning the VIPs {@linkcode VIP4} and
 * {@linkcode VIP6}, which it DNATs to the destination (hop 4). Its NAT
 * rewrites the source of every ICMP error about the VIP's traffic, its own and
 * those of r3 behind it, to the VIP: the trace shows the VIP at hops 2, 3 and 4.
 */
export async function dnatLoadBalancer(lab: Lab): Promise<Scene> {
  const c = await chain(lab, { routers: 3 });
  await lab.sh(
    "r2",
    [
      `ip addr add ${VIP4}/32 dev lo`,
      `ip -6 addr add ${VIP6}/128 dev lo nodad`,
      `iptables -t nat -A PREROUTING -d ${VIP4} -j DNAT --to-destination ${c.target4}`,
      `ip6tables -t nat -A PREROUTING -d ${VIP6} -j DNAT --to-destination ${c.target6}`,
    ].join("\n"),
  );
  return { chain: c, target4: VIP4, target6: VIP6 };
}

/**
 * Three routers; r2 holds the destination's addresses and sends its ICMP
 * errors from them (as some NAT devices and load balancers do) while it
 * forwards the destination's traffic: the target's address shows at hop 2,
 * r3 at hop 3, the destination at hop 4 (the recipe of destination_test.ts).
 */
export async function errorsFromTarget(lab: Lab): Promise<Scene> {
  const c = await chain(lab, { routers: 3 });
  await lab.sh(
    "r2",
    `ip addr add ${c.target4}/32 dev lo && ip -6 addr add ${c.target6}/128 dev lo nodad`,
  );
  await forwardFromTargetAddress(c);
  return plain(c);
}

/**
 * Makes r2 of chain `c`, which holds the target's addresses, forward the
 * target's traffic all the same and send its ICMP errors from those
 * addresses: the main table is consulted before the local one for the
 * target, and r2's route back to the source prefers the target's address
 * as the source of what r2 sends.
 */
export async function forwardFromTargetAddress(c: Chain): Promise<void> {
  await c.lab.sh(
    "r2",
    [
      `ip rule add pref 10 to ${c.target4} lookup main`,
      `ip -6 rule add pref 10 to ${c.target6} lookup main`,
      "ip rule del pref 0 lookup local && ip rule add pref 100 lookup local",
      "ip -6 rule del pref 0 lookup local && ip -6 rule add pref 100 lookup local",
      `ip route replace 198.18.1.0/24 via ${chainAddress4(2, 1)} src ${c.target4}`,
      `ip -6 route replace 2001:db8:0:1::/64 via ${chainAddress6(2, 1)} src ${c.target6}`,
      // IPv6 also puts the address's own /128 in the main table.
      `ip -6 route del ${c.target6}/128 dev lo table main`,
    ].join(" && "),
  );
}

/** Listens on TCP port 8080 (IPv4 and IPv6), answering nothing. */
const LISTENER = `
Deno.listen({ port: 8080, hostname: "::" });
console.log("listening");
setInterval(() => {}, 60000);
`;

/**
 * Three routers; r2 REDIRECTs every TCP packet for port 80 to a listener on
 * its own port 8080 (a transparent proxy): TCP probes get a SYN-ACK at hop 2,
 * while UDP and ICMP probes reach the destination at hop 4.
 */
export async function transparentProxy(lab: Lab): Promise<Scene> {
  const c = await chain(lab, { routers: 3 });
  await lab.sh(
    "r2",
    [
      "iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080",
      "ip6tables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080",
    ].join("\n"),
  );
  const child = lab.spawn("r2", [Deno.execPath(), "eval", LISTENER], { stdout: "piped" });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("listening")) {
    throw new Error("the transparent proxy's listener on r2 did not start");
  }
  reader.releaseLock();
  return plain(c);
}

/** Three routers; r2 forwards but sends no ICMP time-exceeded (dropped in its OUTPUT). */
export async function silentRouter(lab: Lab): Promise<Scene> {
  return plain(await chain(lab, { routers: 3, silent: [2] }));
}

/** Two routers; the destination (hop 3) drops every packet it receives. */
export async function destinationAcl(lab: Lab): Promise<Scene> {
  return plain(await chain(lab, { routers: 2, destination: "drop-all" }));
}

/**
 * Three routers, plus three detour routers d1, d2 and d3 between r3 and r1:
 * r3 sends everything for the source's link (198.18.1.0/24,
 * 2001:db8:0:1::/64) through d1, d2 and d3 to r1, so the replies of r3
 * (hop 3) and of the destination (hop 4) come back over 5 and 6 hops instead
 * of 3 and 4. Probes still go src - r1 - r2 - r3 - dst.
 *
 * Detour links: r3 - d1 on 198.18.101.0/24, d1 - d2 on 198.18.102.0/24,
 * d2 - d3 on 198.18.103.0/24, d3 - r1 on 198.18.104.0/24 (and
 * 2001:db8:0:101::/64 ... likewise); the far end of each is `.2` / `::2`.
 */
export async function asymmetricReturn(lab: Lab): Promise<Scene> {
  const c = await chain(lab, { routers: 3 });
  const detour = ["r3", "d1", "d2", "d3", "r1"];
  await Promise.all(detour.slice(1, -1).map((node) => lab.addNode(node, { router: true })));
  for (let i = 0; i + 1 < detour.length; i++) {
    const n = 101 + i;
    await lab.link(detour[i]!, detour[i + 1]!, {
      v4: [`198.18.${n}.1/24`, `198.18.${n}.2/24`],
      v6: [`2001:db8:0:${n}::1/64`, `2001:db8:0:${n}::2/64`],
    });
  }
  await Promise.all([
    ...detour.slice(0, -1).map((node, i) =>
      lab.routes(node, [
        ["198.18.1.0/24", `198.18.${101 + i}.2`],
        ["2001:db8:0:1::/64", `2001:db8:0:${101 + i}::2`],
      ])
    ),
    // r1 receives replies on an interface other than its route back to their
    // senders: no strict reverse-path filtering there.
    lab.sh("r1", "for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done"),
  ]);
  return plain(c);
}
