/**
 * The service's run context: a failing AS source says so once on standard
 * error (the journal), as in every other mode, and the service goes on; a
 * reload takes new targets and reads a changed database again; an address
 * is listed once its name has answered.
 */
import { assertEquals } from "../../tests/assert.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { mmdbSkipReason, writeMmdb } from "../../tests/helpers/mmdb_writer.ts";
import { Service } from "./service.ts";

/** The network of every test here: 198.18.9.9 two hops away, behind 198.18.1.1. */
function twoHops(): FakeTransport {
  return new FakeTransport({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [{ address: "198.18.1.1", rtt: 1 }, { address: "198.18.9.9", rtt: 2 }],
  }, { concurrent: true });
}

Deno.test("--serve: a failing AS source says so once, and the targets stay up", async () => {
  const transport = twoHops();
  // The resolver's own TXT questions: every one refused.
  const resolver = Object.assign(new TableResolver(), {
    txt: () => Promise.reject(new Error("198.18.250.2 answered REFUSED")),
  });
  const lines: string[] = [];
  const service = await Service.start({
    listen: { hostname: "127.0.0.1", port: 0 },
    targets: [{ host: "198.18.9.9" }],
    watch: {
      interval: 20,
      rate: 0,
      method: "icmp",
      asSource: "dns",
      warn: (line) => void lines.push(line),
    },
    window: 1000,
    version: "test",
    transport,
    resolver,
  });
  try {
    for (let i = 0; i < 100 && lines.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // More cycles, more refused questions: still the one line.
    await new Promise((r) => setTimeout(r, 200));
    assertEquals(lines, [
      "hopwise: --as-source dns:asn.cymru.com: 198.18.250.2 answered REFUSED; " +
      "going on without it where it fails",
    ]);
    const targets = await (await fetch(`http://127.0.0.1:${service.address.port}/api/targets`))
      .json();
    assertEquals(targets.targets.map((t: { state: string }) => t.state), ["up"]);
  } finally {
    await service.close();
  }
});

Deno.test({
  name: "--serve: a reload takes the new targets, and reads a database again once its file changed",
  ignore: mmdbSkipReason() !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-reload-" });
    const path = `${dir}/City.mmdb`;
    const place = (country: string) =>
      writeMmdb(`${dir}/new.mmdb`, {
        type: "GeoLite2-Country",
        networks: [{ prefix: "198.18.0.0/15", data: { country: { iso_code: country } } }],
      }).then(() => Deno.rename(`${dir}/new.mmdb`, path)); // as geoipupdate puts a file in place
    await place("DE");
    const transport = twoHops();
    let targets = [{ host: "198.18.9.9" }];
    const service = await Service.start({
      listen: { hostname: "127.0.0.1", port: 0 },
      targets,
      watch: { interval: 20, rate: 0, method: "icmp", geoip: path },
      window: 1000,
      version: "test",
      transport,
      resolver: new TableResolver(),
      reread: () => Promise.resolve({ targets }),
    });
    const base = `http://127.0.0.1:${service.address.port}`;
    // The countries of the first hop's addresses in the target's report, once it has any.
    const countries = async () => {
      for (let i = 0; i < 100; i++) {
        const report = await (await fetch(`${base}/api/report?target=198.18.9.9`)).json()
          .catch(() => null);
        const hop = report?.hops?.[0];
        if (hop?.addresses?.length) {
          return hop.addresses.map((a: { country?: string }) => a.country ?? "?");
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return [];
    };
    try {
      assertEquals(await countries(), ["DE"]);
      // Nothing changed: nothing read again.
      assertEquals(await service.reloadFromFiles(), "reloaded: 0 targets added, 0 removed");
      targets = [...targets, { host: "198.18.9.8" }];
      await place("FR");
      assertEquals(
        await service.reloadFromFiles(),
        `reloaded: 1 target added, 0 removed; --geoip ${path} read again`,
      );
      const listed = await (await fetch(`${base}/api/targets`)).json();
      assertEquals(listed.targets.length, 2);
      // The next cycles carry the new file's country.
      for (let i = 0; i < 100 && (await countries()).includes("DE"); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assertEquals(await countries(), ["FR"]);
      // A new file that cannot be used leaves the one read before, and says why.
      await Deno.writeTextFile(`${dir}/new.mmdb`, "not a database\n");
      await Deno.rename(`${dir}/new.mmdb`, path);
      assertEquals(
        await service.reloadFromFiles(),
        `reloaded: 0 targets added, 0 removed; --geoip: ${path}: not a MaxMind database ` +
          "(no metadata section: not an .mmdb file, or cut short): the database read before stays",
      );
      assertEquals(await countries(), ["FR"]);
    } finally {
      await service.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("--serve: an address is listed once its name has answered, so its labels stay as they are", async () => {
  const resolver = new TableResolver({}, { "198.18.9.9": "dst.lab" });
  // The first hop's name comes only when the test lets it.
  const release = resolver.hold("198.18.1.1");
  const service = await Service.start({
    listen: { hostname: "127.0.0.1", port: 0 },
    targets: [{ host: "198.18.9.9" }],
    watch: { interval: 20, rate: 0, method: "icmp" },
    window: 1000,
    version: "test",
    transport: twoHops(),
    resolver,
  });
  const url = `http://127.0.0.1:${service.address.port}/metrics`;
  // The hop_address_info samples of a scrape, once it lists `needle` (5 s between two draws).
  const infoOnceListing = async (needle: string) => {
    for (let i = 0; i < 400; i++) {
      const info = (await (await fetch(url)).text()).split("\n")
        .filter((l) => l.startsWith("hopwise_hop_address_info{"));
      if (info.some((l) => l.includes(needle))) return info;
      await new Promise((r) => setTimeout(r, 20));
    }
    return [];
  };
  try {
    const before = await infoOnceListing('address="198.18.9.9"');
    assertEquals(before.filter((l) => l.includes("198.18.1.1")), []);
    release("r1.lab");
    const after = await infoOnceListing('address="198.18.1.1"');
    assertEquals(
      after.filter((l) => l.includes("198.18.1.1")).map((l) => /name="([^"]*)"/.exec(l)?.[1]),
      [
        "r1.lab",
      ],
    );
  } finally {
    await service.close();
  }
});
