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
 * The two formats differ only where OpenMetrics requires it: a counter's
 * `# TYPE` and `# HELP` name its family without `_total` (the samples keep
 * it), seconds have a `# UNIT` line, metadata comes in the order TYPE, UNIT,
 * HELP, and the exposition ends with `# EOF`. The `_info` metrics are gauges
 * of value 1 in both (as Prometheus's own clients expose their `*_info`
 * metrics): OpenMetrics's `info` type is for what does not change while the
 * process lives, which a hop's addresses and a target's state do, and the
 * series are the same whichever format was negotiated.
 *
 * @module
 */
import {
  type FleetFigures,
  type HopFigures,
  RTT_BUCKETS_SECONDS,
  type TargetFigures,
} from "../core/fleet_model.ts";

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

/** A label name and its value, in the order written. */
type Labels = ReadonlyArray<readonly [string, string]>;

/** A family's kind, as its `# TYPE` line says. */
type MetricType = "counter" | "gauge" | "histogram";

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

/**
 * `x` as Go's `strconv.FormatFloat(x, 'g', -1, 64)` writes it, which is how
 * Prometheus's Go client writes values: the shortest digits that read back
 * as `x`, in exponent form below 1e-4 and from 1e6 on (`1.5e-05`, `2e+06`).
 */
function goFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return "0";
  const [mantissa = "", exponent = "0"] = x.toExponential().split("e");
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const power = String(Math.abs(exp)).padStart(2, "0");
    return `${sign}${digits[0]}${fraction}e${exp < 0 ? "-" : "+"}${power}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fraction = digits.slice(exp + 1);
  return `${sign}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}

/** A sample's value: an integer as it is, other numbers as Prometheus's Go client writes them. */
function value(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : goFloat(x);
}

/**
 * A bucket's bound as OpenMetrics's canonical numbers have it (Go's `%g`,
 * with `.0` added to a whole number: `0.0001`, `2.5`, `1.0`, `+Inf`), in both
 * formats, so that a bucket's series is the same whichever was negotiated.
 */
function bound(x: number): string {
  const text = goFloat(x);
  return /^[-+]?[0-9]+$/.test(text) ? `${text}.0` : text;
}

/** Each bucket's bound, as its `le` label writes it. */
const BOUNDS: readonly string[] = RTT_BUCKETS_SECONDS.map(bound);

/** A label value with backslash, double quote and newline escaped. */
function escapeLabel(text: string): string {
  if (!/[\\"\n]/.test(text)) return text;
  return text.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** The labels of a sample without their braces, `a="x",b="y"`. */
function labelPairs(labels: Labels): string {
  let out = "";
  for (const [name, text] of labels) {
    out += `${out === "" ? "" : ","}${name}="${escapeLabel(text)}"`;
  }
  return out;
}

/** The labels of a sample, `{a="x",b="y"}`, or nothing when there are none. */
function labelText(labels: Labels): string {
  return labels.length === 0 ? "" : `{${labelPairs(labels)}}`;
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

/** The size of a piece of {@linkcode metricsText}, characters. */
const PIECE = 65536;

/** Writes families one after the other, each whole (OpenMetrics forbids interleaving). */
class Exposition {
  readonly #openMetrics: boolean;
  /** The text so far: one string grown line by line (an array of 150,000 lines, joined, cost twice as much). */
  #out = "";
  /** The current family's name as its samples have it (a counter's with `_total`). */
  #name = "";
  /** The label sets written in the current family: a second sample of one is left out. */
  #seen = new Set<string>();

  constructor(openMetrics: boolean) {
    this.#openMetrics = openMetrics;
  }

  /**
   * Starts a family: its metadata lines. `name` is as samples have it (a
   * counter's with `_total`); a name ending in `_seconds` has that unit.
   */
  family(type: MetricType, name: keyof typeof HELP): void {
    const help = HELP[name];
    this.#name = name;
    this.#seen = new Set();
    if (!this.#openMetrics) {
      const text = help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
      this.#out += `# HELP ${name} ${text}\n# TYPE ${name} ${type}\n`;
      return;
    }
    const family = type === "counter" ? name.replace(/_total$/, "") : name;
    this.#out += `# TYPE ${family} ${type}\n`;
    if (family.endsWith("_seconds")) this.#out += `# UNIT ${family} seconds\n`;
    this.#out += `# HELP ${family} ${escapeLabel(help)}\n`;
  }

  /** Whether the label text `key` is new in this family (and marks it seen). */
  #fresh(key: string): boolean {
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    return true;
  }

  /**
   * One sample of the current family (a counter's or gauge's); `labels` are
   * a label list or their text already made. Where two samples of a family
   * may share a label set (`distinct`), the second is left out.
   */
  sample(labels: Labels | string, x: number, distinct = false): void {
    const text = typeof labels === "string" ? labels : labelText(labels);
    if (distinct && !this.#fresh(text)) return;
    this.#out += `${this.#name}${text} ${value(x)}\n`;
  }

  /**
   * A hop's round trips as the current histogram's samples: every bucket,
   * +Inf, `_sum`, `_count`; `pairs` is its label text without braces.
   */
  histogram(pairs: string, hop: HopFigures): void {
    const name = this.#name;
    const bucket = `${name}_bucket{${pairs},le="`;
    let out = "";
    let below = 0;
    for (let i = 0; i < BOUNDS.length; i++) {
      // The buckets are cumulative; a missing one counts what the one below it counts.
      below = Math.max(below, hop.rttBuckets[i] ?? below);
      out += `${bucket}${BOUNDS[i]}"} ${value(below)}\n`;
    }
    out += `${bucket}+Inf"} ${value(hop.rttCount)}\n`;
    out += `${name}_sum{${pairs}} ${value(hop.rttSum)}\n`;
    this.#out += `${out}${name}_count{${pairs}} ${value(hop.rttCount)}\n`;
  }

  /** Whether the text so far is a piece worth sending (about 64 KB). */
  get full(): boolean {
    return this.#out.length >= PIECE;
  }

  /** The text so far, which it then forgets. */
  take(): string {
    const text = this.#out;
    this.#out = "";
    return text;
  }

  /** What ends the exposition: `# EOF` in OpenMetrics, nothing in the Prometheus format. */
  end(): string {
    return this.#openMetrics ? "# EOF\n" : "";
  }
}

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
  const out = new Exposition(options.openMetrics ?? false);
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

  out.family("gauge", "hopwise_build_info");
  out.sample([["version", figures.version]], 1);
  out.family("counter", "hopwise_probes_sent_total");
  out.sample([], figures.probesSent);
  out.family("counter", "hopwise_probe_send_errors_total");
  for (const reason of Object.keys(figures.sendErrors).sort()) {
    out.sample([["reason", reason]], figures.sendErrors[reason]!);
  }

  out.family("gauge", "hopwise_target_up");
  for (const t of targets) out.sample(withLabels(t), t.figures.up ? 1 : 0);
  out.family("gauge", "hopwise_target_down_info");
  for (const t of targets.filter((t) => !t.figures.up)) {
    out.sample(withLabels(t, ["reason", t.figures.downReason ?? ""]), 1);
  }
  yield out.take();
  out.family("counter", "hopwise_cycles_total");
  for (const t of targets) out.sample(withLabels(t), t.figures.cycles);
  out.family("gauge", "hopwise_destination_reached");
  for (const t of targets) out.sample(withLabels(t), t.figures.reached ? 1 : 0);
  out.family("gauge", "hopwise_path_hops");
  for (const t of targets) {
    if (t.figures.pathHops !== null) out.sample(withLabels(t), t.figures.pathHops);
  }
  yield out.take();
  out.family("counter", "hopwise_path_changes_total");
  for (const t of targets) out.sample(withLabels(t), t.figures.pathChanges);
  out.family("gauge", "hopwise_finding");
  for (const t of targets) {
    for (const { kind, ttl } of t.figures.findings) {
      out.sample(withLabels(t, ["kind", kind], ["ttl", ttl === null ? "" : String(ttl)]), 1, true);
    }
  }
  yield out.take();

  out.family("counter", "hopwise_hop_sent_total");
  for (const { hop, labels } of hops) {
    out.sample(labels, hop.sent);
    if (out.full) yield out.take();
  }
  out.family("counter", "hopwise_hop_received_total");
  for (const { hop, labels } of hops) {
    out.sample(labels, hop.received);
    if (out.full) yield out.take();
  }
  out.family("histogram", "hopwise_hop_rtt_seconds");
  for (const { hop, pairs } of hops) {
    out.histogram(pairs, hop);
    if (out.full) yield out.take();
  }
  out.family("gauge", "hopwise_hop_last_rtt_seconds");
  for (const { hop, labels } of hops) {
    if (hop.lastRtt !== null) out.sample(labels, hop.lastRtt);
    if (out.full) yield out.take();
  }
  out.family("gauge", "hopwise_hop_address_info");
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
  out.family("gauge", "hopwise_hop_addresses_omitted");
  for (const { hop, labels } of hops) out.sample(labels, hop.addressesOmitted);
  yield out.take() + out.end();
}
