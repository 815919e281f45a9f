/**
 * Help and usage texts.
 *
 * @module
 */
import config from "../../deno.json" with { type: "json" };
import { clifHelp } from "../core/command_line_parser.ts";
import type { Method } from "../core/method.ts";

/** hopwise's version (from deno.json). */
export const VERSION: string = config.version;

/** Two lines for stderr when there are no arguments. */
export function shortUsage(name: string): string {
  return `Usage: ${name} [options] host [packet_len]\nTry \`${name} --help' for more information.\n`;
}

/** The full help, for `--help` (on stdout). */
export function helpText(name: string): string {
  return `Usage: ${name} [options] host [packet_len]

hopwise traces the route IP packets take to a host, as Linux traceroute 2.1.2
does, with the same options and the same output.

Options:
  -4, -6                  use IPv4 / IPv6 (default: the host's address; IPv4 if both)
  -I  --icmp              ICMP echo probes (raw socket, else ICMP datagram socket)
  -T  --tcp               TCP SYN probes, half-open (default port 80; needs CAP_NET_RAW)
  -U  --udp               UDP probes to one constant port (default 53)
  -UL                     UDP-Lite probes (default port 53)
  -D  --dccp              DCCP Request probes (default port 33434; needs CAP_NET_RAW)
  -P prot  --protocol=prot
                          bare IP packets of protocol prot (needs CAP_NET_RAW)
  -M name  --module=name  probe method: default, icmp, tcp, tcpconn, udp, udplite,
                          dccp, raw
  -O OPTS,...  --options=OPTS,...
                          method options; -O help lists the method's
  -f first_ttl  --first=first_ttl
                          start from this hop (default 1)
  -m max_ttl  --max-hops=max_ttl
                          largest TTL to probe (default 30, at most 255)
  -q nqueries  --queries=nqueries
                          probes per hop (default 3, at most 10)
  -N squeries  --sim-queries=squeries
                          probes in flight at once (Linux's default 16)
  -w MAX,HERE,NEAR  --wait=MAX,HERE,NEAR
                          wait at most MAX seconds for a reply (default 5), or
                          HERE times the round trip of an answered probe of the
                          same hop (default 3), or NEAR times that of a later
                          hop (Linux's default 10); -w MAX alone waits MAX
  -z sendwait  --sendwait=sendwait
                          least time between probes: seconds, or milliseconds
                          when 10 or more (default 0)
  --classic               Linux traceroute's timing (implied by -N, -w, -z);
                          without it all probes go at once and a silent hop
                          waits 1.5 (not 10) round trips of a later hop
  -p port  --port=port    default method: first destination port (33434, +1 per
                          probe); icmp: first sequence number (1); tcp, tcpconn:
                          the port (80); udp, udplite: the port (53); dccp: the
                          port (33434); raw: the protocol
  --sport=num             source port (implies -N 1 and a fixed wait)
  -s src_addr  --source=src_addr
                          source address
  -i device  --interface=device
                          send through this interface
  -t tos  --tos=tos       IPv4 TOS / IPv6 traffic class (0-255)
  -F  --dont-fragment     do not fragment probes
  --fwmark=num            firewall mark for outgoing packets
  -n                      print addresses only, no names
  -g gate,...  --gateway=gate,...
                          route through gateways (IPv4 loose source route,
                          at most 8; IPv6 routing header)
  -l flow_label  --flowlabel=flow_label
                          IPv6 flow label
  -e  --extensions        show ICMP extensions (MPLS labels; RFC 4884)
  -A  --as-path-lookups   show each responder's origin AS (whois)
  --as-source SOURCE      where -A's AS numbers come from (implies -A): whois
                          (the default), dns[:ZONE] (Team Cymru's DNS, or a
                          mirror under ZONE), or an ASN database's path
                          (MaxMind format: GeoLite2-ASN, DB-IP, IPinfo)
  --geoip FILE            look up each responder's country, city and
                          coordinates in a MaxMind-format City or Country
                          database
  --mtu                   discover the path MTU (fragmentation forbidden)
  --back                  print the hops back when they differ from the hop
  --paris                 flow-stable probing: every probe of the trace carries
                          the same flow identifier, so per-flow load balancers
                          keep it on one path (default, udp, icmp, tcp)
  --flows N               trace N flows at once (1-128), one probe per flow
                          and hop, and show which flows met which address
  --mda                   find every next hop of every hop (Multipath
                          Detection Algorithm) and print the diamonds
  --confidence P          the MDA's confidence level in percent (default 95)
  --compare METHODS       trace with several methods at once (udp,icmp,tcp:443)
                          and show hop by hop where each one stops answering
  --json                  print one JSON document for the trace (schema hopwise.trace/1)
  --ndjson                print each event as a line of JSON as it happens
  --csv                   print the report as CSV (--report, --watch)
  --dot                   print the path as a Graphviz graph (a trace, --flows,
                          --mda, --report, --targets)
  --html FILE             also write a self-contained HTML report to FILE (the
                          path graph, latency over time, findings; --report,
                          --flows, --mda, --targets)
  --report                probe every hop again and again (--cycles, default
                          10), then print a report laid out as mtr -r, with
                          findings
  --watch                 the same statistics as a live screen (q quits)
  --cycles N              cycles of --report and --watch
  --interval SECONDS      time between cycle starts (default 1)
  --columns LIST          the report's columns (default mtr's: Loss% Snt _
                          Last Avg Best Wrst StDev, and CC City with --geoip)
  --targets FILE          trace every target of FILE (- for standard input),
                          one host, address or CIDR prefix a line
  --serve [ADDRESS:]PORT  watch every target of --targets and --config until stopped,
                          and serve Prometheus metrics (127.0.0.1 unless ADDRESS)
  --config FILE           the service's configuration (TOML: targets, labels, listen)
  --parallel N            targets traced at once (default 64)
  --rate PPS              probes a second, all traces together (default 100;
                          0: no cap)
  --explain               after the trace, one line per finding (loops, NAT, silent
                          hops, what the last hop proved) with its evidence
  --privacy N             hide the first N hops' addresses, names, AS and place,
                          and the source address, in every output (for sharing)
  -r                      bypass routing: send only to directly attached hosts
  -d  --debug             socket-level debugging (SO_DEBUG)
  -V  --version           print the version and exit
  --completions=shell     print a completion script for bash, zsh or fish, and exit
  --help                  print this help and exit

Arguments:
  host                    the host to trace (name or address)
  packet_len              whole probe size in bytes, IP header included
                          (default 60 for IPv4, 80 for IPv6; at most 65000)

Called as traceroute6 (any name ending in 6) it defaults to -6.
Exit status: 0 after a trace, 2 for bad input, 1 when a system call fails,
130/143 when interrupted.
`;
}

/** Text of `-O help` for a method, as Linux traceroute lays it out. */
export function methodHelp(method: Method): string {
  const shown = (k: Method["keywords"][number]) => k.value ? `${k.name}=${k.value}` : k.name;
  return clifHelp(
    method.keywords.map((k) => ({
      shown: shown(k),
      help: k.help,
      ...(k.value ? { arg: k.value } : {}),
    })),
    method.keywords.filter((k) => k.exclusive).map(shown),
  );
}
