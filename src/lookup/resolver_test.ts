import { assertEquals } from "../../tests/assert.ts";
import { soaRecord } from "../../tests/helpers/dns_answers.ts";
import { DnsFake } from "../../tests/helpers/dns_fake.ts";
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

/** A system resolver over `transport`, with these nsswitch.conf and resolv.conf, an empty hosts file. */
function resolverOver(transport: Transport, nsswitch: string, resolvConf: string): SystemResolver {
  return new SystemResolver({
    transport: () => transport,
    files: () => ({ nsswitch, hosts: "", resolvConf, resOptions: "" }),
    now: () => 0,
  });
}

/** A transport whose server never answers; the clock moves by each wait's timeout. */
function silentServer(sent: string[]): Transport {
  let clock = 0;
  return {
    now: () => clock,
    socket: () => ({
      closed: false,
      send: (_data: Uint8Array, to: { address: string }) => (sent.push(to.address), clock),
      receive: () => null,
      close() {},
    }),
    wait: (_sockets: unknown, timeoutMs: number) => {
      clock += timeoutMs;
      return Promise.resolve([]);
    },
  } as unknown as Transport;
}

Deno.test("SystemResolver: TXT questions go to resolv.conf's servers whatever nsswitch says", async () => {
  const sent: string[] = [];
  const transport = silentServer(sent);
  // mdns: host names are getnameinfo's; TXT records still hopwise's own questions.
  const resolver = resolverOver(
    transport,
    "hosts: files mdns4_minimal dns\n",
    "nameserver 198.18.250.3\noptions timeout:1 attempts:1\n",
  );
  const failure = await resolver.txt("AS64501.asn.lab", new AbortController().signal).then(
    () => "answered",
    (e: Error) => e.message,
  );
  assertEquals(failure, "no answer from 198.18.250.3 in 1 s");
  assertEquals(sent, ["198.18.250.3"]);
});

Deno.test("SystemResolver: a name lookup that fails throws why; no name is null", async () => {
  const sent: string[] = [];
  const resolver = resolverOver(
    silentServer(sent),
    "hosts: files dns\n",
    "nameserver 198.18.250.3\noptions timeout:1 attempts:1\n",
  );
  const failure = await resolver.reverse("198.18.1.2").then(
    (name) => `answered ${name}`,
    (e: Error) => e.message,
  );
  assertEquals(failure, "no answer from 198.18.250.3 in 1 s");
  assertEquals(sent, ["198.18.250.3"]);
});

Deno.test("SystemResolver: no name with how long it holds, where the zone's SOA said", async () => {
  const transport = new DnsFake((q) =>
    q.name.startsWith("3.")
      ? { rcode: 3, authority: [soaRecord("18.198.in-addr.arpa", 3600, 900)] }
      : q.name.startsWith("4.")
      ? { rcode: 3 }
      : { records: [{ owner: q.name, type: 12, target: "r2.lab" }] }
  );
  const resolver = resolverOver(transport, "hosts: files dns\n", "nameserver 198.18.250.3\n");
  assertEquals(await resolver.reverseAnswer("198.18.1.3"), { name: null, ttl: 900 });
  assertEquals(await resolver.reverseAnswer("198.18.1.4"), { name: null });
  assertEquals(await resolver.reverseAnswer("198.18.1.2"), { name: "r2.lab" });
  assertEquals(await resolver.reverse("198.18.1.3"), null);
  assertEquals(await resolver.reverse("198.18.1.2"), "r2.lab");
});
