/**
 * The service's `/metrics`: what a fleet knows ({@linkcode FleetFigures}) in
 * the Prometheus text exposition format 0.0.4, or in OpenMetrics 1.0.0 text
 * when the scraper asks for it (the server negotiates which). Pure.
 *
 * The metric names are fixed (dashboards and alerts rely on them; every one is
 * in docs/service.md). Round trips are in seconds. Every series of a target
 * carries the target's extra labels after its own; an extra label whose name
 * is not a usable label name ({@linkcode isExtraLabelName}) is left out.
 *
 * How the text is written is exposition.ts's. The `_info` metrics are gauges
 * of value 1 in both (as Prometheus's own clients expose their `*_info`
 * metrics): OpenMetrics's `info` type is for what does not change while the
 * process lives, which a hop's addresses and a target's state do, and the
 * series are the same whichever format was negotiated.
 *
 * @module
 */
import { type FleetFigures, RTT_BUCKETS_SECONDS, type TargetFigures } from "../core/fleet_model.ts";
import { Exposition, labelPairs, type Labels, labelText, type MetricType } from "./exposition.ts";

/** The content type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The content type of OpenMetrics 1.0.0 text. */
export const OPENMETRICS_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** How {@linkcode formatMetrics} writes. */
export interface MetricsOptions {
  /** OpenMetrics 1.0.0 text instead of the Prometheus text format 0.0.4 (default false). */
  openMetrics?: boolean;
}

/**
 * The label names the service's own series use (a hop's address's `asn` and
 * `country` among them): a target's extra labels may not take them, or a
 * series would carry one name twice, which fails the whole scrape.
 */
export const SERIES_LABELS: readonly string[] = [
  "target",
  "ttl",
  "kind",
  "address",
  "name",
  "le",
  "reason",
  "asn",
  "country",
];

/** {@linkcode SERIES_LABELS}, to look up. */
const FIXED_LABELS: ReadonlySet<string> = new Set(SERIES_LABELS);

/**
 * Whether `name` may be the name of an extra label of a target's series: a
 * Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`) that does not begin with
 * an underscore (Prometheus reserves `__`, OpenMetrics every leading `_`) and
 * is not one of the labels hopwise sets (`target`, `ttl`, `address`, `name`,
 * `kind`, `reason`, `le`). {@linkcode formatMetrics} leaves the others out.
 *
 * @example
 * ```ts
 * import { isExtraLabelName } from "./metrics.ts";
 *
 * isExtraLabelName("site"); // true
 * isExtraLabelName("__name__"); // false
 * isExtraLabelName("target"); // false
 * ```
 */
export function isExtraLabelName(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9_]*$/.test(name) && !FIXED_LABELS.has(name);
}

/** Each metric's help, by its name as samples have it. */
const HELP = {
  hopwise_build_info: "Always 1; the version label is hopwise's version.",
  hopwise_probes_sent_total: "Probes sent since the service started, over every target.",
  hopwise_probe_send_errors_total: "Sends that failed since the service started, by errno name.",
  hopwise_target_up: "1 while the target resolves and is being probed, else 0.",
  hopwise_target_down_info: "1 while the target is not up, with the reason; absent while up.",
  hopwise_cycles_total: "Probe cycles run for the target since the service started.",
  hopwise_destination_reached: "1 if the destination answered in the current window, else 0.",
  hopwise_path_hops: "The TTL the destination answers at; absent until it has answered.",
  hopwise_path_changes_total: "Times the path to the target changed since the service started.",
  hopwise_finding: "1 for each finding that holds now (ttl empty: the whole path).",
  hopwise_hop_sent_total: "Probes sent with this TTL since the service started.",
  hopwise_hop_received_total: "Probes with this TTL answered since the service started.",
  hopwise_hop_rtt_seconds: "Round-trip times of the answers at this TTL since the service started.",
  hopwise_hop_last_rtt_seconds: "The round trip of the last answer at this TTL; absent before any.",
  hopwise_hop_address_info:
    "1 for each address that answered at this TTL in the current window (asn: its origin AS, country: its ISO country code, when known).",
  hopwise_hop_addresses_omitted: "Addresses that answered at this TTL in the window, not listed.",
} as const;

/** A target with the labels every series of it carries. */
interface LabelledTarget {
  figures: TargetFigures;
  /** `target` first, then the usable extra labels in the configuration's order. */
  labels: Labels;
}

/** A target's own labels, then its extra ones, with `more` between them. */
function withLabels(target: LabelledTarget, ...more: Labels): Labels {
  const [first, ...extra] = target.labels;
  return first === undefined ? more : [first, ...more, ...extra];
}

/**
 * The metrics of a fleet, in the Prometheus text exposition format 0.0.4 or,
 * with `openMetrics`, in OpenMetrics 1.0.0 text (ending with `# EOF`); serve
 * them with {@linkcode PROMETHEUS_CONTENT_TYPE} or
 * {@linkcode OPENMETRICS_CONTENT_TYPE}. Every family has its `# HELP` and
 * `# TYPE`, even when it has no sample. Label values are escaped; each target's
 * extra labels are added to all its series, except those whose name
 * {@linkcode isExtraLabelName} refuses. A label set that comes twice in a
 * family (a finding of the same kind and TTL, an address listed twice) is
 * written once, the first time.
 *
 * @example
 * ```ts
 * import { formatMetrics } from "./metrics.ts";
 *
 * const text = formatMetrics({ version: "0.1.0", probesSent: 0, sendErrors: {}, targets: [] });
 * text.includes('hopwise_build_info{version="0.1.0"} 1'); // true
 * ```
 */
export function formatMetrics(figures: FleetFigures, options: MetricsOptions = {}): string {
  let text = "";
  for (const chunk of metricsText(figures, options)) text += chunk;
  return text;
}

/**
 * {@linkcode formatMetrics}'s text in pieces of about 64 KB, made as they
 * are asked for: a server streams them, so that a thousand targets' 11 MB
 * are sent while the rest is written, and its other work (probing) goes on
 * between the pieces.
 */
export function* metricsText(
  figures: FleetFigures,
  options: MetricsOptions = {},
): Generator<string, void, undefined> {
  const out = new Exposition(options.openMetrics ?? false, RTT_BUCKETS_SECONDS);
  const family = (type: MetricType, name: keyof typeof HELP) => out.family(type, name, HELP[name]);
  // Two targets of one label set would be one series twice: the first is kept.
  const seen = new Set<string>();
  const targets: LabelledTarget[] = figures.targets.map((t): LabelledTarget => ({
    figures: t,
    labels: [
      ["target", t.target],
      ...Object.entries(t.labels).filter(([name]) => isExtraLabelName(name)),
    ],
  })).filter((t) => {
    const key = labelText(t.labels);
    return !seen.has(key) && seen.add(key) !== undefined;
  });
  const hops = targets.flatMap((t) =>
    t.figures.hops.map((hop) => {
      const ttl = ["ttl", String(hop.ttl)] as const;
      const pairs = labelPairs(withLabels(t, ttl));
      return { t, hop, ttl, pairs, labels: `{${pairs}}` };
    })
  );

  family("gauge", "hopwise_build_info");
  out.sample([["version", figures.version]], 1);
  family("counter", "hopwise_probes_sent_total");
  out.sample([], figures.probesSent);
  family("counter", "hopwise_probe_send_errors_total");
  for (const reason of Object.keys(figures.sendErrors).sort()) {
    out.sample([["reason", reason]], figures.sendErrors[reason]!);
  }

  family("gauge", "hopwise_target_up");
  for (const t of targets) out.sample(withLabels(t), t.figures.up ? 1 : 0);
  family("gauge", "hopwise_target_down_info");
  for (const t of targets.filter((t) => !t.figures.up)) {
    out.sample(withLabels(t, ["reason", t.figures.downReason ?? ""]), 1);
  }
  yield out.take();
  family("counter", "hopwise_cycles_total");
  for (const t of targets) out.sample(withLabels(t), t.figures.cycles);
  family("gauge", "hopwise_destination_reached");
  for (const t of targets) out.sample(withLabels(t), t.figures.reached ? 1 : 0);
  family("gauge", "hopwise_path_hops");
  for (const t of targets) {
    if (t.figures.pathHops !== null) out.sample(withLabels(t), t.figures.pathHops);
  }
  yield out.take();
  family("counter", "hopwise_path_changes_total");
  for (const t of targets) out.sample(withLabels(t), t.figures.pathChanges);
  family("gauge", "hopwise_finding");
  for (const t of targets) {
    for (const { kind, ttl } of t.figures.findings) {
      out.sample(withLabels(t, ["kind", kind], ["ttl", ttl === null ? "" : String(ttl)]), 1, true);
    }
  }
  yield out.take();

  family("counter", "hopwise_hop_sent_total");
  for (const { hop, labels } of hops) {
    out.sample(labels, hop.sent);
    if (out.full) yield out.take();
  }
  family("counter", "hopwise_hop_received_total");
  for (const { hop, labels } of hops) {
    out.sample(labels, hop.received);
    if (out.full) yield out.take();
  }
  family("histogram", "hopwise_hop_rtt_seconds");
  for (const { hop, pairs } of hops) {
    out.histogram(pairs, hop.rttBuckets, hop.rttCount, hop.rttSum);
    if (out.full) yield out.take();
  }
  family("gauge", "hopwise_hop_last_rtt_seconds");
  for (const { hop, labels } of hops) {
    if (hop.lastRtt !== null) out.sample(labels, hop.lastRtt);
    if (out.full) yield out.take();
  }
  family("gauge", "hopwise_hop_address_info");
  for (const { t, hop, ttl } of hops) {
    for (const { address, name, identity } of hop.addresses) {
      const known: Labels = [
        ...(identity?.asn !== undefined ? [["asn", String(identity.asn)] as const] : []),
        ...(identity?.country !== undefined ? [["country", identity.country] as const] : []),
      ];
      out.sample(withLabels(t, ttl, ["address", address], ["name", name ?? ""], ...known), 1, true);
    }
    if (out.full) yield out.take();
  }
  family("gauge", "hopwise_hop_addresses_omitted");
  for (const { hop, labels } of hops) out.sample(labels, hop.addressesOmitted);
  yield out.take() + out.end();
}
