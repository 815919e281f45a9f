/**
 * The service's run context: a failing AS source says so once on standard
 * error (the journal), as in every other mode, and the service goes on.
 */
import { assertEquals } from "../../tests/assert.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { Service } from "./service.ts";

Deno.test("--serve: a failing AS source says so once, and the targets stay up", async () => {
  const transport = new FakeTransport({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [{ address: "198.18.1.1", rtt: 1 }, { address: "198.18.9.9", rtt: 2 }],
  }, { concurrent: true });
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
