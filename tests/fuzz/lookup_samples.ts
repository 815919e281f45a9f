/**
 * The genuine databases the lookup fuzz target damages: the lab's ASN and
 * City databases, written with MaxMind's own writer (Debian's
 * libmaxmind-db-writer-perl), and the addresses looked up in each (inside
 * and outside their networks).
 *
 * @module
 */
import type { DatabaseUse } from "../../src/lookup/mmdb.ts";
import { LAB_ASN, LAB_CITY, type MmdbSpec, writeMmdb } from "../helpers/mmdb_writer.ts";

/** The databases, by use, and the addresses asked of them. */
const LOOKUP_DATABASES: ReadonlyArray<
  { use: DatabaseUse; file: string; spec: MmdbSpec; addresses: readonly string[] }
> = [
  {
    use: "as",
    file: "asn.mmdb",
    spec: LAB_ASN,
    addresses: ["198.18.1.2", "198.18.4.9", "198.19.0.1", "2001:db8:0:1::1", "2001:db8:2::1"],
  },
  {
    use: "geo",
    file: "city.mmdb",
    spec: LAB_CITY,
    addresses: ["198.18.1.2", "198.18.4.9", "198.19.0.1", "::1"],
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
