/**
 * `--privacy` on a real trace: over the lab's chain (names from a hosts
 * file), the first two hops' addresses and names and the source address
 * appear nowhere in the output's bytes, classic or JSON, IPv4 or IPv6,
 * while the later hops and every hop's round trips do.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain, chainAddress4, chainAddress6 } from "../../lab/topologies.ts";
import { labSkipReason, runHopwise } from "../../lab/harness.ts";

const reason = labSkipReason("privacy lab tests");

Deno.test({
  name: "--privacy 2: the first two hops and the source appear nowhere in the output",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3, names: true });
    const families = [
      { label: "IPv4", target: c.target4, hops: c.hops4, source: chainAddress4(1, 1) },
      { label: "IPv6", target: c.target6, hops: c.hops6, source: chainAddress6(1, 1) },
    ];
    for (const f of families) {
      // What must never be printed: the hidden hops' addresses and names, the source.
      const secret = [f.hops[0]!, f.hops[1]!, "r1.lab", "r2.lab", f.source];
      const run = async (args: string[]) => {
        const r = await runHopwise(lab, c.source, [
          "--privacy",
          "2",
          "-s",
          f.source,
          "-q",
          "2",
          ...args,
          f.target,
        ]);
        assertEquals(r.code, 0, r.stderr);
        const bytes = r.stdout + r.stderr;
        assertEquals(secret.filter((s) => bytes.includes(s)), [], bytes);
        return r.stdout;
      };
      await t.step(`${f.label} classic`, async () => {
        const lines = (await run([])).split("\n");
        assertOk(/^ 1 {2}hidden-1 {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms$/.test(lines[1]!), lines[1]);
        assertOk(/^ 2 {2}hidden-2 {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms$/.test(lines[2]!), lines[2]);
        assertOk(lines[3]!.startsWith(` 3  r3.lab (${f.hops[2]})  `), lines[3]);
      });
      await t.step(`${f.label} JSON`, async () => {
        const doc = JSON.parse(await run(["--json"]));
        type Hop = { ttl: number; probes: { address: string; rtt: number | null }[] };
        const hops = doc.hops as Hop[];
        assertEquals(hops.map((h) => h.probes[0]!.address), [
          "hidden-1",
          "hidden-2",
          f.hops[2],
          f.target,
        ]);
        assertOk(hops.every((h) => h.probes.every((p) => typeof p.rtt === "number")));
        assertEquals(doc.settings.source, "hidden");
      });
    }
  },
});
