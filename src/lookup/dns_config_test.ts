import { assertEquals } from "../../tests/assert.ts";
import { type ConfigFiles, parseHosts, type ReverseConfig, reverseSetup } from "./dns_config.ts";

const FILES: ConfigFiles = {
  nsswitch: "passwd: files\nhosts:          files dns\n",
  hosts: "127.0.0.1 localhost\n",
  resolvConf: "nameserver 198.18.250.2\n",
  resOptions: "",
};

function config(files: Partial<ConfigFiles>): ReverseConfig {
  const setup = reverseSetup({ ...FILES, ...files });
  if (!("config" in setup)) throw new Error(`getnameinfo: ${setup.system}`);
  return setup.config;
}

function system(files: Partial<ConfigFiles>): string {
  const setup = reverseSetup({ ...FILES, ...files });
  return "system" in setup ? setup.system : "own lookups";
}

Deno.test("reverseSetup: plain files and dns, in nsswitch's order", () => {
  assertEquals(config({}).sources, ["files", "dns"]);
  assertEquals(config({ nsswitch: "hosts: dns files # comment\n" }).sources, ["dns", "files"]);
  assertEquals(config({ nsswitch: "hosts: dns\n", hosts: null }).sources, ["dns"]);
});

Deno.test("reverseSetup: anything else is left to getnameinfo", () => {
  assertEquals(
    system({ nsswitch: "hosts: files mdns4_minimal [NOTFOUND=return] dns\n" }),
    "nsswitch hosts source mdns4_minimal",
  );
  assertEquals(
    system({ nsswitch: "hosts: files resolve [!UNAVAIL=return] dns\n" }),
    "nsswitch hosts source resolve",
  );
  assertEquals(system({ nsswitch: "passwd: files\n" }), "no hosts line in /etc/nsswitch.conf");
  assertEquals(system({ nsswitch: null }), "no readable /etc/nsswitch.conf");
  assertEquals(system({ hosts: null }), "no readable /etc/hosts");
  assertEquals(system({ resolvConf: null }), "no readable /etc/resolv.conf");
  assertEquals(
    system({ resolvConf: "nameserver fe80::1%eth0\n" }),
    "resolv.conf nameserver fe80::1%eth0",
  );
  assertEquals(
    system({ resolvConf: "options use-vc\nnameserver 198.18.250.2\n" }),
    "resolv.conf option use-vc",
  );
  assertEquals(system({ resOptions: null }), "RES_OPTIONS unreadable (Deno's --allow-env)");
});

Deno.test("reverseSetup: servers (three at most, 127.0.0.1 without any) and options", () => {
  const c = config({
    resolvConf: "# c\nsearch lab\nnameserver 198.18.250.2 ; x\nnameserver 2001:DB8::53\n" +
      "nameserver 198.18.250.3\nnameserver 198.18.250.4\noptions timeout:1 attempts:3 rotate ndots:2\n",
  });
  assertEquals(c.servers, [
    { address: "198.18.250.2", family: 4 },
    { address: "2001:db8::53", family: 6 },
    { address: "198.18.250.3", family: 4 },
  ]);
  assertEquals([c.timeoutMs, c.attempts, c.rotate], [1000, 3, true]);
  const d = config({ resolvConf: "" });
  assertEquals(d.servers, [{ address: "127.0.0.1", family: 4 }]);
  assertEquals([d.timeoutMs, d.attempts, d.rotate], [5000, 2, false]);
  // glibc's bounds, and RES_OPTIONS after the file.
  const e = config({ resolvConf: "options timeout:99 attempts:9\n", resOptions: "attempts:1" });
  assertEquals([e.timeoutMs, e.attempts], [30000, 1]);
  const zero = config({ resolvConf: "options timeout:0 attempts:0\n" });
  assertEquals([zero.timeoutMs, zero.attempts], [1000, 0]);
});

Deno.test("parseHosts: the first name of the first line of an address", () => {
  const hosts = parseHosts(
    "127.0.0.1 localhost\n# 198.18.1.2 commented.lab\n198.18.1.2 first.lab alias.lab # x\n" +
      "198.18.1.2 second.lab\n2001:DB8:0:0::1\tsix.lab\nbogus line\n198.18.1.3\n",
  );
  assertEquals(hosts.get("198.18.1.2"), "first.lab");
  assertEquals(hosts.get("2001:db8::1"), "six.lab");
  assertEquals(hosts.has("198.18.1.3"), false);
  assertEquals(hosts.size, 3);
});
