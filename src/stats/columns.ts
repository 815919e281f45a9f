/**
 * The statistics columns of the report and the live screen: mtr's fields
 * (`data_fields` in mtr's `ui/mtr.c`), their headers, widths and printf
 * formats, the default and jitter sets, and `--columns` parsing.
 *
 * @module
 */
import { printfFixed, printfInteger } from "./printf.ts";
import type { SeriesValues } from "./series.ts";

/** One column: how it is named, headed, sized and shown. */
export interface Column {
  /** mtr's field letter for `-o` (" " for the blank column). */
  readonly key: string;
  /** The name `--columns` takes (case-insensitive). */
  readonly name: string;
  /** Other names `--columns` takes. */
  readonly aliases: readonly string[];
  /** The header text, as mtr prints it. */
  readonly header: string;
  /** The cell's width with its leading space; a value too wide overflows it, as with printf. */
  readonly width: number;
  /** What it shows (mtr's remark). */
  readonly description: string;
  /** The value shown, in its unit (ms, a percent, a count); null when there is none. */
  value(s: SeriesValues): number | null;
  /** The cell as mtr prints it: `width` characters, or more on overflow. */
  format(s: SeriesValues): string;
}

/** A time column: ms shown as mtr's `" %5.1f"` (`" %4.1f"` for jitter); none shows as 0.0, as mtr. */
function time(
  key: string,
  name: string,
  description: string,
  width: number,
  get: (s: SeriesValues) => number | null,
): Column {
  return {
    key,
    name,
    aliases: [],
    header: name,
    width,
    description,
    value: get,
    format: (s) => " " + printfFixed(get(s) ?? 0, 1, width - 1),
  };
}

/** A count column, as mtr's `" %Nd"`. */
function count(
  key: string,
  name: string,
  header: string,
  aliases: string[],
  description: string,
  width: number,
  get: (s: SeriesValues) => number,
): Column {
  return {
    key,
    name,
    aliases,
    header,
    width,
    description,
    value: get,
    format: (s) => " " + printfInteger(get(s), width - 1),
  };
}

/** mtr's blank field (its space in `-o`): one space, named `_` for `--columns`. */
export const BLANK_COLUMN: Column = {
  key: " ",
  name: "_",
  aliases: [],
  header: " ",
  width: 1,
  description: "A space between columns",
  value: () => null,
  format: () => " ",
};

/**
 * Every column, in mtr's order (`data_fields`, mtr 0.96: `LDRSNBAWVGJMXI`),
 * after the blank one.
 */
export const COLUMNS: readonly Column[] = [
  BLANK_COLUMN,
  {
    key: "L",
    name: "Loss%",
    aliases: ["Loss"],
    header: "Loss%",
    width: 6,
    description: "Loss ratio, %",
    value: (s) => s.lossPercent,
    // mtr's net_loss keeps whole thousandths of a percent (truncated), shown as " %4.1f%%".
    format: (s) => ` ${printfFixed(Math.trunc(1000 * s.lossPercent) / 1000, 1, 4)}%`,
  },
  count("D", "Drop", "Drop", [], "Probes lost", 5, (s) => s.lost),
  count("R", "Recv", "Rcv", ["Rcv"], "Probes answered", 6, (s) => s.received),
  count("S", "Snt", "Snt", ["Sent"], "Probes sent", 6, (s) => s.sent),
  time("N", "Last", "Newest round trip, ms", 6, (s) => s.last),
  time("B", "Best", "Shortest round trip, ms", 6, (s) => s.best),
  time("A", "Avg", "Mean round trip, ms", 6, (s) => s.mean),
  time("W", "Wrst", "Longest round trip, ms", 6, (s) => s.worst),
  time("V", "StDev", "Standard deviation of the round trips, ms", 6, (s) => s.stdev),
  time("G", "Gmean", "Geometric mean of the round trips, ms", 6, (s) => s.geometricMean),
  time("J", "Jttr", "Current jitter, ms", 5, (s) => s.jitter),
  time("M", "Javg", "Mean jitter, ms", 5, (s) => s.jitterMean),
  time("X", "Jmax", "Worst jitter, ms", 5, (s) => s.jitterMax),
  time("I", "Jint", "Interarrival jitter (mtr's accumulator)", 5, (s) => s.jitterInterarrival),
];

/**
 * The columns of mtr's `-o` letters: a space is the blank column, `_` is
 * skipped (mtr takes it and shows nothing), repeats are allowed (as mtr).
 * An unknown letter is a RangeError.
 */
export function columnsFromKeys(keys: string): Column[] {
  const columns: Column[] = [];
  for (const key of keys) {
    if (key === "_") continue;
    const column = COLUMNS.find((c) => c.key === key);
    if (column === undefined) {
      const valid = COLUMNS.map((c) => c.key).join("");
      throw new RangeError(`Unknown field letter "${key}": valid letters are "${valid}" and "_"`);
    }
    columns.push(column);
  }
  return columns;
}

/** mtr's default columns, `-o "LS NABWV"`: Loss% Snt, a blank, Last Avg Best Wrst StDev. */
export const DEFAULT_COLUMNS: readonly Column[] = columnsFromKeys("LS NABWV");

/** The columns mtr's `j` key switches to, `"DR AGJMXI"`: Drop Rcv, a blank, Avg Gmean Jttr Javg Jmax Jint. */
export const JITTER_COLUMNS: readonly Column[] = columnsFromKeys("DR AGJMXI");

/** What {@linkcode parseColumnList} needs of a column: its name and other names. */
export interface NamedColumn {
  /** The name a list takes (case-insensitive). */
  readonly name: string;
  /** Other names a list takes. */
  readonly aliases: readonly string[];
  /** The heading shown, which a list takes too (`AS Name`: its two words, one name). */
  readonly header?: string;
}

/**
 * The columns of `all` a list names: names (or aliases, or headings)
 * separated by commas and/or spaces, case-insensitive. `blank` may repeat; any other name given
 * twice, an unknown name or an empty list is a RangeError (whose message
 * lists the valid names). {@linkcode parseColumns} is this over
 * {@linkcode COLUMNS}; the report adds its own columns to `all`.
 */
export function parseColumnList<C extends NamedColumn>(
  spec: string,
  all: readonly C[],
  blank: C,
): C[] {
  const valid = () =>
    all.filter((c) => c !== blank).map((c) => c.name).join(", ") + ` ("${blank.name}": a blank)`;
  const named = (name: string) => {
    const lower = name.toLowerCase();
    return all.find((c) =>
      c.name.toLowerCase() === lower || c.header?.toLowerCase() === lower ||
      c.aliases.some((a) => a.toLowerCase() === lower)
    );
  };
  // Words between commas; two of them separated by spaces alone may be one heading ("AS Name").
  const segments = spec.split(",").map((s) => s.split(/\s+/).filter((w) => w !== ""));
  if (segments.every((words) => words.length === 0)) {
    throw new RangeError(`Column list is empty: valid columns are ${valid()}`);
  }
  const given: Array<[name: string, column: C | undefined]> = [];
  for (const words of segments) {
    for (let i = 0; i < words.length; i++) {
      const pair = i + 1 < words.length ? `${words[i]} ${words[i + 1]}` : null;
      const two = pair === null ? undefined : named(pair);
      if (two) {
        given.push([pair!, two]);
        i++;
      } else given.push([words[i]!, named(words[i]!)]);
    }
  }
  const columns: C[] = [];
  for (const [name, column] of given) {
    if (column === undefined) {
      throw new RangeError(`Unknown column "${name}": valid columns are ${valid()}`);
    }
    if (column !== blank && columns.includes(column)) {
      throw new RangeError(`Column "${column.name}" is given twice`);
    }
    columns.push(column);
  }
  return columns;
}

/**
 * The columns a `--columns` option names: names (or aliases) separated by
 * commas and/or spaces, case-insensitive. `_` is the blank column and may
 * repeat; any other name given twice, an unknown name or an empty list is a
 * RangeError (whose message lists the valid names).
 *
 * @example
 * ```ts
 * import { parseColumns } from "./columns.ts";
 *
 * parseColumns("loss%, snt rcv,Avg").map((c) => c.name); // ["Loss%", "Snt", "Recv", "Avg"]
 * ```
 */
export function parseColumns(spec: string): Column[] {
  return parseColumnList(spec, COLUMNS, BLANK_COLUMN);
}

/**
 * Lays cells out as mtr does: each at the offset the widths before it add
 * up to, so a cell that overflows loses its end to the next (mtr's
 * report shows a 100% loss as `100.0`, its `%` overwritten).
 */
export function layoutCells(widths: readonly number[], cells: readonly string[]): string {
  let line = "";
  let at = 0;
  widths.forEach((width, i) => {
    line = line.slice(0, at).padEnd(at) + cells[i]!;
    at += width;
  });
  return line;
}

/** The header of `columns`, each right-aligned in its width (mtr's `%Ns`). */
export function formatHeader(columns: readonly Column[]): string {
  return layoutCells(columns.map((c) => c.width), columns.map((c) => c.header.padStart(c.width)));
}

/** The cells of `columns` for `s`, laid out as mtr's report and screen lay them out. */
export function formatCells(columns: readonly Column[], s: SeriesValues): string {
  return layoutCells(columns.map((c) => c.width), columns.map((c) => c.format(s)));
}
