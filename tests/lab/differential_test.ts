/**
 * Differential tests: hopwise and Linux traceroute 2.1.2 trace the same lab
 * topology with the same options, and must print the same thing (header,
 * every hop number, address, name and annotation) except the RTT values,
 * and exit with the same status.
 *
 * Needs root, iproute2, iptables and traceroute; ignored (with the reason
 * printed) where they are missing.
 */
import { assertEquals } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain, type ChainOptions } from "../../lab/topologies.ts";
import { expectSame, labSkipReason, needs } from "../../lab/harness.ts";

const reason = labSkipReason("differential lab tests", needs("traceroute", ["-V"]));

/** Runs both tools with `args` and requires the same output and status. */
function same(lab: Lab, node: string, args: string[]): Promise<string> {
  return expectSame(lab, node, args);
}

/** Builds a lab with one chain and runs `body`; the lab is removed whatever happens. */
async function withChain(options: ChainOptions, body: (c: Chain) => Promise<void>): Promise<void> {
  await using lab = await Lab.create();
  const c = await chain(lab, options);
  await body(c);
}

Deno.test({
  name: "differential: chain of 5 routers, router 3 silent, names from /etc/hosts",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await withChain({ routers: 5, silent: [3], names: true }, async (c) => {
      const v4 = c.target4;
      const v6 = c.target6;
      const cases: string[][] = [
        ["-n", v4],
        [v4],
        ["dst.lab"],
        ["-I", "-n", v4],
        ["-I", v4],
        ["-q", "1", "-n", v4],
        ["-q", "5", "-N", "4", "-w", "1", "-n", v4],
        ["-f", "3", "-n", v4],
        ["-f", "4", "-I", v4],
        ["-m", "4", "-n", v4],
        ["-m", "2", "-I", "-n", v4],
        ["-N", "1", "-w", "0.5,3,10", "-n", v4],
        ["-N", "1", "-w", "0.5,3,10", "-I", "-q", "2", v4],
        ["-w", "1", "-n", v4],
        ["-w", "0.7,3,0", "-I", "-n", v4],
        ["-z", "10", "-q", "1", "-n", v4],
        ["-U", "-n", v4],
        ["-p", "40000", "-n", v4],
        ["-n", v4, "100"],
        ["-I", "-n", v4, "1500"],
        ["-n", "-F", v4, "1400"],
        ["-t", "16", "-n", v4],
        ["-6", "-n", v6],
        [v6],
        ["-6", "dst.lab"],
        ["-I", "-n", v6],
        ["-I", v6],
        ["-q", "1", "-f", "2", "-n", v6],
        ["-N", "1", "-w", "0.5,3,10", "-n", v6],
        ["-N", "1", "-w", "0.5,3,10", "-I", "-n", v6],
        ["-m", "3", "-w", "1,3,10", "-n", v6],
        ["-n", v6, "1000"],
      ];
      for (const args of cases) {
        await t.step(args.join(" "), async () => void await same(c.lab, c.source, args));
      }
    });
  },
});

Deno.test({
  name: "differential: a destination that drops everything",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await withChain({ routers: 3, destination: "drop-all" }, async (c) => {
      // Hops 4 to 6 never answer and nothing answers after them: each of their probes waits the
      // whole -w (no HERE or NEAR evidence), on both sides. Half a second is still some
      // thousand times the lab's round trips.
      for (
        const args of [
          ["-m", "6", "-w", "0.5", "-n", c.target4],
          ["-m", "6", "-w", "0.5", "-I", "-n", c.target4],
          ["-m", "6", "-w", "0.5", "-q", "1", "-N", "1", "-n", c.target4],
          ["-m", "6", "-w", "0.5", "-n", c.target6],
          ["-m", "6", "-w", "0.5", "-I", "-n", c.target6],
        ]
      ) {
        await t.step(args.join(" "), async () => void await same(c.lab, c.source, args));
      }
    });
  },
});

for (const kind of ["host", "net", "prohibit"] as const) {
  Deno.test({
    name: `differential: router 3 answers ${kind} unreachable`,
    ignore: reason !== null,
    sanitizeResources: false,
    fn: async (t) => {
      await withChain({ routers: 4, unreachable: { hop: 3, kind } }, async (c) => {
        for (
          const args of [
            ["-n", c.target4],
            ["-I", "-n", c.target4],
            ["-N", "1", "-n", c.target4],
            ["-q", "2", c.target4],
            ["-n", c.target6],
            ["-I", "-n", c.target6],
            ["-N", "1", "-I", "-n", c.target6],
          ]
        ) {
          await t.step(args.join(" "), async () => void await same(c.lab, c.source, args));
        }
      });
    },
  });
}

Deno.test({
  name: "differential: a 1400-byte link between routers 2 and 3, probes of 1500 bytes",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await withChain({ routers: 3 }, async (c) => {
      // Link 3 (198.18.3.0/24) joins r2 and r3: narrow it on both ends.
      for (const node of ["r2", "r3"]) {
        await c.lab.sh(
          node,
          `ip link set dev "$(ip -o -4 addr show to 198.18.3.0/24 | awk '{print $2}')" mtu 1400`,
        );
      }
      for (
        const args of [
          ["-F", "-n", c.target4, "1500"],
          ["-F", "-I", "-n", c.target4, "1500"],
          ["-F", "-N", "1", "-n", c.target4, "1500"],
          ["-F", "-n", c.target6, "1500"],
          ["-F", "-I", "-n", c.target6, "1500"],
          ["-n", c.target4, "1500"],
        ]
      ) {
        await t.step(args.join(" "), async () => {
          const out = await same(c.lab, c.source, args);
          if (args[0] === "-F") assertEquals(out.includes("!F-1400"), true, out);
        });
      }
    });
  },
});
