/**
 * The destination's address before the destination, as real networks show
 * it (the "destination appears but the trace does not end" question):
 *
 * - a router that owns the target's address (a VIP, a load balancer, a
 *   transparent proxy) answers the probes itself: the trace ends there, at
 *   hop 2 of 4;
 * - a router that forwards the target's traffic but sends its ICMP errors
 *   from the target's address (as NAT devices and some load balancers do):
 *   the target's address shows at hop 2, in a time-exceeded, which is not an
 *   answer, and the trace goes on to the real destination at hop 4.
 *
 * hopwise must print what Linux traceroute prints, for every method, IPv4
 * and IPv6, and say in its JSON which of the two it was.
 */
import { assertEquals } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { expectSame, labSkipReason, needs, runHopwise } from "../../lab/harness.ts";
import { forwardFromTargetAddress } from "../../lab/scenes.ts";

const reason = labSkipReason("destination lab tests", needs("traceroute", ["-V"]));

const METHODS = [[], ["-I"], ["-T"], ["-N", "1"], ["-M", "tcpconn"]];

interface ProbeJson {
  address: string | null;
  final: boolean;
  icmp: { type: number; code: number } | null;
}

async function hopsOf(c: Chain, target: string): Promise<Array<[string | null, boolean]>> {
  const r = await runHopwise(c.lab, c.source, ["--json", "-n", "-q", "1", target]);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).hops.map((h: { probes: ProbeJson[] }) => {
    const p = h.probes[0]!;
    return [p.address, p.final];
  });
}

Deno.test({
  name:
    "the target's address early: a router owning it ends the trace, one sending errors from it does not",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    const [r1, r3] = [c.hops4[0]!, c.hops4[2]!];
    const [r1v6, r3v6] = [c.hops6[0]!, c.hops6[2]!];

    // r2 owns the target's addresses: it answers for the target.
    await lab.sh(
      "r2",
      `ip addr add ${c.target4}/32 dev lo && ip -6 addr add ${c.target6}/128 dev lo nodad`,
    );
    for (const method of METHODS) {
      for (const target of [c.target4, c.target6]) {
        await t.step(`owned by hop 2: ${[...method, target].join(" ")}`, async () => {
          await expectSame(lab, c.source, [...method, "-n", target]);
        });
      }
    }
    await t.step("owned by hop 2: the JSON shows a final answer there", async () => {
      assertEquals(await hopsOf(c, c.target4), [[r1, false], [c.target4, true]]);
      assertEquals(await hopsOf(c, c.target6), [[r1v6, false], [c.target6, true]]);
    });

    // r2 still owns the addresses (so it may send from them) but forwards the
    // target's traffic, and sends its ICMP errors from the target's address.
    await forwardFromTargetAddress(c);
    for (const method of METHODS) {
      for (const target of [c.target4, c.target6]) {
        await t.step(`errors from it at hop 2: ${[...method, target].join(" ")}`, async () => {
          await expectSame(lab, c.source, [...method, "-n", target]);
        });
      }
    }
    await t.step("errors from it at hop 2: the JSON shows a time-exceeded there", async () => {
      assertEquals(await hopsOf(c, c.target4), [
        [r1, false],
        [c.target4, false],
        [r3, false],
        [c.target4, true],
      ]);
      assertEquals(await hopsOf(c, c.target6), [
        [r1v6, false],
        [c.target6, false],
        [r3v6, false],
        [c.target6, true],
      ]);
    });
  },
});
