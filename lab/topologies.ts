/**
 * Ready-made topologies on top of {@linkcode Lab}.
 *
 * ## Chain addressing plan
 *
 * A chain is `src - r1 - r2 - ... - rN - dst`. Link k (1-based, k = 1..N+1)
 * joins the node at hop k-1 (src is hop 0) to the node at hop k and uses
 * 198.18.k.0/24 and 2001:db8:0:k::/64, with k written in decimal in both
 * (link 12 is 198.18.12.0/24 and 2001:db8:0:12::/64). The end nearer the
 * source is `.1` / `::1`, the far end `.2` / `::2`. So:
 *
 * - the node at hop h answers from 198.18.h.2 and 2001:db8:0:h::2, the
 *   address of its interface facing the source;
 * - the destination (hop N+1) is 198.18.(N+1).2 and 2001:db8:0:(N+1)::2;
 * - the source is 198.18.1.1 and 2001:db8:0:1::1.
 *
 * Everything stays inside 198.18.0.0/15 and 2001:db8::/32; routes cover only
 * those ranges (src and dst route them to their one neighbour, router h routes
 * them downstream and each upstream link's /24 and /64 upstream), so nothing
 * else is routable.
 *
 * Routers answer from the interface facing the source: that is Linux's
 * default (`icmp_errors_use_inbound_ifaddr=0` picks the source address by the
 * route back to the sender, which leaves through that interface; IPv6 does
 * the same). Verified with `traceroute -n` from src of a 5-router chain:
 *
 * ```text
 * traceroute to 198.18.6.2 (198.18.6.2), 30 hops max, 60 byte packets
 *  1  198.18.1.2  0.309 ms  0.008 ms  0.006 ms
 *  2  198.18.2.2  0.096 ms  0.009 ms  0.006 ms
 *  3  198.18.3.2  0.098 ms  0.010 ms  0.009 ms
 *  4  198.18.4.2  0.119 ms  0.012 ms  0.009 ms
 *  5  198.18.5.2  0.097 ms  0.013 ms  0.011 ms
 *  6  198.18.6.2  0.188 ms  0.016 ms  0.012 ms
 * traceroute to 2001:db8:0:6::2 (2001:db8:0:6::2), 30 hops max, 80 byte packets
 *  1  2001:db8:0:1::2  0.049 ms  0.008 ms  0.007 ms
 *  ...
 *  6  2001:db8:0:6::2  0.038 ms  0.016 ms  0.013 ms
 * ```
 *
 * ## Unreachable variants
 *
 * The router at hop h answers probes for the target with a destination
 * unreachable at hop h itself (it never forwards them), in both families:
 *
 * | kind       | IPv4 answer (traceroute)       | IPv6 answer (traceroute)    |
 * | ---------- | ------------------------------ | --------------------------- |
 * | `host`     | host unreachable (`!H`)        | address unreachable (`!H`)  |
 * | `net`      | net unreachable (`!N`)         | no route (`!N`)             |
 * | `prohibit` | admin prohibited, 13 (`!X`)    | admin prohibited (`!X`)     |
 *
 * They are made with netfilter: `REJECT` in FORWARD for the target address,
 * plus a mangle PREROUTING rule adding 1 to the TTL / hop limit of packets for
 * the target, so that a probe arriving with TTL 1 is rejected rather than
 * timed out. Route types (`ip route add unreachable|prohibit`) were not used:
 * for IPv4 their answers go through a rate limiter governed by the global
 * `net.ipv4.route.error_cost/error_burst` (5 answers, then 1 a second), which
 * made traceroute show `*` for most hops; and an IPv6 `unreachable` route
 * answers "no route" (`!N`), not `!H`.
 *
 * @module
 */

import { isLabAddress, type Lab } from "./lab.ts";
import { addDelay } from "./delayer.ts";

/** How an unreachable router answers; see the module doc. */
export type UnreachableKind = "host" | "net" | "prohibit";

/** The traceroute flag each {@linkcode UnreachableKind} produces. */
export const UNREACHABLE_FLAGS: Readonly<Record<UnreachableKind, "!H" | "!N" | "!X">> = {
  host: "!H",
  net: "!N",
  prohibit: "!X",
};

/** Options for {@linkcode chain}. */
export interface ChainOptions {
  /** Routers between source and destination (5 puts the destination at hop 6). 0..254. */
  routers: number;
  /**
   * Hops (1-based) whose router sends no ICMP time-exceeded (dropped in its
   * OUTPUT chain, v4 and v6); it still forwards and answers everything else.
   */
  silent?: number[];
  /**
   * `"drop-all"`: the destination's INPUT drops everything (v4 and v6) except
   * loopback traffic and IPv6 neighbour discovery, which the link needs.
   * Default `"normal"`.
   */
  destination?: "normal" | "drop-all";
  /**
   * Prefixes (inside the lab ranges) the destination answers for as if
   * every address were its own (`ip route add local PREFIX dev lo`): many
   * targets, all at the destination's hop. The chain routes them there.
   */
  anyPrefixes?: string[];
  /**
   * Routers (by hop, 1-based) that drop this share (0 to 1) of every packet
   * they forward, at random, both ways (`iptables -m statistic --mode
   * random`, v4 and v6): real loss that begins past them.
   */
  forwardLoss?: Array<{ hop: number; share: number }>;
  /** The router at `hop` answers probes for the target with `kind` instead of forwarding. */
  unreachable?: { hop: number; kind: UnreachableKind };
  /**
   * Write a hosts file in the source's namespace naming every hop address:
   * `src.lab`, `r1.lab`, `r2.lab`, ... and `dst.lab` (which resolves to both
   * target addresses).
   */
  names?: boolean;
  /**
   * Hops (1-based; the destination is `routers + 1`, the source 0) whose node
   * keeps the kernel's default ICMP rate limits.
   */
  keepIcmpRateLimit?: number[];
  /**
   * Milliseconds (fractions allowed) by which every node (source, routers
   * and destination) delays each packet it sends, with the NFQUEUE delayer
   * of `delayer.ts` (see `delayReason()` there for what it needs): each link
   * then takes this long in each direction, and the round trip to hop k is
   * 2 × k × delay. Unset: no delayer, packets go at once.
   */
  delay?: number;
}

/** A chain built by {@linkcode chain}: what was built and what traceroute should show. */
export interface Chain {
  /** The lab holding the chain. */
  lab: Lab;
  /** Source node name (`"src"`). */
  source: string;
  /** Destination node name (`"dst"`). */
  destination: string;
  /** The destination's IPv4 address. */
  target4: string;
  /** The destination's IPv6 address. */
  target6: string;
  /**
   * IPv4 address expected at each hop (index 0 = hop 1) up to the last hop
   * that can answer: the target, or the unreachable router. Hops listed in
   * `silent` show `*` instead.
   */
  hops4: string[];
  /** Like `hops4` for IPv6. */
  hops6: string[];
  /** Hop numbers (1-based, within `hops4`) that are expected not to answer. */
  silent: number[];
  /** Flag traceroute shows on the last hop (`!H`, `!N`, `!X`), or null. */
  flag: "!H" | "!N" | "!X" | null;
  /** All node names in path order: src, r1, ..., dst. */
  nodes: string[];
}

const V4_ALL = "198.18.0.0/15";
const V6_ALL = "2001:db8::/32";

/** IPv4 address of end `side` (1 = nearer the source, 2 = farther) of chain link `link`. */
export function chainAddress4(link: number, side: 1 | 2): string {
  return `198.18.${link}.${side}`;
}

/** IPv6 address of end `side` (1 = nearer the source, 2 = farther) of chain link `link`. */
export function chainAddress6(link: number, side: 1 | 2): string {
  return `2001:db8:0:${link}::${side}`;
}

function checkHops(what: string, hops: readonly number[], max: number): void {
  for (const hop of hops) {
    if (!Number.isInteger(hop) || hop < 1 || hop > max) {
      throw new Error(`chain: ${what} hop ${hop} is not a router hop (1..${max})`);
    }
  }
}

function restore(
  command: "iptables-restore" | "ip6tables-restore",
  tables: Record<string, string[]>,
): string {
  const body = Object.entries(tables)
    .filter(([, rules]) => rules.length > 0)
    .map(([table, rules]) => [`*${table}`, ...rules, "COMMIT"].join("\n"))
    .join("\n");
  return body === "" ? "" : `${command} --noflush <<'EOF'\n${body}\nEOF\n`;
}

/**
 * Builds a chain `src - r1 - ... - rN - dst` in `lab` (node names src, r1..rN,
 * dst must be free) following the addressing plan in the module doc, with the
 * requested silent hops, unreachable router, destination behaviour, names
 * and per-link delay.
 */
export async function chain(lab: Lab, options: ChainOptions): Promise<Chain> {
  const routers = options.routers;
  if (!Number.isInteger(routers) || routers < 0 || routers > 254) {
    throw new Error(`chain: routers must be an integer 0..254, got ${routers}`);
  }
  const silentOption = [...new Set(options.silent ?? [])].sort((a, b) => a - b);
  checkHops("silent", silentOption, routers);
  const unreachable = options.unreachable;
  if (unreachable) checkHops("unreachable", [unreachable.hop], routers);
  for (const prefix of options.anyPrefixes ?? []) {
    const [base = "", length = ""] = prefix.split("/");
    const bits = base.includes(":") ? 128 : 32;
    // The whole prefix must lie inside the lab's ranges (198.18.0.0/15, 2001:db8::/32).
    if (!isLabAddress(base) || !/^\d+$/.test(length) || Number(length) < (bits === 32 ? 15 : 32)) {
      throw new Error(`chain: anyPrefixes ${prefix} is not inside the lab's ranges`);
    }
  }
  const forwardLoss = options.forwardLoss ?? [];
  checkHops("forwardLoss", forwardLoss.map((l) => l.hop), routers);
  for (const { share } of forwardLoss) {
    if (!(share >= 0 && share <= 1)) {
      throw new Error(`chain: forwardLoss share ${share} outside 0..1`);
    }
  }
  const keep = new Set(options.keepIcmpRateLimit ?? []);
  for (const hop of keep) {
    if (!Number.isInteger(hop) || hop < 0 || hop > routers + 1) {
      throw new Error(`chain: keepIcmpRateLimit hop ${hop} outside 0..${routers + 1}`);
    }
  }

  const delay = options.delay;
  if (delay !== undefined && (!Number.isFinite(delay) || delay < 0 || delay > 3_600_000)) {
    throw new Error(`chain: delay must be 0..3600000 ms, got ${delay}`);
  }

  const dstHop = routers + 1;
  const nodes = ["src", ...Array.from({ length: routers }, (_, i) => `r${i + 1}`), "dst"];
  const nodeAt = (hop: number): string => nodes[hop] ?? "";
  const target4 = chainAddress4(dstHop, 2);
  const target6 = chainAddress6(dstHop, 2);

  await Promise.all(nodes.map((node, hop) =>
    lab.addNode(node, {
      router: hop > 0 && hop < dstHop,
      keepIcmpRateLimit: keep.has(hop),
    })
  ));

  await Promise.all(Array.from({ length: dstHop }, (_, i) => {
    const k = i + 1;
    return lab.link(nodeAt(k - 1), nodeAt(k), {
      v4: [`${chainAddress4(k, 1)}/24`, `${chainAddress4(k, 2)}/24`],
      v6: [`${chainAddress6(k, 1)}/64`, `${chainAddress6(k, 2)}/64`],
    });
  }));

  const work: Promise<unknown>[] = [];
  for (const [hop, node] of nodes.entries()) {
    const routes: Array<[string, string]> = [];
    if (hop === 0) {
      routes.push([V4_ALL, chainAddress4(1, 2)], [V6_ALL, chainAddress6(1, 2)]);
    } else if (hop === dstHop) {
      routes.push([V4_ALL, chainAddress4(hop, 1)], [V6_ALL, chainAddress6(hop, 1)]);
    } else {
      routes.push([V4_ALL, chainAddress4(hop + 1, 2)], [V6_ALL, chainAddress6(hop + 1, 2)]);
      for (let link = 1; link < hop; link++) {
        routes.push(
          [`198.18.${link}.0/24`, chainAddress4(hop, 1)],
          [`2001:db8:0:${link}::/64`, chainAddress6(hop, 1)],
        );
      }
    }
    work.push(lab.routes(node, routes));

    const v4: Record<string, string[]> = { mangle: [], filter: [] };
    const v6: Record<string, string[]> = { mangle: [], filter: [] };
    if (silentOption.includes(hop)) {
      v4.filter?.push("-A OUTPUT -p icmp --icmp-type time-exceeded -j DROP");
      v6.filter?.push("-A OUTPUT -p ipv6-icmp --icmpv6-type time-exceeded -j DROP");
    }
    for (const loss of forwardLoss.filter((l) => l.hop === hop)) {
      const rule = `-A FORWARD -m statistic --mode random --probability ${loss.share} -j DROP`;
      v4.filter?.push(rule);
      v6.filter?.push(rule);
    }
    if (unreachable?.hop === hop) {
      const [with4, with6] = {
        host: ["icmp-host-unreachable", "icmp6-addr-unreachable"],
        net: ["icmp-net-unreachable", "icmp6-no-route"],
        prohibit: ["icmp-admin-prohibited", "icmp6-adm-prohibited"],
      }[unreachable.kind];
      v4.mangle?.push(`-A PREROUTING -d ${target4}/32 -j TTL --ttl-inc 1`);
      v4.filter?.push(`-A FORWARD -d ${target4}/32 -j REJECT --reject-with ${with4}`);
      v6.mangle?.push(`-A PREROUTING -d ${target6}/128 -j HL --hl-inc 1`);
      v6.filter?.push(`-A FORWARD -d ${target6}/128 -j REJECT --reject-with ${with6}`);
    }
    if (hop === dstHop && options.destination === "drop-all") {
      v4.filter?.push("-A INPUT -i lo -j ACCEPT", "-A INPUT -j DROP");
      v6.filter?.push(
        "-A INPUT -i lo -j ACCEPT",
        "-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT",
        "-A INPUT -p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT",
        "-A INPUT -j DROP",
      );
    }
    const script = restore("iptables-restore", v4) + restore("ip6tables-restore", v6);
    if (script !== "") work.push(lab.sh(node, script));
    if (hop === dstHop) {
      for (const prefix of options.anyPrefixes ?? []) {
        work.push(lab.sh(node, `ip route add local ${prefix} dev lo`));
      }
    }
  }

  const lastHop = unreachable?.hop ?? dstHop;
  const hops = Array.from({ length: lastHop }, (_, i) => i + 1);
  const hops4 = hops.map((hop) => chainAddress4(hop, 2));
  const hops6 = hops.map((hop) => chainAddress6(hop, 2));

  if (options.names) {
    const entries: Array<[string, string]> = [
      [chainAddress4(1, 1), "src.lab"],
      [chainAddress6(1, 1), "src.lab"],
    ];
    for (let hop = 1; hop < dstHop; hop++) {
      entries.push([chainAddress4(hop, 2), `r${hop}.lab`], [chainAddress6(hop, 2), `r${hop}.lab`]);
    }
    entries.push([target4, "dst.lab"], [target6, "dst.lab"]);
    work.push(lab.setHosts("src", entries));
  }
  await Promise.all(work);
  if (delay !== undefined) await Promise.all(nodes.map((node) => addDelay(lab, node, delay)));

  const silent = silentOption.filter((hop) => hop < lastHop);
  if (!unreachable && options.destination === "drop-all") silent.push(dstHop);
  return {
    lab,
    source: "src",
    destination: "dst",
    target4,
    target6,
    hops4,
    hops6,
    silent,
    flag: unreachable ? UNREACHABLE_FLAGS[unreachable.kind] : null,
    nodes,
  };
}
