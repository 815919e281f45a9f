/**
 * The example program (examples/mini_traceroute.ts), built on mod.ts alone,
 * traces a lab network and finds what hopwise's command line finds.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { labSkipReason, runHopwise } from "../../lab/harness.ts";

const reason = labSkipReason("example lab test");
const example = decodeURIComponent(
  new URL("../../examples/mini_traceroute.ts", import.meta.url).pathname,
);

Deno.test({
  name: "examples/mini_traceroute.ts traces the lab with the library alone",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3, silent: [2] });
    const r = await lab.exec(c.source, [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-lock",
      "--allow-ffi",
      "--allow-net",
      "--allow-read",
      example,
      c.target4,
    ], { env: { NO_COLOR: "1" } });
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assertEquals(lines[0], `to ${c.target4} (${c.target4}), default probes`);
    assertEquals(lines.at(-1), "(reached)");
    // The same hops as the command line's classic output.
    const cli = await runHopwise(lab, c.source, ["-n", c.target4]);
    const cliHops = cli.stdout.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/)[1]);
    const exampleHops = lines.slice(1, -1).map((l) => l.trim().split(/\s+/)[1]);
    assertEquals(exampleHops, cliHops);
    assertMatch(lines[2]!, /^ 2 {2}\* +0\/3$/);
    assertMatch(lines[1]!, /^ 1 {2}198\.18\.1\.2 +3\/3 {2}[\d.]+ \.\. [\d.]+ ms$/);
  },
});
