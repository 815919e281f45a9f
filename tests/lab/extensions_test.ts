/**
 * -e against Linux traceroute, on a router that answers with crafted ICMP
 * extensions (lab/icmp_responder.ts): MPLS label stacks, other
 * objects, every malformed variant, and RFC 4884's compat layout, for UDP,
 * ICMP and TCP probes over IPv4 and IPv6. The responder answers slower than
 * the kernel, so the traces use a fixed wait (-w 2) to stay deterministic.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { expectSame, labSkipReason, needs, runHopwise } from "../../lab/harness.ts";
import {
  MALFORMED_VARIANTS,
  type ResponderOptions,
  startResponder,
} from "../../lab/icmp_responder.ts";

const reason = labSkipReason("extension lab tests", needs("traceroute", ["-V"]));

Deno.test({
  name: "-e: ICMP extensions from a crafting router, against Linux traceroute",
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    const same = (args: string[]) => expectSame(lab, c.source, args);
    const withResponder = async (
      options: ResponderOptions,
      name: string,
      body: () => Promise<void>,
    ) => {
      await t.step(name, async () => {
        await using _responder = await startResponder(lab, "r2", options);
        await body();
      });
    };

    await withResponder(
      { mode: "mpls" },
      "an MPLS label stack: udp, icmp, tcp, IPv4 and IPv6",
      async () => {
        for (const target of [c.target4, c.target6]) {
          for (const method of [[], ["-I"], ["-T"]]) {
            const out = await same(["-e", "-w", "2", ...method, "-n", target]);
            assertMatch(out, / 2 {2}\S+ <MPLS:L=16001,E=0,S=0,T=1\/L=24002,E=5,S=1,T=1> /);
          }
        }
        // Without -e nothing is shown; with names the extension follows the name.
        assertOk(!(await same(["-w", "2", "-n", c.target4])).includes("<"));
        await same(["-e", "-w", "2", c.target4]);
      },
    );

    await withResponder(
      {
        mode: "objects",
        objects: [
          { class: 250, ctype: 7, data: "deadbeef0102030405060708" },
          { class: 3, ctype: 0, data: "" },
          { class: 1, ctype: 2, data: "03e81101" },
        ],
      },
      "other objects",
      async () => {
        const out = await same(["-e", "-w", "2", "-n", c.target4]);
        assertMatch(out, /<250\/7:deadbeef,01020304,05060708;3\/0:;1\/2:03e81101>/);
        await same(["-e", "-w", "2", "-n", c.target6]);
      },
    );

    for (const variant of MALFORMED_VARIANTS) {
      await withResponder({ mode: "malformed", variant }, `malformed: ${variant}`, async () => {
        await same(["-e", "-w", "2", "-n", c.target4]);
        await same(["-e", "-w", "2", "-I", "-n", c.target6]);
      });
    }

    await withResponder(
      { mode: "malformed", variant: "compat", quote: 136 },
      "compat layout, searched for",
      async () => {
        const out = await same(["-e", "-w", "2", "-n", c.target4, "300"]);
        assertMatch(out, /<MPLS:/);
        await same(["-e", "-w", "2", "-I", "-n", c.target6, "300"]);
        await same(["-e", "-w", "2", "-n", c.target4]);
      },
    );

    await withResponder(
      { mode: "mpls", quote: 256 },
      "a longer original datagram field",
      async () => {
        // Linux looks only at offset 128 when the reply is longer than its data: no extension.
        const out = await same(["-e", "-w", "2", "-n", c.target4]);
        assertOk(!out.includes("<"), out);
      },
    );

    await withResponder({ mode: "mpls" }, "the JSON output decodes the stack", async () => {
      const r = await runHopwise(lab, c.source, ["-e", "-w", "2", "-n", "--json", c.target4]);
      const hop2 = JSON.parse(r.stdout).hops[1].probes[0];
      assertEquals(hop2.extensions[0].mpls, [
        { label: 16001, exp: 0, bottom: false, ttl: 1 },
        { label: 24002, exp: 5, bottom: true, ttl: 1 },
      ]);
    });
  },
});
