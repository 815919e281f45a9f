/**
 * Small MaxMind databases for tests, made by a real writer: Debian's
 * libmaxmind-db-writer-perl (MaxMind::DB::Writer::Tree), and checked with
 * mmdblookup (mmdb-bin). Only lab addresses go in them.
 *
 * @module
 */
import { hasTool } from "./repo_commands.ts";

/** One network of a database and its record. */
export interface MmdbNetwork {
  /** `198.18.1.0/24` or `2001:db8:0:1::/64`. */
  prefix: string;
  /** The record (nested maps, text and numbers). */
  data: Record<string, unknown>;
}

/** What to write. */
export interface MmdbSpec {
  /** `database_type` (`GeoLite2-ASN`). */
  type: string;
  /** The networks. */
  networks: MmdbNetwork[];
  /** MMDB types of keys beyond the defaults (MaxMind's ASN and City fields). */
  types?: Record<string, string>;
}

/** The types of MaxMind's own fields; any other key is UTF-8 text. */
const DEFAULT_TYPES: Record<string, string> = {
  autonomous_system_number: "uint32",
  latitude: "double",
  longitude: "double",
  accuracy_radius: "uint16",
  geoname_id: "uint32",
  country: "map",
  registered_country: "map",
  city: "map",
  location: "map",
  names: "map",
};

const SCRIPT = `
use strict; use warnings;
use JSON::PP; use MaxMind::DB::Writer::Tree;
local $/; my $spec = decode_json(<STDIN>);
my %types = %{$spec->{types}};
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 24, database_type => $spec->{type},
  languages => ['en'], description => { en => 'hopwise test' },
  remove_reserved_networks => 0,
  map_key_type_callback => sub { $types{$_[0]} // 'utf8_string' },
);
for my $n (@{$spec->{networks}}) { $tree->insert_network($n->{prefix}, $n->{data}); }
open my $fh, '>:raw', $ARGV[0] or die "open: $!";
$tree->write_tree($fh); close $fh or die "close: $!";
`;

/** Why databases cannot be made here, or null when they can. */
export function mmdbSkipReason(): string | null {
  if (!hasTool("perl") || !hasTool("mmdblookup")) {
    return "needs perl with libmaxmind-db-writer-perl and mmdb-bin (mmdblookup)";
  }
  const probe = new Deno.Command("perl", { args: ["-MMaxMind::DB::Writer::Tree", "-e", "1"] })
    .outputSync();
  return probe.success ? null : "needs libmaxmind-db-writer-perl (MaxMind::DB::Writer::Tree)";
}

/** Writes `spec` as a database at `path`. */
export async function writeMmdb(path: string, spec: MmdbSpec): Promise<void> {
  const child = new Deno.Command("perl", {
    args: ["-e", SCRIPT, path],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify({
    type: spec.type,
    networks: spec.networks,
    types: { ...DEFAULT_TYPES, ...spec.types },
  })));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`writing ${path}: ${new TextDecoder().decode(out.stderr)}`);
}

/** What mmdblookup (libmaxmind's own reader) finds for `address` at `path`, as its text. */
export async function mmdblookup(
  path: string,
  address: string,
  ...keys: string[]
): Promise<string> {
  const out = await new Deno.Command("mmdblookup", {
    args: ["--file", path, "--ip", address, ...keys],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

/**
 * The lab's ASN database: AS64501 (LAB-ONE) at 198.18.1.0/24, AS64502
 * (LAB-TRANSIT) at 198.18.4.0/24, AS64511 (LAB-V6) at 2001:db8:0:1::/64.
 */
export const LAB_ASN: MmdbSpec = {
  type: "GeoLite2-ASN",
  networks: [
    {
      prefix: "198.18.1.0/24",
      data: { autonomous_system_number: 64501, autonomous_system_organization: "LAB-ONE" },
    },
    {
      prefix: "198.18.4.0/24",
      data: { autonomous_system_number: 64502, autonomous_system_organization: "LAB-TRANSIT" },
    },
    {
      prefix: "2001:db8:0:1::/64",
      data: { autonomous_system_number: 64511, autonomous_system_organization: "LAB-V6" },
    },
  ],
};

/** The lab's City database: Frankfurt am Main, DE, at 198.18.1.0/24; JP alone at 198.18.4.0/24. */
export const LAB_CITY: MmdbSpec = {
  type: "GeoLite2-City",
  networks: [
    {
      prefix: "198.18.1.0/24",
      data: {
        country: { iso_code: "DE", names: { en: "Germany" } },
        city: { names: { en: "Frankfurt am Main" } },
        location: { latitude: 50.1188, longitude: 8.6843, accuracy_radius: 20 },
      },
    },
    { prefix: "198.18.4.0/24", data: { country: { iso_code: "JP" } } },
  ],
};

/**
 * `bytes` (a database's) with one record damaged: the control byte of the
 * short text `text` (under 29 bytes, in that record alone) made an extended
 * type that does not exist, so the file opens and that record does not read.
 *
 * @throws {Error} when `text` is not in the file as such a string
 */
export function damageText(bytes: Uint8Array, text: string): Uint8Array {
  const wanted = [0x40 | text.length, ...new TextEncoder().encode(text)];
  const at = bytes.findIndex((_, i) => wanted.every((b, k) => bytes[i + k] === b));
  if (at < 0) throw new Error(`"${text}" is not in the database as a short string`);
  const out = bytes.slice();
  out[at] = 0x00;
  return out;
}
