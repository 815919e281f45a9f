/**
 * Names are untrusted input: a hosts file (or a PTR record) may hold
 * terminal escape sequences. hopwise prints them escaped, in the classic and
 * JSON output; Linux traceroute writes them to the terminal raw. The names
 * come from a hosts file because glibc's DNS path already refuses such PTR
 * records, and its files path does not.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { labSkipReason, runHopwise, runTraceroute } from "../../lab/harness.ts";

const reason = labSkipReason("name lab tests");

// ESC [ 3 1 m (colour), an OSC 0 title ending in BEL, and a C1 CSI (U+009B).
const HOSTILE_1 = "evil\x1b[31mred.lab";
const HOSTILE_2 = "title\x1b]0;pwned\x07.lab";
const HOSTILE_3 = "csi\u009b2J.lab";
// Any C0 control, DEL or C1 control: what must never reach the terminal raw.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

Deno.test({
  name: "names with terminal escapes are printed escaped",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    await lab.setHosts(c.source, [
      [c.hops4[0]!, HOSTILE_1],
      [c.hops4[1]!, HOSTILE_2],
      [c.hops4[2]!, HOSTILE_3],
    ], { hostile: true });
    const args = ["-q", "1", "-m", "3", c.target4];

    await t.step("Linux traceroute writes them raw (the reason for this test)", async () => {
      const theirs = await runTraceroute(lab, c.source, args);
      assertOk(theirs.stdout.includes(HOSTILE_1), theirs.stdout);
    });

    await t.step("classic output: escaped, and no control character at all", async () => {
      const ours = await runHopwise(lab, c.source, args);
      assertEquals(ours.code, 0, ours.stderr);
      assertOk(!CONTROL.test(ours.stdout), JSON.stringify(ours.stdout));
      const lines = ours.stdout.split("\n");
      assertOk(lines[1]!.startsWith(` 1  evil\\x1b[31mred.lab (${c.hops4[0]})  `), lines[1]);
      assertOk(lines[2]!.startsWith(` 2  title\\x1b]0;pwned\\x07.lab (${c.hops4[1]})  `), lines[2]);
      assertOk(lines[3]!.startsWith(` 3  csi\\x9b2J.lab (${c.hops4[2]})  `), lines[3]);
    });

    await t.step("JSON output: the same escaped names", async () => {
      const ours = await runHopwise(lab, c.source, ["--json", ...args]);
      assertEquals(ours.code, 0, ours.stderr);
      const names = JSON.parse(ours.stdout).hops.map((h: { probes: { name: string }[] }) =>
        h.probes[0]!.name
      );
      assertEquals(names, [
        "evil\\x1b[31mred.lab",
        "title\\x1b]0;pwned\\x07.lab",
        "csi\\x9b2J.lab",
      ]);
    });
  },
});
