/**
 * Hop lists read from `-n` output, and how one run's list differs from a
 * reference run's.
 *
 * @module
 */

/** Address(es) shown per TTL, `*` for a hop where no probe was answered. */
export type HopList = Map<number, string>;

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6 = /^[0-9a-f:]+:[0-9a-f:]*$/;

/** Parses `-n` output: for each hop line, its distinct addresses joined by `/`, or `*`. */
export function hopList(output: string): HopList {
  const hops: HopList = new Map();
  for (const line of output.split("\n")) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const tokens = (match[2] ?? "").split(/\s+/);
    const addresses = [...new Set(tokens.filter((t) => IPV4.test(t) || IPV6.test(t)))];
    hops.set(Number(match[1]), addresses.length ? addresses.join("/") : "*");
  }
  return hops;
}

/** A hop list as one line: `1 198.18.1.2, 2 *, ...`. */
export function hopText(hops: HopList): string {
  return [...hops].map(([ttl, text]) => `${ttl} ${text}`).join(", ");
}

/** The TTL of the first line showing `target`, or null. */
export function destinationTtl(hops: HopList, target: string): number | null {
  for (const [ttl, text] of hops) if (text.split("/").includes(target)) return ttl;
  return null;
}

/** The hop list most runs printed (first seen wins a tie), and how many printed it. */
export function modal(lists: readonly HopList[]): { hops: HopList; count: number } {
  const counts = new Map<string, { hops: HopList; count: number }>();
  for (const hops of lists) {
    const key = hopText(hops);
    const entry = counts.get(key) ?? { hops, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { hops: HopList; count: number } = { hops: new Map(), count: 0 };
  for (const entry of counts.values()) if (entry.count > best.count) best = entry;
  return best;
}

/** How a run's hop list differs from a reference (topology D's counts). */
export interface Discrepancy {
  /** Lines past the reference's destination TTL. */
  phantom: number;
  /** TTLs up to the destination where the reference has an address and the run none. */
  missing: number;
  /** TTLs where the run shows an address the reference has at another TTL, or another one. */
  wrong: number;
}

/** Counts how `run` differs from `reference`, up to the reference's `target` line. */
export function compareHops(run: HopList, reference: HopList, target: string): Discrepancy {
  const last = destinationTtl(reference, target) ?? Math.max(0, ...reference.keys());
  const placed = new Map<string, number>();
  for (const [ttl, text] of reference) {
    for (const address of text.split("/")) if (address !== "*") placed.set(address, ttl);
  }
  let phantom = 0;
  let missing = 0;
  let wrong = 0;
  for (const [ttl, text] of run) {
    if (ttl > last) {
      phantom++;
      continue;
    }
    const expected = reference.get(ttl) ?? "*";
    if (text === "*") continue;
    const addresses = text.split("/");
    if (expected === "*") {
      if (addresses.some((a) => placed.has(a) && placed.get(a) !== ttl)) wrong++;
    } else if (addresses.some((a) => !expected.split("/").includes(a))) {
      wrong++;
    }
  }
  for (const [ttl, text] of reference) {
    if (ttl > last || text === "*") continue;
    const shown = run.get(ttl) ?? "*";
    if (shown === "*") missing++;
  }
  return { phantom, missing, wrong };
}

/** The minimum RTT shown on the line of `hop`, or null. */
export function minRttAt(output: string, hop: number): number | null {
  const line = output.split("\n").find((l) => new RegExp(`^\\s*${hop}\\s`).test(l));
  const values = [...(line ?? "").matchAll(/ (\d+\.\d+) ms/g)].map((m) => Number(m[1]));
  return values.length ? Math.min(...values) : null;
}

/** How many probes a classic output line set shows: one per RTT value and per `*`. */
export function probesShown(output: string): number {
  let count = 0;
  for (const line of output.split("\n")) {
    const match = /^\s*\d+\s+(.*)$/.exec(line);
    if (!match) continue;
    count += [...(match[1] ?? "").matchAll(/ ms\b|(?:^|\s)\*(?=\s|$)/g)].length;
  }
  return count;
}
