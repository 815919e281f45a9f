/**
 * The `--explain` detectors of the destination: its address answering
 * before the end (`early-destination`) or with hops after it
 * (`past-destination`), a TCP answer from short of it
 * (`transparent-proxy`), and what the last hop proved (`final-proof`).
 *
 * @module
 */
import type { ProbeResult, Trace } from "../core/model.ts";
import type { Finding } from "./model.ts";
import { andList, dedupe, finding, hopList, methodLabel, ttlText, unique } from "./text.ts";
import {
  addressesOf,
  answered,
  answering,
  RETURN_PATH_THRESHOLD,
  returnHops,
  tcpAnswer,
  TraceView,
} from "./view.ts";

/**
 * The target's address in time-exceeded messages, with nothing else after
 * it (a VIP fronting the host); or a final reply whose reply TTL says the
 * destination is much nearer than the hop it answered at.
 */
export function earlyDestination(view: TraceView): Finding[] {
  const out: Finding[] = [];
  const hops = view.hops;
  const early = hops.filter((h) =>
    h !== view.finalHop && answered(h).some((p) => p.address === view.target && !p.final)
  );
  const firstEarly = early[0]?.ttl;
  const othersAfter = firstEarly !== undefined &&
    hops.some((h) => h.ttl > firstEarly && addressesOf(h).some((a) => a !== view.target));
  const fin = view.finalHop;
  const finalProbe = fin?.probes.find((p) => p.final && p.address === view.target) ?? null;
  if (early.length > 0 && !othersAfter) {
    const evidence = early.map((h) =>
      view.evidence(h.ttl, answered(h).find((p) => p.address === view.target)!)
    );
    if (fin && finalProbe) evidence.push(view.evidence(fin.ttl, finalProbe));
    const ttls = evidence.map((e) => e.replyTtl);
    const growing = ttls.every((t, k) => t !== null && (k === 0 || t < ttls[k - 1]!));
    const ttl = ttlText(evidence);
    const ending = fin && finalProbe
      ? `, before answering as the destination at hop ${fin.ttl}`
      : ", and never answered as the destination";
    out.push(finding(
      "early-destination",
      evidence,
      `the destination's address ${view.target} answered at ${hopList(early.map((h) => h.ttl))} ` +
        `with time-exceeded${ending}` + (ttl ? ` (${ttl}` : "") +
        (ttl && growing && evidence.length > 1
          ? `: replies from farther each time, so several devices stand behind that address)`
          : ttl
          ? ")"
          : "") +
        `: the address belongs to a device at hop ${firstEarly}, and what answers is behind it.`,
      [
        `a load balancer or NAT at hop ${firstEarly} owns the address (a VIP) and forwards to the hosts behind it (DNAT), rewriting their replies and errors to the VIP`,
        `an anycast address also announced close to you`,
      ],
    ));
  } else if (fin && finalProbe) {
    // The destination answered at its hop, but its reply came back over far fewer hops.
    const back = returnHops(finalProbe.replyTtl);
    if (back !== null && fin.ttl - back >= RETURN_PATH_THRESHOLD && early.length === 0) {
      out.push(finding(
        "early-destination",
        [view.evidence(fin.ttl, finalProbe)],
        `the destination ${view.target} answered at hop ${fin.ttl}, but its reply TTL ` +
          `${finalProbe.replyTtl} says it came back over about ${back} hop${
            back === 1 ? "" : "s"
          }.`,
        [
          `a device about ${back} hop${
            back === 1 ? "" : "s"
          } away answers for the destination (load balancer, transparent proxy, SYN proxy)`,
          `a much shorter return path (asymmetric routing), or a destination with an unusual initial TTL`,
        ],
      ));
    }
  }
  return out;
}

/** The target's address answered, and later hops answered from other addresses. */
export function pastDestination(view: TraceView): Finding[] {
  const hops = view.hops;
  const at = hops.find((h) => answered(h).some((p) => p.address === view.target && !p.final));
  if (!at) return [];
  const later = hops.filter((h) => h.ttl > at.ttl && addressesOf(h).some((a) => a !== view.target));
  if (later.length === 0) return [];
  const evidence = [view.evidence(at.ttl, answered(at).find((p) => p.address === view.target)!)];
  for (const h of later) {
    for (const p of answered(h)) {
      if (p.address !== view.target) evidence.push(view.evidence(h.ttl, p));
    }
  }
  const fin = view.finalHop;
  const finalProbe = fin?.probes.find((p) => p.final && p.address === view.target);
  if (fin && finalProbe) evidence.push(view.evidence(fin.ttl, finalProbe));
  const others = unique(later.flatMap(addressesOf).filter((a) => a !== view.target));
  const ttl = ttlText(evidence.slice(0, 1));
  return [finding(
    "past-destination",
    evidence,
    `the destination's address ${view.target} answered at hop ${at.ttl} with ` +
      `${view.timeExceeded(answered(at)[0]!) ? "time-exceeded" : "a non-final reply"}` +
      (ttl ? ` (${ttl})` : "") + `, yet the trace went on past it: ` +
      `${hopList(later.map((h) => h.ttl))} answered from ${andList(others)}` +
      (fin && finalProbe ? `, and the destination answered at hop ${fin.ttl}.` : "."),
    [
      `a device at hop ${at.ttl} sends its ICMP errors from the destination's address (a NAT device or load balancer in front of it)`,
      `the address is configured on more than one device, or is anycast`,
    ],
  )];
}

/** A TCP trace reaching the destination in fewer hops than a companion of another method. */
export function transparentProxy(view: TraceView, companions: readonly Trace[]): Finding[] {
  if (!view.tcp) return [];
  const fin = view.finalHop;
  const reachedProbe = fin?.probes.find((p) => p.final && p.annotation === "");
  if (!fin || !reachedProbe || view.trace.reason !== "reached") return [];
  const out: Finding[] = [];
  for (const companion of companions) {
    if (companion.method === "tcp" || companion.method === "tcpconn") continue;
    if (companion.target.address !== view.target) continue;
    const other = new TraceView(companion);
    const otherFinal = companion.reason === "reached" ? other.finalHop : null;
    const otherLast = [...companion.hops].reverse().find((h) => answering(h));
    const beyond = otherFinal ?? otherLast;
    if (!beyond || beyond.ttl <= fin.ttl) continue;
    const otherProbe = answered(beyond)[0]!;
    const tcpTtl = reachedProbe.replyTtl !== null ? `, reply TTL ${reachedProbe.replyTtl}` : "";
    const otherTtl = otherProbe.replyTtl !== null ? ` (reply TTL ${otherProbe.replyTtl})` : "";
    const answer = tcpAnswer(reachedProbe);
    const port = view.port;
    out.push(finding(
      "transparent-proxy",
      [view.evidence(fin.ttl, reachedProbe), {
        method: companion.method,
        hop: beyond.ttl,
        address: otherProbe.address,
        replyTtl: otherProbe.replyTtl,
      }],
      `TCP port ${port} answered (${answer}${tcpTtl}) at hop ${fin.ttl}, but the ` +
        `${methodLabel(companion.method)} trace run alongside ` +
        (otherFinal
          ? `reached ${view.target} only at hop ${beyond.ttl}${otherTtl}`
          : `still got answers from ${otherProbe.address} at hop ${beyond.ttl}${otherTtl}`) +
        `: something ${beyond.ttl - fin.ttl} hop${beyond.ttl - fin.ttl === 1 ? "" : "s"} ` +
        `short of the destination answers TCP for it.`,
      [
        `a transparent proxy at hop ${fin.ttl} intercepts TCP port ${port} (REDIRECT/TPROXY: a web filter, cache or captive portal)`,
        `a middlebox that terminates TCP itself (SYN proxy, DDoS scrubber, WAN optimiser, load balancer)`,
      ],
    ));
  }
  return out;
}

/** What the last hop proved about the destination. */
export function finalProof(view: TraceView, proxied: boolean): Finding | null {
  const trace = view.trace;
  const last = view.hops.at(-1)!;
  const port = view.port;
  const finals = last.probes.filter((p) => p.final && p.address !== null);
  const ev = finals.map((p) => view.evidence(last.ttl, p));
  const ttl = ttlText(dedupe(ev));
  const at = (p: ProbeResult) =>
    `${p.address === view.target ? "reached" : `${view.named(p.address!)} answered for`} ` +
    `${view.target} at hop ${last.ttl}`;
  const withTtl = (s: string) => (ttl ? `${s}, ${ttl}` : s);
  const udpPort = view.method === "default" ? "UDP port" : `UDP port ${port}`;

  if (trace.reason === "reached") {
    const first = finals.find((p) => p.annotation === "") ?? finals[0]!;
    let proof: string;
    switch (view.method) {
      case "tcp":
      case "tcpconn": {
        const answers = unique(finals.map(tcpAnswer));
        const parts = answers.map((a) =>
          a === "SYN-ACK"
            ? `TCP port ${port} open (SYN-ACK)`
            : a === "RST"
            ? `TCP port ${port} closed (RST)`
            : `TCP port ${port} answered the connection attempt (open or closed: not recorded)`
        );
        proof = andList(parts);
        break;
      }
      case "icmp":
        // An echo reply is no ICMP error: its `icmp` is null.
        proof = finals.some((p) => p.icmp === null || p.icmp.type === (view.family === 4 ? 0 : 129))
          ? "answers ping (ICMP echo reply)"
          : "answered ICMP";
        break;
      case "default":
      case "udp":
      case "udplite":
        proof = finals.some((p) => view.portUnreachable(p))
          ? `${udpPort} closed (ICMP port unreachable)`
          : `a UDP reply came back from ${udpPort}: a service answered`;
        break;
      case "dccp":
        proof = finals.some((p) => view.portUnreachable(p))
          ? `DCCP port ${port} closed (ICMP port unreachable)`
          : `DCCP port ${port} answered`;
        break;
      default:
        proof = "answered";
    }
    const caveat = proxied ? " (but see transparent-proxy: a middlebox answered for it)" : "";
    return finding("final-proof", ev, `${at(first)}; ${withTtl(proof)}${caveat}.`);
  }

  if (trace.reason === "unreachable") {
    const p = finals[0];
    if (!p) return null;
    const meaning = UNREACHABLE_MEANINGS[p.annotation.replace(/^!F-\d+$/, "!F")] ??
      `an ICMP error (${p.annotation})`;
    if (p.address === view.target) {
      return finding(
        "final-proof",
        ev,
        `reached ${view.target} at hop ${last.ttl}, which refused the probe: ${withTtl(meaning)}.`,
      );
    }
    return finding(
      "final-proof",
      ev,
      `not reached: ${view.named(p.address!)} at hop ${last.ttl} answered ${withTtl(meaning)}, ` +
        `so nothing is known of ${view.target} itself.`,
    );
  }

  if (trace.reason === "aborted") {
    return finding(
      "final-proof",
      [],
      `interrupted at hop ${last.ttl}: nothing proven about ${view.target}.`,
    );
  }

  // max-hops: the destination never answered.
  const what = view.udp
    ? `${udpPort} answered nothing (open, filtered, or dropped: a traceroute cannot tell)`
    : view.tcp
    ? `TCP port ${port} answered nothing (neither SYN-ACK nor RST: filtered or dropped, not proven open or closed)`
    : view.method === "icmp"
    ? "no echo reply (ping filtered, or the host down)"
    : "the destination answered nothing";
  return finding("final-proof", [], `not reached within ${last.ttl} hops: ${what}.`);
}

/** What each final annotation means, in words. */
const UNREACHABLE_MEANINGS: Record<string, string> = {
  "!H": "host unreachable (!H)",
  "!N": "network unreachable (!N)",
  "!X": "communication administratively prohibited (!X: a firewall rejects it)",
  "!P": "protocol unreachable (!P: it does not speak this protocol)",
  "!<4-1>": "protocol unreachable (it does not speak this protocol)",
  "!S": "source route failed (!S)",
  "!F": "fragmentation needed (!F: the packet is larger than the path MTU)",
  "!V": "host precedence violation (!V)",
  "!C": "precedence cutoff (!C)",
};
