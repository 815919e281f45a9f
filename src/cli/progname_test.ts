import { assertEquals } from "../../tests/assert.ts";
import { processName, programDefaults } from "./progname.ts";

Deno.test("program names set defaults as Linux traceroute's check_progname does", () => {
  assertEquals(programDefaults("hopwise"), { family: 0, method: "default" });
  assertEquals(programDefaults("/usr/bin/traceroute6"), { family: 6, method: "default" });
  assertEquals(programDefaults("traceroute4"), { family: 4, method: "default" });
  assertEquals(programDefaults("/usr/sbin/tcptraceroute"), { family: 0, method: "tcp" });
  assertEquals(programDefaults("tcptraceroute6"), { family: 6, method: "tcp" });
  assertEquals(programDefaults("tracert"), { family: 0, method: "icmp" });
  assertEquals(programDefaults("./dir6/hopwise"), { family: 0, method: "default" });
});

Deno.test("under deno (as this test runs) the program is called hopwise, not deno", () => {
  const argv0 = Deno.readTextFileSync("/proc/self/cmdline").split("\0")[0]!;
  assertEquals(argv0.split("/").pop(), "deno");
  assertEquals(processName(), "hopwise");
});
