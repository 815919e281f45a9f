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
