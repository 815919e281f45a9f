/**
 * The genuine databases the lookup fuzz target damages: a small ASN and a
 * small City database (IPv4 and IPv6 networks), written with MaxMind's own
 * writer (Debian's libmaxmind-db-writer-perl), and the addresses looked up
 * in each.
 *
 * @module
 */
import type { DatabaseUse } from "../../src/lookup/mmdb.ts";
import { type MmdbSpec, writeMmdb } from "../helpers/mmdb_writer.ts";

/** The databases, by use, and the addresses asked of them (inside and outside their networks). */
export const LOOKUP_DATABASES: ReadonlyArray<
  { use: DatabaseUse; file: string; spec: MmdbSpec; addresses: readonly string[] }
> = [
  {
    use: "as",
    file: "asn.mmdb",
    spec: {
      type: "GeoLite2-ASN",
      networks: [
        {
          prefix: "198.18.1.0/24",
          data: { autonomous_system_number: 64501, autonomous_system_organization: "LAB-ONE" },
        },
        {
          prefix: "2001:db8:1::/48",
          data: { autonomous_system_number: 64502, autonomous_system_organization: "LAB-TWO" },
        },
      ],
    },
    addresses: ["198.18.1.2", "198.19.0.1", "2001:db8:1::1", "2001:db8:2::1"],
  },
  {
    use: "geo",
    file: "city.mmdb",
    spec: {
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
        { prefix: "2001:db8:4::/48", data: { country: { iso_code: "JP" } } },
      ],
    },
    addresses: ["198.18.1.2", "198.19.0.1", "2001:db8:4::1", "::1"],
  },
];

/** Writes every database under `dir`: each with its use, path and addresses. */
export async function writeLookupDatabases(
  dir: string,
): Promise<Array<{ use: DatabaseUse; path: string; addresses: readonly string[] }>> {
  const written = [];
  for (const { use, file, spec, addresses } of LOOKUP_DATABASES) {
    const path = `${dir}/${file}`;
    await writeMmdb(path, spec);
    written.push({ use, path, addresses });
  }
  return written;
}
