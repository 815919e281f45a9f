/**
 * The columns of the report, the live screen and the CSV: mtr's statistics
 * ({@linkcode COLUMNS}) and the identity columns of the address a row shows
 * (`ASN`, `AS_Name`, `CC`, `City`: what `--as-source` and `--geoip` learnt),
 * in the order `--columns` gives them. An identity column is text, left
 * aligned, as wide as its widest value (within a cap) or its header; a value
 * that is not known is blank. Without identity columns a row is exactly
 * mtr's ({@linkcode formatCells}).
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import { asnText, identityWord } from "../lookup/identity_text.ts";
import {
  BLANK_COLUMN,
  type Column,
  COLUMNS,
  layoutCells,
  parseColumnList,
} from "../stats/columns.ts";
import type { SeriesValues } from "../stats/series.ts";

/** A column of what is known of a row's address. */
export interface IdentityColumn {
  /** Tells it from a statistics column. */
  readonly kind: "identity";
  /** The name `--columns` takes (case-insensitive), and the CSV's header. */
  readonly name: string;
  /** Other names `--columns` takes. */
  readonly aliases: readonly string[];
  /** The header of the report and the screen. */
  readonly header: string;
  /** What it shows. */
  readonly description: string;
  /** The widest its text is shown (longer text is cut). */
  readonly maxWidth: number;
  /** The text shown ("" when unknown), escaped for a terminal. */
  text(identity: AddressIdentity | undefined): string;
  /** The value for the CSV (the AS a number, text escaped as shown), or null when unknown. */
  value(identity: AddressIdentity | undefined): string | number | null;
}

/** A column of the report, the screen or the CSV. */
export type ReportColumn = Column | IdentityColumn;

/** Whether `column` is an identity column. */
export function isIdentityColumn(column: ReportColumn): column is IdentityColumn {
  return "kind" in column && column.kind === "identity";
}

function identityColumn(
  name: string,
  header: string,
  aliases: string[],
  description: string,
  maxWidth: number,
  value: (identity: AddressIdentity) => string | number | null | undefined,
  text: (identity: AddressIdentity) => string | null,
): IdentityColumn {
  return {
    kind: "identity",
    name,
    aliases,
    header,
    description,
    maxWidth,
    text: (identity) => (identity === undefined ? null : text(identity)) ?? "",
    value: (identity) => (identity === undefined ? undefined : value(identity)) ?? null,
  };
}

/** Untrusted text escaped (see identity_text.ts), or null when unknown. */
const word = (text: string | undefined) => (text === undefined ? null : identityWord(text));

/** The identity columns, in the order they are listed. */
export const IDENTITY_COLUMNS: readonly IdentityColumn[] = [
  identityColumn("ASN", "ASN", ["AS"], "Origin AS number (AS64502)", 12, (i) => i.asn, asnText),
  identityColumn(
    "AS_Name",
    "AS Name",
    ["ASName", "AS-Name"],
    "The origin AS's name",
    24,
    (i) => word(i.asName),
    (i) => word(i.asName),
  ),
  identityColumn(
    "CC",
    "CC",
    ["Country"],
    "ISO 3166 country code",
    3,
    (i) => word(i.country),
    (i) => word(i.country),
  ),
  identityColumn("City", "City", [], "City", 20, (i) => word(i.city), (i) => word(i.city)),
];

/** The columns the live screen's `z` key shows when none were given: mtr's `z` (the AS). */
export const AS_COLUMNS: readonly IdentityColumn[] = IDENTITY_COLUMNS.slice(0, 2);

/** What a run looks up of its responders, as far as the columns go. */
export interface LookedUp {
  /** AS numbers: with their names (Team Cymru, a database), without (whois), or none. */
  readonly as: "named" | "numbered" | null;
  /** Places (`--geoip`). */
  readonly places: boolean;
}

/**
 * The identity columns a run's lookups fill, in their listed order: `ASN`
 * with an AS source (and `AS_Name` where it names ASes), `CC` and `City`
 * with places.
 *
 * @example
 * ```ts
 * import { lookedUpColumns } from "./columns.ts";
 * lookedUpColumns({ as: "numbered", places: true }).map((c) => c.name); // ["ASN", "CC", "City"]
 * ```
 */
export function lookedUpColumns(lookups: LookedUp): IdentityColumn[] {
  const [asn, asName, cc, city] = IDENTITY_COLUMNS as [
    IdentityColumn,
    IdentityColumn,
    IdentityColumn,
    IdentityColumn,
  ];
  return [
    ...(lookups.as !== null ? [asn] : []),
    ...(lookups.as === "named" ? [asName] : []),
    ...(lookups.places ? [cc, city] : []),
  ];
}

/** Every column `--columns` takes: the statistics, then the identity columns. */
export const REPORT_COLUMNS: readonly ReportColumn[] = [...COLUMNS, ...IDENTITY_COLUMNS];

/**
 * The columns a `--columns` list names (statistics and identity columns,
 * in any order), as {@linkcode parseColumnList} reads lists.
 *
 * @example
 * ```ts
 * import { parseReportColumns } from "./columns.ts";
 * parseReportColumns("asn,as_name loss% snt").map((c) => c.name); // ["ASN", "AS_Name", "Loss%", "Snt"]
 * ```
 */
export function parseReportColumns(spec: string): ReportColumn[] {
  return parseColumnList<ReportColumn>(spec, REPORT_COLUMNS, BLANK_COLUMN);
}

/** Columns laid out: each with its width (a leading space included). */
export interface RowLayout {
  /** The columns, in order. */
  readonly columns: readonly ReportColumn[];
  /** Each one's width. */
  readonly widths: readonly number[];
}

/**
 * The layout of `columns` for rows showing `identities` (every address the
 * rows show): an identity column as wide as its widest text (at most its
 * cap) or its header, and a space.
 */
export function rowLayout(
  columns: readonly ReportColumn[],
  identities: () => Iterable<AddressIdentity | undefined>,
): RowLayout {
  const widths = columns.map((c) => {
    if (!isIdentityColumn(c)) return c.width;
    let widest = c.header.length;
    for (const identity of identities()) widest = Math.max(widest, c.text(identity).length);
    return Math.min(widest, Math.max(c.maxWidth, c.header.length)) + 1;
  });
  return { columns, widths };
}

/** The characters a row's cells take. */
export function rowWidth(layout: RowLayout): number {
  return layout.widths.reduce((sum, w) => sum + w, 0);
}

/** The header of a layout: statistics right-aligned (mtr's), identity columns left-aligned. */
export function formatRowHeader(layout: RowLayout): string {
  return layoutCells(
    layout.widths,
    layout.columns.map((c, i) =>
      isIdentityColumn(c)
        ? " " + c.header.padEnd(layout.widths[i]! - 1)
        : c.header.padStart(layout.widths[i]!)
    ),
  );
}

/**
 * A row's cells: the statistics of `values` as mtr shows them, the
 * identity columns' text of `identity`, cut to their width. `blank` says
 * which statistics columns the row leaves blank.
 */
export function formatRowCells(
  layout: RowLayout,
  values: SeriesValues,
  identity: AddressIdentity | undefined,
  blank: (column: Column) => boolean = () => false,
): string {
  return layoutCells(
    layout.widths,
    layout.columns.map((c, i) => {
      const width = layout.widths[i]!;
      if (isIdentityColumn(c)) return " " + c.text(identity).slice(0, width - 1).padEnd(width - 1);
      return blank(c) ? " ".repeat(width) : c.format(values);
    }),
  );
}
