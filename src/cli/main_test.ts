import { assertEquals, assertStringIncludes } from "../../tests/assert.ts";
import { runCli } from "../../tests/fake/cli.ts";
import { parseWait } from "./flags.ts";
import { VERSION } from "./usage.ts";

Deno.test("no arguments: a short usage on stderr, exit 2", async () => {
  const r = await runCli([]);
  assertEquals([r.status, r.stdout], [2, ""]);
  assertStringIncludes(r.stderr, "Usage: hopwise [options] host [packet_len]");
});

Deno.test("--help on stdout, exit 0; -V prints the version", async () => {
  const help = await runCli(["--help"]);
  assertEquals([help.status, help.stderr], [0, ""]);
  assertStringIncludes(help.stdout, "-w MAX,HERE,NEAR");
  const version = await runCli(["-V", "198.18.9.9"]);
  assertEquals([version.status, version.stdout], [0, `hopwise ${VERSION}\n`]);
  assertEquals(version.fake.sent.length, 0);
});

Deno.test("-A: a whois server that does not resolve ends the run before the header", async () => {
  const r = await runCli(["-A", "-n", "198.18.9.9"]);
  assertEquals(r.status, 2);
  assertEquals(r.stdout, "");
  assertStringIncludes(r.stderr, "whois.radb.net/nicname: Name or service not known\n");
  assertEquals(r.fake.sent.length, 0);
});

Deno.test("called as tcptraceroute, the tcp method is the default", async () => {
  const r = await runCli(["-n", "-q", "1", "198.18.9.9"], "/usr/sbin/tcptraceroute");
  assertEquals(r.status, 0, r.stderr);
  // Half-open SYN probes go out on a raw TCP socket.
  assertEquals([r.fake.sent[0]?.kind, r.fake.sent[0]?.protocol], ["raw", 6]);
  assertEquals(r.fake.sent[0]?.data[13], 0x02);
});

Deno.test("-w is parsed as set_wait_specs parses it", () => {
  assertEquals(parseWait("5"), { max: 5, here: 0, near: 0 });
  assertEquals(parseWait("5,3"), { max: 5, here: 3, near: 0 });
  assertEquals(parseWait("1.5/2/0.5"), { max: 1.5, here: 2, near: 0.5 });
  assertEquals(parseWait("1,2,3,4"), null);
  assertEquals(parseWait("1,"), null);
  assertEquals(parseWait(""), null);
  assertEquals(parseWait("-1"), { max: -1, here: 0, near: 0 });
});
