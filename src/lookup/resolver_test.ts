import { assertEquals } from "../../tests/assert.ts";
import type { Transport } from "../core/transport.ts";
import type { ConfigFiles } from "./dns_config.ts";
import { SystemResolver } from "./resolver.ts";

Deno.test("SystemResolver: own lookups read the system's files again after 30 s", async () => {
  let clock = 0;
  let reads = 0;
  const files: ConfigFiles = {
    nsswitch: "hosts: files\n",
    hosts: "198.18.1.2 before.lab\n",
    resolvConf: null,
    resOptions: "",
  };
  // Names from /etc/hosts need no socket: a transport that would fail if one were opened.
  const transport = {
    socket: () => {
      throw new Error("no socket expected");
    },
  } as unknown as Transport;
  const resolver = new SystemResolver({
    transport: () => transport,
    files: () => (reads++, { ...files }),
    now: () => clock,
  });
  assertEquals(await resolver.reverse("198.18.1.2"), "before.lab");
  files.hosts = "198.18.1.2 after.lab\n";
  clock = 29_000;
  assertEquals(await resolver.reverse("198.18.1.2"), "before.lab");
  clock = 31_000;
  assertEquals(await resolver.reverse("198.18.1.2"), "after.lab");
  assertEquals(await resolver.reverse("198.18.1.3"), null);
  assertEquals(reads, 2);
});
