/**
 * How the benchmark writes its figures: seconds, megabytes, ratios, and
 * tables padded to their widest cell.
 *
 * @module
 */

/** Milliseconds as seconds with three decimals, `-` for none. */
export function seconds(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? "-" : (ms / 1000).toFixed(3);
}

/** KiB as MB with one decimal, `-` for none. */
export function megabytes(kb: number | null): string {
  return kb === null ? "-" : `${(kb / 1024).toFixed(1)} MB`;
}

/** A ratio with two decimals, `-` for none. */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(2);
}

/** Ratios in the target lines: three decimals, so a ratio next to its limit reads right. */
export function ratio3(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(3);
}

/** A table: a header, a rule, the rows, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    "  " + cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}
