/**
 * The frames of the live screen (`--watch`), laid out as mtr's curses
 * screen: a title line, a line of keys, a header with the columns, then one
 * row per hop and a footer. Pure: a {@linkcode ScreenView} and a size in, the
 * frame's lines out (each at most `size.columns` characters, at most
 * `size.rows` lines; nothing ever wraps).
 *
 * A hop's row is `NN. host`, the statistics cells, a marker field and the
 * history strip:
 *
 * - the host is the address with the most replies (its name unless numeric),
 *   `???` for a hop that never answered; the hop's further addresses (load
 *   balancing, a path change) follow on lines of their own with their share;
 * - the marker field (two letters) says what the findings of
 *   `explainReport` say of the hop ({@linkcode MARKERS}): an upper-case letter
 *   where a finding begins, a lower-case one where it is carried (`L` loss
 *   begins here, `l` carried from an earlier hop);
 * - the strip shows one character per recent cycle, the newest on the right,
 *   every hop's strip aligned on the same cycles: the round trip of the cycle
 *   against the hop's average (`.` `-` `+` `#`, or `▁` `▃` `▅` `█` with
 *   `unicode`: up to 1.25×, 2×, 4×, past 4× the average, anything within
 *   1 ms of it counting as the first), `?` lost, `!` partly lost (some of the
 *   cycle's probes lost), a space while waiting or for a cycle not probed.
 *
 * Too narrow: the strip loses characters first, then the host is cut (down
 * to {@linkcode MIN_HOST_WIDTH}), then each line is cut at the edge. Too
 * short: the first hops are shown and the footer says how many more there are.
 *
 * @module
 */
import type { ReportFinding, ReportFindingKind } from "../explain/report.ts";
import type { WatchSettings, WatchSnapshot } from "../core/watch_model.ts";
import type { HistoryEntry, HopStatsJson } from "../stats/mod.ts";
import type { TraceStart } from "../core/model.ts";
import { addressesByReplies, hopsLayout, hostLabel, identityOf, reportedHops } from "./report.ts";
import { formatRowCells, formatRowHeader, type ReportColumn, rowWidth } from "./columns.ts";

/** A terminal's size in characters. */
export interface ScreenSize {
  /** Characters per line. */
  columns: number;
  /** Lines. */
  rows: number;
}

/** What a frame shows. */
export interface ScreenView {
  /** The program and its version, first on the title line (`hopwise 0.1.0`). */
  program: string;
  /** The run's start, or null before it has opened. */
  start: TraceStart | null;
  /** The run's settings, or null before it has opened. */
  watch: WatchSettings | null;
  /** The latest statistics, or null before the first. */
  snapshot: WatchSnapshot | null;
  /** The columns shown, in order (statistics and identity columns). */
  columns: readonly ReportColumn[];
  /** Addresses only; names otherwise (when looked up). */
  numeric: boolean;
  /** The run is paused. */
  paused: boolean;
  /** The help overlay is shown instead of the hops. */
  help: boolean;
  /** What `explainReport` finds in the snapshot. */
  findings: readonly ReportFinding[];
  /** A message for the footer ("" for none). */
  status: string;
  /** Draw the strip with Unicode blocks (the locale is UTF-8); ASCII otherwise. */
  unicode?: boolean;
}

/** The marker letter of each kind of finding (upper case where it begins, lower case where carried). */
export const MARKERS: Readonly<Record<ReportFindingKind, string>> = {
  "fault": "F",
  "loss": "L",
  "destination-loss": "D",
  "rate-limited": "R",
  "latency-jump": "J",
  "slow-responder": "S",
  "path-change": "P",
  "ecmp": "E",
};

/** The strip's characters: round-trip bands (lowest first), lost, partly lost, waiting. */
export interface StripCharacters {
  /** One per band: up to 1.25×, 2×, 4× and past 4× the hop's average. */
  bands: readonly [string, string, string, string];
  /** Every probe of the cycle lost. */
  lost: string;
  /** Some of the cycle's probes lost, some answered. */
  partial: string;
  /** Nothing settled yet, or the hop not probed in that cycle. */
  pending: string;
}

/** The strip in ASCII. */
export const ASCII_STRIP: StripCharacters = {
  bands: [".", "-", "+", "#"],
  lost: "?",
  partial: "!",
  pending: " ",
};

/** The strip in Unicode blocks (for a UTF-8 locale). */
export const UNICODE_STRIP: StripCharacters = {
  bands: ["\u2581", "\u2583", "\u2585", "\u2588"],
  lost: "?",
  partial: "!",
  pending: " ",
};

/** The host field is never cut below this many characters (lines are cut at the edge instead). */
export const MIN_HOST_WIDTH = 8;
/** The widest the host field grows. */
const MAX_HOST_WIDTH = 40;
/** The marker field: a space and two letters. */
const MARKER_WIDTH = 3;
/** The `NN. ` before the host. */
const TTL_WIDTH = 5;

/** The band of a round trip against the hop's average (0 to 3). */
export function rttBand(rtt: number, mean: number): 0 | 1 | 2 | 3 {
  if (rtt - mean <= 1 || rtt <= 1.25 * mean) return 0;
  if (rtt <= 2 * mean) return 1;
  if (rtt <= 4 * mean) return 2;
  return 3;
}

/** The character of one cycle's probes at a hop (see the module doc). */
export function cycleCharacter(
  outcomes: readonly HistoryEntry["outcome"][],
  mean: number | null,
  chars: StripCharacters = ASCII_STRIP,
): string {
  const rtts = outcomes.filter((o): o is number => typeof o === "number");
  const lost = outcomes.filter((o) => o === "lost").length;
  if (rtts.length === 0) return lost > 0 ? chars.lost : chars.pending;
  if (lost > 0) return chars.partial;
  const rtt = rtts.reduce((a, b) => a + b, 0) / rtts.length;
  return chars.bands[rttBand(rtt, mean ?? rtt)];
}

/** The cycles the strips show: the newest `width` (at most) that any hop's history holds. */
export function stripCycles(hops: readonly HopStatsJson[], width: number): number[] {
  let first = Infinity;
  let last = -Infinity;
  for (const hop of hops) {
    for (const e of hop.history) {
      first = Math.min(first, e.cycle);
      last = Math.max(last, e.cycle);
    }
  }
  if (width <= 0 || last < first) return [];
  const from = Math.max(first, last - width + 1);
  return Array.from({ length: last - from + 1 }, (_, i) => from + i);
}

/** A hop's strip over `cycles`. */
export function historyStrip(
  hop: HopStatsJson,
  cycles: readonly number[],
  chars: StripCharacters = ASCII_STRIP,
): string {
  const byCycle = new Map<number, HistoryEntry["outcome"][]>();
  for (const e of hop.history) {
    const list = byCycle.get(e.cycle);
    if (list) list.push(e.outcome);
    else byCycle.set(e.cycle, [e.outcome]);
  }
  return cycles.map((c) => cycleCharacter(byCycle.get(c) ?? [], hop.mean, chars)).join("");
}

/** The marker letters of each hop, by TTL: the findings' letters in {@linkcode MARKERS} order. */
export function hopMarkers(findings: readonly ReportFinding[]): Map<number, string> {
  const order = Object.keys(MARKERS) as ReportFindingKind[];
  const sorted = [...findings].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const carried = new Set<ReportFindingKind>(["loss", "latency-jump"]);
  const out = new Map<number, string>();
  for (const f of sorted) {
    f.hops.forEach((ttl, i) => {
      const letter = carried.has(f.kind) && i > 0 ? MARKERS[f.kind].toLowerCase() : MARKERS[f.kind];
      const had = out.get(ttl) ?? "";
      if (!had.includes(letter)) out.set(ttl, had + letter);
    });
  }
  return out;
}

/** The lines of the help overlay. */
export function helpLines(unicode = false): string[] {
  const s = unicode ? UNICODE_STRIP : ASCII_STRIP;
  return [
    "Keys",
    "  h  this help on/off (Esc closes it)   p  pause / resume",
    "  r  reset the statistics               n  names / addresses",
    "  j  jitter columns / the columns given  Ctrl-L  redraw",
    "  z  AS and place columns on/off (those given, else ASN and AS Name)",
    "  q  quit                               Ctrl-C  interrupt (status 130)",
    "Markers after the figures (upper case: begins here; lower case: carried)",
    "  R  rate-limited: the router limits its own ICMP replies; not loss",
    "  L  loss begins here (l: carried on)   D  only the destination loses",
    "  J  the round trip jumps here (j: carried on)",
    "  S  slow to answer, the path through it is not slow",
    "  P  path change   E  several addresses (ECMP)   F  probes could not be sent",
    "History: one character a cycle, the newest on the right",
    `  ${s.bands.join(" ")}  round trip up to 1.25x, 2x, 4x, past 4x the hop's average`,
    `  ${s.lost}  lost   ${s.partial}  partly lost   (blank) waiting or not probed`,
  ];
}

/** `ms` as seconds, `0.2 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Parts joined by two spaces while they fit in `width`; the first always (cut to fit). */
function fitParts(parts: readonly string[], width: number): string {
  let line = parts[0] ?? "";
  for (const part of parts.slice(1)) {
    if (line.length + 2 + part.length <= width) line += "  " + part;
  }
  return line;
}

/** The title line: the program, the target, paused, the cycles and the interval. */
function titleLine(view: ScreenView, width: number): string {
  const { start, watch, snapshot } = view;
  const target = start
    ? start.target.host === start.target.address
      ? start.target.address
      : `${start.target.host} (${start.target.address})`
    : "starting";
  const parts = [`${view.program}: ${target}`];
  if (view.paused) parts.push("[paused]");
  if (snapshot && watch) {
    parts.push(
      `cycles ${snapshot.cycles}${Number.isFinite(watch.cycles) ? `/${watch.cycles}` : ""}`,
    );
  }
  if (watch) parts.push(`every ${seconds(watch.interval)}`);
  if (watch && watch.flows > 1) parts.push(`${watch.flows} flows`);
  return fitParts(parts, width);
}

/** The keys line, as mtr's. */
function keysLine(view: ScreenView, width: number): string {
  return fitParts([
    "Keys:",
    "h help",
    view.paused ? "p resume" : "p pause",
    "r reset",
    view.numeric ? "n names" : "n addresses",
    "j jitter",
    "q quit",
    // Only when there is something to show: without lookups the line is as it was.
    ...(Object.keys(view.snapshot?.identities ?? {}).length > 0 ? ["z AS"] : []),
  ], width);
}

/** One group of lines: a hop's row and its further addresses. */
interface HopLines {
  row: string;
  more: string[];
}

/** Lays the hops out in `width` columns. */
function hopLines(
  view: ScreenView,
  snapshot: WatchSnapshot,
  hops: readonly HopStatsJson[],
  width: number,
): { header: string; groups: HopLines[] } {
  const labelOf = (address: string | null) =>
    address === null ? "(other addresses)" : hostLabel(address, snapshot, view.numeric);
  const labels = hops.map((h) => {
    const top = addressesByReplies(h)[0];
    return top ? labelOf(top.address) : "???";
  });
  const layout = hopsLayout(view.columns, snapshot, hops, false);
  const cellsWidth = rowWidth(layout);
  let hostWidth = Math.min(MAX_HOST_WIDTH, Math.max(12, ...labels.map((l) => l.length))) + 1;
  const fixed = () => TTL_WIDTH + hostWidth + cellsWidth + MARKER_WIDTH;
  const room = width - fixed() - 1;
  if (room < 1 && fixed() > width) {
    hostWidth = Math.max(MIN_HOST_WIDTH, hostWidth - (fixed() - width));
  }
  const cycles = stripCycles(hops, room);
  const chars = view.unicode ? UNICODE_STRIP : ASCII_STRIP;
  const markers = hopMarkers(view.findings);
  const cut = (label: string) => label.slice(0, hostWidth - 1).padEnd(hostWidth);
  const history = cycles.length >= 7 ? " History" : "";
  const header = " Host".padEnd(TTL_WIDTH + hostWidth) +
    formatRowHeader(layout).padEnd(cellsWidth + MARKER_WIDTH) + history;
  const groups = hops.map((hop, i): HopLines => {
    const top = addressesByReplies(hop)[0];
    const marker = (" " + (markers.get(hop.ttl) ?? "").slice(0, MARKER_WIDTH - 1))
      .padEnd(MARKER_WIDTH);
    const strip = cycles.length > 0 ? " " + historyStrip(hop, cycles, chars) : "";
    const row = `${String(hop.ttl).padStart(3)}. ${cut(labels[i]!)}` +
      formatRowCells(layout, hop, identityOf(snapshot, top?.address)).padEnd(cellsWidth) + marker +
      strip;
    const further = addressesByReplies(hop).slice(1);
    if (hop.other) further.push(hop.other);
    const more = further.map((a) =>
      `${" ".repeat(TTL_WIDTH + 2)}${labelOf(a.address)} (${Math.round(a.share * 100)}%)`
    );
    return { row: row.trimEnd(), more };
  });
  return { header: header.trimEnd(), groups };
}

/**
 * The lines of the hops that fit in `rows`: as many hop rows as fit, first,
 * then their further addresses in the rows left. Returns the lines and how
 * many hops are left out.
 */
function fitHeight(groups: readonly HopLines[], rows: number): [string[], number] {
  const shown = groups.slice(0, Math.max(0, rows));
  let spare = rows - shown.length;
  const out: string[] = [];
  for (const g of shown) {
    out.push(g.row);
    const more = g.more.slice(0, Math.max(0, spare));
    spare -= more.length;
    out.push(...more);
  }
  return [out, groups.length - shown.length];
}

/**
 * The frame of `view` in `size`: at most `size.rows` lines of at most
 * `size.columns` characters (see the module doc for the layout).
 */
export function renderScreen(view: ScreenView, size: ScreenSize): string[] {
  const width = Math.max(0, Math.floor(size.columns));
  const rows = Math.max(0, Math.floor(size.rows));
  const lines = [titleLine(view, width), keysLine(view, width)];
  // The footer takes the last line; the body what is left between.
  const body = Math.max(0, rows - lines.length - 2);
  let footer = view.status;
  if (view.help) {
    const help = helpLines(view.unicode ?? false);
    lines.push(...help.slice(0, body + 1));
    if (help.length > body + 1) footer = join("(enlarge the window for the whole help)", footer);
  } else if (view.snapshot === null || view.start === null) {
    lines.push("", view.start === null ? "Opening..." : "Waiting for the first cycle...");
  } else {
    const hops = reportedHops(view.snapshot, view.start.firstHop);
    const { header, groups } = hopLines(view, view.snapshot, hops, width);
    lines.push(header);
    const [shown, left] = fitHeight(groups, body);
    lines.push(...shown);
    if (left > 0) {
      footer = join(`... ${left} more hop${left === 1 ? "" : "s"} (enlarge the window)`, footer);
    }
  }
  if (footer !== "") lines.push(footer);
  return lines.slice(0, rows).map((l) => l.slice(0, width).trimEnd());
}

function join(a: string, b: string): string {
  return b === "" ? a : `${a}  ${b}`;
}
