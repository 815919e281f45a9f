/**
 * The `--explain` detectors of silence: hops that never answered with
 * answers after them (`silent-hops`), no answer to the end
 * (`silent-to-end`), and the methods worth trying instead.
 *
 * @module
 */
import type { Finding, FindingEvidence } from "./model.ts";
import { finding, hopList } from "./text.ts";
import { answered, answering, principal, silent, type TraceView } from "./view.ts";

/** Hops that never answered, followed by hops that did. */
export function silentHops(view: TraceView): Finding[] {
  const hops = view.hops;
  const lastAnswering = hops.findLastIndex((h) => answering(h));
  const quiet = hops.slice(0, Math.max(0, lastAnswering)).filter(silent);
  if (quiet.length === 0) return [];
  const after = hops.slice(hops.indexOf(quiet[0]!) + 1).filter((h) => answering(h));
  const evidence = [
    ...quiet.map((h) => view.silence(h.ttl)),
    ...after.slice(0, 1).map((h) => view.evidence(h.ttl, answered(h)[0]!)),
  ];
  const next = after[0]!;
  const probes = quiet.reduce((n, h) => n + h.probes.length, 0);
  return [finding(
    "silent-hops",
    evidence,
    `${hopList(quiet.map((h) => h.ttl))} gave no answer (${probes} probe${
      probes === 1 ? "" : "s"
    }), ` +
      `yet hop ${next.ttl} and later answered (${principal(next)} at hop ${next.ttl}), so ` +
      `${quiet.length === 1 ? "that router forwards" : "those routers forward"} the probes: ` +
      `this is not packet loss.`,
    [
      `the router sends no ICMP time-exceeded, or filters or rate-limits it (common on provider and firewall hops)`,
    ],
  )];
}

/** No answer from some hop to the end, the destination never reached. */
export function silentToEnd(view: TraceView): Finding[] {
  if (view.trace.reason !== "max-hops") return [];
  const hops = view.hops;
  let k = hops.length;
  while (k > 0 && silent(hops[k - 1]!)) k--;
  if (k === hops.length) return [];
  const quiet = hops.slice(k);
  const lastAnswer = hops[k - 1];
  const lastAddress = lastAnswer ? principal(lastAnswer) : null;
  const evidence: FindingEvidence[] = [];
  if (lastAnswer && lastAddress) {
    evidence.push(
      view.evidence(lastAnswer.ttl, answered(lastAnswer).find((p) => p.address === lastAddress)!),
    );
  }
  for (const h of quiet) {
    evidence.push(view.silence(h.ttl));
  }
  const from = quiet[0]!.ttl;
  const to = quiet.at(-1)!.ttl;
  const causes = [
    lastAddress
      ? `a firewall after ${view.named(lastAddress)} (hop ${
        lastAnswer!.ttl
      }), perhaps the destination's own, drops these probes`
      : `a firewall near you drops these probes`,
    `the replies are dropped on their way back (a return-path filter, or no route back to this source)`,
  ];
  if (view.udp) {
    causes.push(
      `the destination was reached and its UDP port is open: a service that ignores the probe sends nothing`,
    );
  }
  return [finding(
    "silent-to-end",
    evidence,
    `no answer from hop ${from} to hop ${to}, the last probed` +
      (lastAddress
        ? ` (the last answer came from ${lastAddress} at hop ${lastAnswer!.ttl}).`
        : "."),
    causes,
    suggest(view),
  )];
}

/** Methods worth trying when a trace goes silent. */
function suggest(view: TraceView): string[] {
  const host = view.trace.target.host;
  switch (view.method) {
    case "icmp":
      return [
        `-T -p 443 ${host} (TCP SYN to a port servers keep open)`,
        `-U -p 53 ${host} (UDP to DNS)`,
      ];
    case "tcp":
    case "tcpconn":
      return [
        `-T -p ${view.port === 443 ? 80 : 443} ${host} (another TCP port)`,
        `-I ${host} (ICMP echo)`,
      ];
    default:
      return [`-I ${host} (ICMP echo)`, `-T -p 443 ${host} (TCP SYN to a port servers keep open)`];
  }
}
