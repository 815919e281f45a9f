import { assertEquals, assertOk, assertRejects, assertThrows } from "../../tests/assert.ts";
import { OptionError } from "../core/errors.ts";
import { ConfigError, parseServeConfig, readServeConfig } from "./config.ts";
import { mmdbSkipReason, writeMmdb } from "../../tests/helpers/mmdb_writer.ts";

const ONE = `[[target]]\nhost = "198.18.9.9"\n`;

/** The `as_source` and `geoip` of a configuration at `path` whose top holds `top`. */
function lookupsOf(top: string, path = "/etc/hopwise/hopwise.toml") {
  const { asSource, geoip } = parseServeConfig(`${top}\n${ONE}`, path);
  return { asSource, geoip };
}

/** The one-line message of the ConfigError `top` gives. */
function errorOf(top: string): string {
  const e = assertThrows(() => parseServeConfig(`${top}\n${ONE}`, "hopwise.toml"), ConfigError);
  assertOk(e instanceof OptionError, "a ConfigError is an OptionError (exit status 2)");
  assertOk(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
  return e.message;
}

Deno.test("as_source takes --as-source's words; databases are taken beside the file", () => {
  assertEquals(lookupsOf(""), { asSource: null, geoip: null });
  assertEquals(lookupsOf(`as_source = "whois"`).asSource, "whois");
  assertEquals(lookupsOf(`as_source = "dns"`).asSource, "dns");
  assertEquals(lookupsOf(`as_source = "dns:asn.example.net"`).asSource, "dns:asn.example.net");
  assertEquals(
    lookupsOf(`as_source = "GeoLite2-ASN.mmdb"\ngeoip = "geo/City.mmdb"`),
    { asSource: "/etc/hopwise/GeoLite2-ASN.mmdb", geoip: "/etc/hopwise/geo/City.mmdb" },
  );
  // A file named dns, as on the command line: ./dns.
  assertEquals(lookupsOf(`as_source = "./dns"`).asSource, "/etc/hopwise/./dns");
  assertEquals(
    lookupsOf(`as_source = "/var/lib/GeoIP/asn.mmdb"\ngeoip = "/var/lib/GeoIP/city.mmdb"`),
    { asSource: "/var/lib/GeoIP/asn.mmdb", geoip: "/var/lib/GeoIP/city.mmdb" },
  );
  assertEquals(lookupsOf(`geoip = "city.mmdb"`, "hopwise.toml").geoip, "city.mmdb");
});

Deno.test("a bad as_source or geoip is one line naming the file and the key", () => {
  assertEquals(
    errorOf(`as_source = "dns:"`),
    'hopwise.toml: "as_source": bad source "dns:" (whois, dns[:ZONE] or a path)',
  );
  assertEquals(
    errorOf(`as_source = "dns:bad zone"`),
    'hopwise.toml: "as_source": bad source "dns:bad zone" (whois, dns[:ZONE] or a path)',
  );
  assertEquals(
    errorOf(`as_source = 64501`),
    `hopwise.toml: "as_source" must be whois, dns, dns:ZONE or a database's path, got 64501`,
  );
  assertEquals(errorOf(`geoip = ""`), `hopwise.toml: "geoip" must be a file name, got ""`);
  assertEquals(
    errorOf(`geoip = ["a.mmdb"]`),
    `hopwise.toml: "geoip" must be a file name, got an array`,
  );
});

Deno.test("a database the file names that cannot be read stops the service at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-config-" });
  try {
    const path = `${dir}/hopwise.toml`;
    await Deno.writeTextFile(`${dir}/not.mmdb`, "no MaxMind database here\n");
    const cases: Array<[string, string]> = [
      [
        `geoip = "missing.mmdb"`,
        `${path}: "geoip": ${dir}/missing.mmdb: No such file or directory`,
      ],
      [
        `as_source = "not.mmdb"`,
        `${path}: "as_source": ${dir}/not.mmdb: not a MaxMind database (no metadata section: not an .mmdb file, or cut short)`,
      ],
    ];
    for (const [top, message] of cases) {
      await Deno.writeTextFile(path, `${top}\n${ONE}`);
      const e = await assertRejects(() => readServeConfig(path), ConfigError);
      assertOk(e.message.startsWith(message), e.message);
      assertOk(!e.message.includes("\n"), e.message);
    }
    // Sources that are not files are not opened: read as they are.
    await Deno.writeTextFile(path, `as_source = "dns:asn.example.net"\n${ONE}`);
    assertEquals((await readServeConfig(path)).asSource, "dns:asn.example.net");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "databases the file names are opened at start; one without the fields asked is refused",
  ignore: mmdbSkipReason() !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-config-" });
    try {
      const path = `${dir}/hopwise.toml`;
      await writeMmdb(`${dir}/asn.mmdb`, {
        type: "GeoLite2-ASN",
        networks: [{
          prefix: "198.18.1.0/24",
          data: { autonomous_system_number: 64501, autonomous_system_organization: "Lab" },
        }],
      });
      await Deno.writeTextFile(path, `as_source = "asn.mmdb"\n${ONE}`);
      assertEquals((await readServeConfig(path)).asSource, `${dir}/asn.mmdb`);
      // An ASN database given as the place database: it has no place field.
      await Deno.writeTextFile(path, `geoip = "asn.mmdb"\n${ONE}`);
      const e = await assertRejects(() => readServeConfig(path), ConfigError);
      assertOk(
        e.message.startsWith(`${path}: "geoip": ${dir}/asn.mmdb: has no country`),
        e.message,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
