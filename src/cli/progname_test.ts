import { assertEquals } from "../../tests/assert.ts";
import { programDefaults } from "./progname.ts";

Deno.test("program names set defaults as Linux traceroute's check_progname does", () => {
  assertEquals(programDefaults("hopwise"), { family: 0, method: "default" });
  assertEquals(programDefaults("/usr/bin/traceroute6"), { family: 6, method: "default" });
  assertEquals(programDefaults("traceroute4"), { family: 4, method: "default" });
  assertEquals(programDefaults("/usr/sbin/tcptraceroute"), { family: 0, method: "tcp" });
  assertEquals(programDefaults("tcptraceroute6"), { family: 6, method: "tcp" });
  assertEquals(programDefaults("tracert"), { family: 0, method: "icmp" });
  assertEquals(programDefaults("./dir6/hopwise"), { family: 0, method: "default" });
});
