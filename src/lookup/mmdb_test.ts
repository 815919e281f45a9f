import { assertEquals, assertMatch, assertOk } from "../../tests/assert.ts";
import {
  damageText,
  LAB_CITY,
  mmdbSkipReason,
  writeMmdb,
} from "../../tests/helpers/mmdb_writer.ts";
import { OptionError } from "../core/errors.ts";
import { openDatabase, pick, reopenDatabase } from "./mmdb.ts";

Deno.test("a record's AS and place, under MaxMind's field names and IPinfo's", () => {
  assertEquals(
    pick({ autonomous_system_number: 64501, autonomous_system_organization: "LAB-ONE" }, "as"),
    { asn: 64501, asName: "LAB-ONE" },
  );
  // IPinfo Lite: "AS64501" as text, as_name.
  assertEquals(pick({ asn: "AS64501", as_name: "Lab One", country_code: "DE" }, "as"), {
    asn: 64501,
    asName: "Lab One",
  });
  assertEquals(pick({ asn: "AS64501", as_name: "Lab One", country_code: "de" }, "geo"), {
    country: "DE",
  });
  assertEquals(
    pick({
      country: { iso_code: "DE" },
      city: { names: { en: "Frankfurt am Main", de: "Frankfurt" } },
      location: { latitude: 50.1, longitude: 8.7, accuracy_radius: 20 },
    }, "geo"),
    {
      country: "DE",
      city: "Frankfurt am Main",
      location: { latitude: 50.1, longitude: 8.7, accuracyKm: 20 },
    },
  );
  // A Country database's registered country when it has no country; IPinfo's text coordinates.
  assertEquals(pick({ registered_country: { iso_code: "JP" } }, "geo"), { country: "JP" });
  assertEquals(pick({ city: "Lyon", latitude: "45.75", longitude: "4.85" }, "geo"), {
    city: "Lyon",
    location: { latitude: 45.75, longitude: 4.85 },
  });
});

Deno.test("fields of the wrong kind are left out, never a crash", () => {
  assertEquals(pick({ autonomous_system_number: "lots", asn: ["AS1"] }, "as"), {});
  assertEquals(pick({ autonomous_system_number: -5 }, "as"), {});
  assertEquals(pick({ autonomous_system_organization: "no number" }, "as"), {});
  assertEquals(
    pick({ country: { iso_code: "Germany" }, location: { latitude: 91, longitude: 0 } }, "geo"),
    {},
  );
  assertEquals(pick({ country: "DE", city: { names: "x" }, location: [1, 2] }, "geo"), {});
});

const skip = mmdbSkipReason();

Deno.test({
  name: "a database made by MaxMind's writer: lookups with prefixes, and what it lacks",
  ignore: skip !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-mmdb-" });
    try {
      const path = `${dir}/asn.mmdb`;
      await writeMmdb(path, {
        type: "GeoLite2-ASN",
        networks: [
          {
            prefix: "198.18.0.0/15",
            data: { autonomous_system_number: 64500, autonomous_system_organization: "WIDE" },
          },
          {
            prefix: "198.18.4.0/24",
            data: { autonomous_system_number: 64502, autonomous_system_organization: "NARROW" },
          },
          { prefix: "2001:db8::/32", data: { autonomous_system_number: 64510 } },
        ],
      });
      const db = await openDatabase(path, "as");
      assertEquals(db.type, "GeoLite2-ASN");
      assertEquals(db.lookup("198.18.4.200", "as"), {
        asn: 64502,
        asName: "NARROW",
        prefix: "198.18.4.0/24",
      });
      // The network of the record in the tree, as MaxMind's readers give it: the writer split
      // the /15 around the /24 inside it.
      assertEquals(db.lookup("198.19.1.1", "as"), {
        asn: 64500,
        asName: "WIDE",
        prefix: "198.19.0.0/16",
      });
      assertEquals(db.lookup("2001:db8:1::1", "as"), { asn: 64510, prefix: "2001:db8::/32" });
      assertEquals(db.lookup("192.0.2.1", "as"), {});
      assertOk((await openDatabase(path, "as")) === db, "a database is read once a process");
      const error = await openDatabase(path, "geo").catch((e) => e);
      assertOk(error instanceof OptionError);
      assertEquals(error.option, "geoip");
      assertMatch(error.message, /has no country\.iso_code.*\(a GeoLite2-ASN database\)$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a file without MaxMind's metadata is named as such, not in the reader's words", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-mmdb-" });
  try {
    for (
      const [name, bytes] of [["empty", new Uint8Array(0)], [
        "text",
        new TextEncoder().encode("root:x:0:0\n"),
      ]] as const
    ) {
      const path = `${dir}/${name}.mmdb`;
      await Deno.writeFile(path, bytes);
      const error = await openDatabase(path, "geo").catch((e) => e);
      assertOk(error instanceof OptionError);
      assertEquals(
        error.message,
        `--geoip: ${path}: not a MaxMind database (no metadata section: not an .mmdb file, or cut short)`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an AS source that is a word and no file says what the sources are", async () => {
  const error = await openDatabase("cymru-no-such-word", "as").catch((e) => e);
  assertOk(error instanceof OptionError);
  assertEquals(
    error.message,
    "--as-source: cymru-no-such-word: No such file or directory (a source is whois, dns[:ZONE] or a path)",
  );
  // A path is a path: no hint.
  const path = await openDatabase("/nonexistent/asn.mmdb", "as").catch((e) => e);
  assertEquals(path.message, "--as-source: /nonexistent/asn.mmdb: No such file or directory");
});

Deno.test({
  name: "a database is read again only when its file has changed, and only if the new one reads",
  ignore: skip !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-mmdb-" });
    try {
      const path = `${dir}/asn.mmdb`;
      const write = async (asn: number) => {
        await writeMmdb(`${dir}/new.mmdb`, {
          type: "GeoLite2-ASN",
          networks: [{ prefix: "198.18.0.0/15", data: { autonomous_system_number: asn } }],
        });
        await Deno.rename(`${dir}/new.mmdb`, path);
      };
      await write(64501);
      const first = await openDatabase(path, "as");
      assertEquals(await reopenDatabase(first, "as"), null);
      await write(64502);
      const second = await reopenDatabase(first, "as");
      assertEquals(second?.lookup("198.18.1.1", "as").asn, 64502);
      assertOk((await openDatabase(path, "as")) === second, "the new one is the process's now");
      await Deno.writeTextFile(path, "cut short");
      const error = await reopenDatabase(second!, "as").catch((e) => e);
      assertOk(error instanceof OptionError);
      assertOk(
        (await openDatabase(path, "as")) === second,
        "a file that does not read is not taken",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a record that does not read names its address; the others still answer",
  ignore: skip !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-mmdb-" });
    try {
      const path = `${dir}/city.mmdb`;
      await writeMmdb(path, LAB_CITY);
      // JP's record alone holds "JP": damaged there, the file opens and that record does not read.
      await Deno.writeFile(path, damageText(await Deno.readFile(path), "JP"));
      const db = await openDatabase(path, "geo");
      assertEquals(db.lookup("198.18.1.2", "geo").city, "Frankfurt am Main");
      let error: unknown = null;
      try {
        db.lookup("198.18.4.9", "geo");
      } catch (e) {
        error = e;
      }
      assertOk(error instanceof Error, "a damaged record throws");
      assertMatch(error.message, /^the record of 198\.18\.4\.9 does not read \(damaged: .+\)$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
