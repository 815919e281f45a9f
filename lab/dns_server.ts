/**
 * A lab DNS server for the name and AS lookups' tests and bench: a node
 * `dns` linked to a chain's source, dnsmasq on 198.18.250.2 serving PTR
 * records (lab addresses only) and TXT records (Team Cymru's format under a
 * lab zone) and "no such name" for the other lab addresses and names under
 * `lab`, "refused" for the rest; beside it 198.18.250.3, a resolver that
 * never answers (netfilter drops what comes to its port 53); and
 * 198.18.250.4, the lab zones' own server (dnsmasq as an authoritative
 * server, with the same names), whose "no such name" carries the zone's SOA
 * (RFC 2308's negative TTL: {@linkcode AUTHORITATIVE_NEGATIVE_TTL}), as a
 * real zone's server's and a real resolver's do (dnsmasq's local answers
 * carry none). The source's resolv.conf chooses one of them.
 *
 * @module
 */
import { checkLabAddress } from "./netns/addresses.ts";
import { reverseName } from "../src/lookup/dns_message.ts";
import { NETNS_ETC_DIR } from "./netns/namespaces.ts";
import type { Lab } from "./netns/lab.ts";

/** The server that answers. */
export const LIVE_RESOLVER = "198.18.250.2";
/** The server that never answers. */
export const DEAD_RESOLVER = "198.18.250.3";
/** The lab zones' own server: "no such name" with the zone's SOA. */
export const AUTHORITATIVE_RESOLVER = "198.18.250.4";
/** How long its "no such name" holds, seconds (the SOA's TTL and MINIMUM). */
export const AUTHORITATIVE_NEGATIVE_TTL = 1800;

/** The reverse zones of the lab's addresses (198.18.0.0/15, 2001:db8::/32). */
const LAB_REVERSE_ZONES = [
  "18.198.in-addr.arpa",
  "19.198.in-addr.arpa",
  "8.b.d.0.1.0.0.2.ip6.arpa",
];

/** dnsmasq in the foreground, with nothing but what its command line gives it. */
const DNSMASQ = [
  "dnsmasq",
  "--no-daemon",
  "--conf-file=/dev/null",
  "--no-resolv",
  "--no-hosts",
  "--user=root",
  "--group=root",
  "--pid-file=",
];

/** The lab's domain: its hosts' names and its TXT records are under it. */
export const LAB_DOMAIN = "lab";

/** What the server serves. */
export interface DnsRecords {
  /** Address and name: a PTR record (and an A or AAAA record) each. */
  hosts: ReadonlyArray<readonly [address: string, name: string]>;
  /** Name and text: a TXT record each (no commas: dnsmasq splits on them). */
  txt: ReadonlyArray<readonly [name: string, text: string]>;
  /**
   * Address and name: a PTR record only, its name taken as it is (for
   * names a hosts file cannot hold, such as `-x.lab` or `a_b.lab`).
   */
  ptr?: ReadonlyArray<readonly [address: string, name: string]>;
}

/** The server, running. */
export interface DnsServer {
  /** Points `node`'s resolv.conf at one of the servers, with resolv.conf `options`. */
  use(node: string, which: "live" | "dead" | "authoritative", options?: string): Promise<void>;
  /**
   * The CPU time dnsmasq has used so far, ms (from /proc's schedstat), or
   * null where it cannot be read: what the server costs the lab's machine.
   */
  cpuMs(): number | null;
  /** Stops dnsmasq. */
  stop(): Promise<void>;
}

/**
 * Adds node `dns` linked to `from` (198.18.250.1 on `from`'s side), starts
 * dnsmasq with `records`, points `from` at it, and returns once it answers.
 */
export async function startDnsServer(
  lab: Lab,
  from: string,
  records: DnsRecords,
): Promise<DnsServer> {
  for (const [address] of [...records.hosts, ...records.ptr ?? []]) {
    checkLabAddress(address, "DNS record");
  }
  for (const [, name] of records.ptr ?? []) {
    if (/[\s,]/.test(name)) throw new Error(`bad PTR name ${name}`);
  }
  for (const [name, text] of records.txt) {
    if (text.includes(",") || /\s/.test(name)) throw new Error(`bad TXT record ${name} ${text}`);
  }
  await lab.addNode("dns");
  await lab.link(from, "dns", {
    v4: ["198.18.250.1/24", `${LIVE_RESOLVER}/24`],
    v6: ["2001:db8:0:250::1/64", "2001:db8:0:250::2/64"],
  });
  await lab.sh(
    "dns",
    `ip addr add ${DEAD_RESOLVER}/24 dev eth0
     ip addr add ${AUTHORITATIVE_RESOLVER}/24 dev eth0
     iptables -A INPUT -d ${DEAD_RESOLVER} -p udp --dport 53 -j DROP
     iptables -A INPUT -d ${DEAD_RESOLVER} -p tcp --dport 53 -j DROP`,
  );
  // The names in a hosts file dnsmasq reads (a list of thousands would not fit on a command line).
  const hostsFile = await Deno.makeTempFile({ prefix: "hopwise-lab-dns-" });
  await Deno.writeTextFile(hostsFile, records.hosts.map(([a, n]) => `${a} ${n}\n`).join(""));
  await Deno.chmod(hostsFile, 0o644);
  const server = lab.spawn("dns", [
    ...DNSMASQ,
    `--listen-address=${LIVE_RESOLVER}`,
    // The lab's reverse zones are the server's own: an address without a name is "no such
    // name", as a real resolver answers (without them dnsmasq, which has no server to ask,
    // refuses, and glibc's schedule asks again).
    ...LAB_REVERSE_ZONES.map((zone) => `--local=/${zone}/`),
    // So is the lab's domain, where its names and its Team Cymru zone (asn.lab) are: a name
    // there without a record is "no such name", as Team Cymru answers; a zone elsewhere is
    // refused (a failing source).
    `--local=/${LAB_DOMAIN}/`,
    "--bind-interfaces",
    `--addn-hosts=${hostsFile}`,
    ...records.txt.map(([name, text]) => `--txt-record=${name},${text}`),
    ...(records.ptr ?? []).map(([address, name]) => `--ptr-record=${reverseName(address)},${name}`),
  ], { stderr: "piped" });
  const authoritative = lab.spawn("dns", [
    ...DNSMASQ,
    `--listen-address=${AUTHORITATIVE_RESOLVER}`,
    "--bind-interfaces",
    `--auth-server=ns.${LAB_DOMAIN},${AUTHORITATIVE_RESOLVER}`,
    `--auth-zone=${LAB_DOMAIN},198.18.0.0/15,2001:db8::/32`,
    `--auth-ttl=${AUTHORITATIVE_NEGATIVE_TTL}`,
    `--addn-hosts=${hostsFile}`,
  ], { stderr: "piped" });
  const servers = {
    live: LIVE_RESOLVER,
    dead: DEAD_RESOLVER,
    authoritative: AUTHORITATIVE_RESOLVER,
  };
  const use = async (node: string, which: keyof typeof servers, options = "") => {
    await Deno.writeTextFile(
      `${NETNS_ETC_DIR}/${lab.ns(node)}/resolv.conf`,
      `nameserver ${servers[which]}\n${options ? `options ${options}\n` : ""}`,
    );
  };
  await use(from, "live", "timeout:1 attempts:2");
  // dnsmasq is up once it answers.
  const [address, name] = records.hosts[0] ?? ["", ""];
  for (let i = 0; i < 50 && address; i++) {
    const r = await lab.exec(from, ["getent", "hosts", address]);
    if (r.stdout.includes(name)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    use,
    cpuMs() {
      try {
        // `ip netns exec` runs dnsmasq in its own place: the child's pid is dnsmasq's.
        const text = Deno.readTextFileSync(`/proc/${server.pid}/schedstat`);
        const ns = Number(text.split(" ")[0]);
        return Number.isFinite(ns) ? ns / 1e6 : null;
      } catch {
        return null;
      }
    },
    async stop() {
      for (const process of [server, authoritative]) {
        process.kill();
        await process.status;
        await process.stderr.cancel().catch(() => {});
      }
      await Deno.remove(hostsFile).catch(() => {});
    },
  };
}
