/**
 * Local databases in MaxMind's format (`.mmdb`): an ASN database for
 * `--as-source=PATH` (GeoLite2-ASN, DB-IP ASN Lite, IPinfo Lite or ASN) and
 * a City or Country database for `--geoip=PATH` (GeoLite2, DB-IP Lite,
 * IPinfo). Read with mmdb-lib, loaded only when a database is given; a
 * database is read once a process, and again when asked to
 * ({@linkcode reopenDatabase}: the service's reload) if its file has changed.
 * Nothing leaves the machine.
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { failureReason } from "../core/errors.ts";
import type { AddressIdentity } from "../core/identity.ts";
import { formatAddress, parseIPv4, parseIPv6 } from "../packet/address.ts";

/** What a database is read for. */
export type DatabaseUse = "as" | "geo";

/** One record of a database, as decoded (its shape is the database's). */
type MmdbRecord = Record<string, unknown>;

/** The part of mmdb-lib's Reader used here. */
interface MmdbReader {
  metadata: { databaseType: string; ipVersion: number };
  getWithPrefixLength(address: string): [unknown, number];
}

/** An open database: what it says of an address. */
export interface Database {
  /** Its path. */
  readonly path: string;
  /** Its `database_type` (`GeoLite2-ASN`). */
  readonly type: string;
  /** The file it was read from: device, inode, size and change time (a new file differs). */
  readonly file: string;
  /**
   * What it says of `address` for `use` (`{}` when nothing).
   *
   * @throws {Error} when the record found does not read (a damaged file), naming the address
   */
  lookup(address: string, use: DatabaseUse): AddressIdentity;
}

/** The option each use is given by, for messages. */
const OPTION: Record<DatabaseUse, { name: string; flag: string }> = {
  as: { name: "asSource", flag: "--as-source" },
  geo: { name: "geoip", flag: "--geoip" },
};

/** The fields each use needs one of, as their names are spelt in messages. */
const NEEDED: Record<DatabaseUse, string> = {
  as: "autonomous_system_number or asn",
  geo: "country.iso_code, country_code, city or location",
};

const open = new Map<string, Promise<Database>>();

/**
 * Opens the database at `path` for `use`, once a process: it must be a
 * MaxMind DB whose records have the fields `use` needs.
 *
 * @throws {OptionError} (option `asSource` or `geoip`) when it is missing,
 *   unreadable, not an MMDB (or truncated), or without those fields
 */
export function openDatabase(path: string, use: DatabaseUse): Promise<Database> {
  const key = `${use}\0${path}`;
  let found = open.get(key);
  if (!found) {
    found = read(path, use);
    open.set(key, found);
    found.catch(() => open.delete(key));
  }
  return found;
}

/**
 * `current` read again when its file has changed (an updater such as
 * geoipupdate puts a new file in its place): the new database, which
 * {@linkcode openDatabase} gives from then on; null when the file is the
 * one read.
 *
 * @throws {OptionError} as {@linkcode openDatabase} does, when the file now
 *   there cannot be used (`current` stays)
 */
export async function reopenDatabase(
  current: Database,
  use: DatabaseUse,
): Promise<Database | null> {
  const now = await fileOf(current.path).catch(() => null);
  if (now === current.file) return null;
  const database = await read(current.path, use);
  open.set(`${use}\0${current.path}`, Promise.resolve(database));
  return database;
}

/** The identity of the file at `path` now: device, inode, size and change time. */
async function fileOf(path: string): Promise<string> {
  const info = await Deno.stat(path);
  return `${info.dev}:${info.ino}:${info.size}:${info.ctime?.getTime()}`;
}

async function read(path: string, use: DatabaseUse): Promise<Database> {
  const { name, flag } = OPTION[use];
  const fail = (why: string) => new OptionError(name, `${flag}: ${path}: ${why}`);
  let bytes: Uint8Array;
  let file: string;
  try {
    // The file's identity first: a file put in its place meanwhile is read again next time.
    file = await fileOf(path);
    bytes = await Deno.readFile(path);
  } catch (e) {
    // `--as-source=cymru` or `whois:host`: a word taken for a path; say what the sources are.
    const word = use === "as" && e instanceof Deno.errors.NotFound && !path.includes("/");
    throw fail(failureReason(e) + (word ? " (a source is whois, dns[:ZONE] or a path)" : ""));
  }
  // Without the metadata marker (a file of another kind, or one cut short: the metadata is at its
  // end), mmdb-lib's own words ("Unknown type NaN at offset 0") would say nothing useful.
  if (!hasMetadataMarker(bytes)) {
    throw fail("not a MaxMind database (no metadata section: not an .mmdb file, or cut short)");
  }
  const { Buffer } = await import("node:buffer");
  // mmdb-lib checks Buffer.isBuffer through the global, which Deno gives npm modules but not a
  // bundle of them (dist/cli.js).
  const global = globalThis as { Buffer?: unknown };
  global.Buffer ??= Buffer;
  // Named exports from Deno's npm loader; a bundle (dist/cli.js) gives the CommonJS module as default.
  const module: typeof import("mmdb-lib") & { default?: typeof import("mmdb-lib") } = await import(
    "mmdb-lib"
  );
  const Reader = module.Reader ?? module.default?.Reader;
  let reader: MmdbReader;
  try {
    reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    // mmdb-lib's words: "Cannot parse binary database", "Unsupported record size"...
    const why = e instanceof Error ? `: ${e.message}` : "";
    throw fail(`not a MaxMind database (damaged${why})`);
  }
  let sample: MmdbRecord | null;
  try {
    sample = firstRecord(reader);
  } catch {
    throw fail("not a MaxMind database (its search tree does not read: truncated?)");
  }
  const type = String(reader.metadata.databaseType);
  if (sample === null) throw fail(`holds no records (a ${type} database)`);
  if (Object.keys(pick(sample, use)).length === 0) {
    throw fail(`has no ${NEEDED[use]} field (a ${type} database)`);
  }
  return {
    path,
    type,
    file,
    lookup(address, asked) {
      let found: [unknown, number];
      try {
        found = reader.getWithPrefixLength(address);
      } catch (e) {
        // mmdb-lib's words ("Unknown type NaN at offset 7134") name no record: say whose it is.
        const why = e instanceof Error ? `: ${e.message}` : "";
        throw new Error(`the record of ${address} does not read (damaged${why})`);
      }
      const [record, length] = found;
      if (!isRecord(record)) return {};
      const identity = pick(record, asked);
      if (asked === "as" && identity.asn !== undefined) identity.prefix = prefixOf(address, length);
      return identity;
    },
  };
}

/** The bytes that begin an MMDB file's metadata section: 0xABCDEF, then `MaxMind.com`. */
const METADATA_MARKER = Uint8Array.of(0xab, 0xcd, 0xef, ...new TextEncoder().encode("MaxMind.com"));
/** How far from a file's end the format allows its metadata to begin. */
const METADATA_MAX = 128 * 1024;

/** Whether `bytes` hold an MMDB metadata marker where the format puts it (its last 128 KiB). */
function hasMetadataMarker(bytes: Uint8Array): boolean {
  const from = Math.max(0, bytes.length - METADATA_MAX);
  search: for (let at = bytes.length - METADATA_MARKER.length; at >= from; at--) {
    for (let i = 0; i < METADATA_MARKER.length; i++) {
      if (bytes[at + i] !== METADATA_MARKER[i]) continue search;
    }
    return true;
  }
  return false;
}

/** Whether a decoded value is a record (an object, not an array). */
function isRecord(value: unknown): value is MmdbRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `record[a][b]...`, when each step is a record. */
function field(record: MmdbRecord, ...path: string[]): unknown {
  let at: unknown = record;
  for (const step of path) at = isRecord(at) ? at[step] : undefined;
  return at;
}

/** A text field, when it is non-empty text. */
function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A number, from a number or decimal text (IPinfo writes some as text). */
function numeric(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/**
 * What a record says for `use`, under MaxMind's field names and IPinfo's
 * (DB-IP's Lite databases use MaxMind's).
 */
export function pick(record: MmdbRecord, use: DatabaseUse): AddressIdentity {
  const out: AddressIdentity = {};
  if (use === "as") {
    const number = numeric(record.autonomous_system_number) ??
      numeric(/^AS(\d+)$/i.exec(text(record.asn) ?? "")?.[1]) ?? numeric(record.asn);
    if (number !== undefined && Number.isInteger(number) && number >= 0) out.asn = number;
    const name = text(record.autonomous_system_organization) ?? text(record.as_name);
    if (out.asn !== undefined && name !== undefined) out.asName = name;
    return out;
  }
  const country = text(field(record, "country", "iso_code")) ??
    text(field(record, "registered_country", "iso_code")) ?? text(record.country_code);
  if (country !== undefined && /^[A-Za-z]{2}$/.test(country)) out.country = country.toUpperCase();
  const city = text(field(record, "city", "names", "en")) ?? text(record.city);
  if (city !== undefined) out.city = city;
  const latitude = numeric(field(record, "location", "latitude")) ?? numeric(record.latitude);
  const longitude = numeric(field(record, "location", "longitude")) ?? numeric(record.longitude);
  if (
    latitude !== undefined && longitude !== undefined && Math.abs(latitude) <= 90 &&
    Math.abs(longitude) <= 180
  ) {
    const accuracy = numeric(field(record, "location", "accuracy_radius"));
    out.location = {
      latitude,
      longitude,
      ...(accuracy !== undefined ? { accuracyKm: accuracy } : {}),
    };
  }
  return out;
}

/** The prefix `address/length` covers, in canonical text. */
function prefixOf(address: string, length: number): string {
  const bytes = parseIPv4(address) ?? parseIPv6(address);
  if (!bytes) return `${address}/${length}`;
  const net = new Uint8Array(bytes);
  for (let bit = length; bit < net.length * 8; bit++) net[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${formatAddress(net)}/${length}`;
}

/** How many empty stretches of the address space are skipped looking for a first record. */
const MAX_STEPS = 4096;

/**
 * The first record of the database, found through lookups alone: each miss
 * says how long a prefix is empty, and the search goes on past it (IPv4,
 * then IPv6); null when none is found within {@linkcode MAX_STEPS}.
 */
function firstRecord(reader: MmdbReader): MmdbRecord | null {
  const spaces: Array<{ bits: number; text: (n: bigint) => string }> = [
    { bits: 32, text: (n) => formatAddress(toBytes(n, 4)) },
  ];
  if (reader.metadata.ipVersion === 6) {
    spaces.push({ bits: 128, text: (n) => formatAddress(toBytes(n, 16)) });
  }
  let steps = 0;
  for (const { bits, text: show } of spaces) {
    const end = 1n << BigInt(bits);
    for (let at = 0n; at < end && steps < MAX_STEPS; steps++) {
      const [record, length] = reader.getWithPrefixLength(show(at));
      if (isRecord(record)) return record;
      at = ((at >> BigInt(bits - length)) + 1n) << BigInt(bits - length);
    }
  }
  return null;
}

/** `n` as `size` bytes, most significant first. */
function toBytes(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}
