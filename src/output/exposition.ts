/**
 * The Prometheus text exposition format 0.0.4 and OpenMetrics 1.0.0 text,
 * written: families whole, one after the other (OpenMetrics forbids
 * interleaving), values as Prometheus's Go client writes them, label values
 * escaped, in pieces of about 64 KB. Which series there are is metrics.ts's.
 *
 * The two formats differ only where OpenMetrics requires it: a counter's
 * `# TYPE` and `# HELP` name its family without `_total` (the samples keep
 * it), seconds have a `# UNIT` line, metadata comes in the order TYPE, UNIT,
 * HELP, and the exposition ends with `# EOF`.
 *
 * @module
 */

/** A label name and its value, in the order written. */
export type Labels = ReadonlyArray<readonly [string, string]>;

/** A family's kind, as its `# TYPE` line says. */
export type MetricType = "counter" | "gauge" | "histogram";

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

/** A label value with backslash, double quote and newline escaped. */
function escapeLabel(text: string): string {
  if (!/[\\"\n]/.test(text)) return text;
  return text.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** The labels of a sample without their braces, `a="x",b="y"`. */
export function labelPairs(labels: Labels): string {
  let out = "";
  for (const [name, text] of labels) {
    out += `${out === "" ? "" : ","}${name}="${escapeLabel(text)}"`;
  }
  return out;
}

/** The labels of a sample, `{a="x",b="y"}`, or nothing when there are none. */
export function labelText(labels: Labels): string {
  return labels.length === 0 ? "" : `{${labelPairs(labels)}}`;
}

/** The size of a piece worth sending, characters. */
const PIECE = 65536;

/** Writes families one after the other, each whole (OpenMetrics forbids interleaving). */
export class Exposition {
  readonly #openMetrics: boolean;
  readonly #bounds: readonly string[];
  /** The text so far: one string grown line by line (an array of 150,000 lines, joined, cost twice as much). */
  #out = "";
  /** The current family's name as its samples have it (a counter's with `_total`). */
  #name = "";
  /** The label sets written in the current family: a second sample of one is left out. */
  #seen = new Set<string>();

  /**
   * Text in OpenMetrics 1.0.0 (`openMetrics`) or in the Prometheus format
   * 0.0.4; `buckets` are every histogram's upper bounds but +Inf.
   */
  constructor(openMetrics: boolean, buckets: readonly number[]) {
    this.#openMetrics = openMetrics;
    this.#bounds = buckets.map(bound);
  }

  /**
   * Starts a family: its metadata lines. `name` is as samples have it (a
   * counter's with `_total`); a name ending in `_seconds` has that unit.
   */
  family(type: MetricType, name: string, help: string): void {
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
   * One histogram's samples in the current family: every bucket (`counts`,
   * cumulative, one a bound; a missing one counts what the one below it
   * does), +Inf, `_sum`, `_count`; `pairs` is its label text without braces.
   */
  histogram(pairs: string, counts: readonly number[], count: number, sum: number): void {
    const name = this.#name;
    const bounds = this.#bounds;
    const bucket = `${name}_bucket{${pairs},le="`;
    let out = "";
    let below = 0;
    for (let i = 0; i < bounds.length; i++) {
      below = Math.max(below, counts[i] ?? below);
      out += `${bucket}${bounds[i]}"} ${value(below)}\n`;
    }
    out += `${bucket}+Inf"} ${value(count)}\n`;
    out += `${name}_sum{${pairs}} ${value(sum)}\n`;
    this.#out += `${out}${name}_count{${pairs}} ${value(count)}\n`;
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
