/**
 * hopwise as a process: interrupted by SIGINT / SIGTERM it keeps what it has
 * printed, ends the line, and exits 130 / 143; with its standard output
 * closed it stops quietly (status 141, nothing on stderr).
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason } from "../../lab/harness.ts";

const reason = labSkipReason("process lab tests");

Deno.test({
  name: "signals and a closed pipe",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    // Hops 1-2 answer; the destination drops everything, so the trace waits there.
    const c = await chain(lab, { routers: 2, destination: "drop-all" });
    for (const [signal, status] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      await t.step(signal, async () => {
        const child = lab.spawn(c.source, hopwiseArgv(["-n", "-m", "10", c.target4]), {
          stdout: "piped",
          stderr: "piped",
        });
        // Wait until both answering hops are printed, then interrupt.
        const reader = child.stdout.getReader();
        let text = "";
        while (!/\n 2 .*ms.*ms.*ms/.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        child.kill(signal);
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          text += new TextDecoder().decode(r.value);
        }
        const { code } = await child.status;
        const stderr = new TextDecoder().decode(
          (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
        );
        assertEquals(code, status);
        assertEquals(stderr, "");
        assertMatch(
          text,
          /^traceroute to \S+ \(\S+\), 10 hops max, 60 byte packets\n 1 {2}198\.18\.1\.2 .*\n 2 {2}198\.18\.2\.2 .*\n$/,
        );
      });
    }
    await t.step("standard output closed early", async () => {
      const argv = hopwiseArgv(["-n", "-q", "1", "-w", "1", "-m", "3", c.target4]);
      const quoted = argv.map((a) => `'${a}'`).join(" ");
      const r = await lab.exec(c.source, [
        "bash",
        "-c",
        `${quoted} 2>/tmp/hopwise-stderr-$$ | head -c 10 >/dev/null; ` +
        `echo "\${PIPESTATUS[0]}"; cat /tmp/hopwise-stderr-$$; rm -f /tmp/hopwise-stderr-$$`,
      ]);
      assertEquals(r.stdout, "141\n");
    });
  },
});
