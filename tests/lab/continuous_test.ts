/**
 * Continuous mode in the lab: a chain where router 2 keeps the kernel's
 * default ICMP rate limit (one error a second after a burst of six) and
 * router 4 drops a fifth of what it forwards, both ways. hopwise's report
 * must call hop 2 rate-limited (not loss), locate the real loss at hop 5 (the
 * first hop past router 4), and agree with mtr's figures on the same lab
 * within binomial error. Also: a route that disappears mid-run makes those
 * probes lost with their reason and the run recovers; --ndjson gives a line
 * per cycle; an interrupted report prints what it has.
 *
 * Needs root, iproute2, iptables and mtr (mtr-tiny).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason, needs, runHopwise, startIn } from "../../lab/harness.ts";

const reason = labSkipReason("continuous-mode lab tests", needs("mtr", ["--version"]));
const CLI = decodeURIComponent(new URL("../../cli.ts", import.meta.url).pathname);

interface HopJson {
  ttl: number;
  sent: number;
  lost: number;
  inFlight: number;
  received: number;
  lossPercent: number;
  addresses: Array<{ address: string | null; share: number }>;
}

interface ReportJson {
  schema: string;
  cycles: number;
  destination: number | null;
  hops: HopJson[];
  faults: Array<{ ttl: number; reason: string; count: number }>;
  findings: Array<{ kind: string; hops: number[]; text: string }>;
}

/** Whether two loss estimates agree within binomial error (3 standard errors, and 3 points). */
function agree(a: { lost: number; n: number }, b: { lost: number; n: number }): boolean {
  const pa = a.lost / a.n;
  const pb = b.lost / b.n;
  const pooled = (a.lost + b.lost) / (a.n + b.n);
  const se = Math.sqrt(Math.max(pooled * (1 - pooled), 0.01) * (1 / a.n + 1 / b.n));
  return Math.abs(pa - pb) <= 3 * se + 0.03;
}

async function lossyChain(lab: Lab): Promise<Chain> {
  return await chain(lab, {
    routers: 5,
    keepIcmpRateLimit: [2],
    forwardLoss: [{ hop: 4, share: 0.2 }],
  });
}

async function report(lab: Lab, c: Chain, args: string[]): Promise<ReportJson> {
  const r = await runHopwise(lab, c.source, [...args, "--json"], { mod: CLI });
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

Deno.test({
  name: "continuous: a rate-limited hop is told from real loss, and the figures agree with mtr's",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await lossyChain(lab);
    const cycles = 100;
    const doc = await report(lab, c, [
      "--report",
      "-I",
      "-n",
      "--cycles",
      String(cycles),
      "--interval",
      "0.1",
      c.target4,
    ]);
    await t.step("the document", () => {
      assertEquals(doc.schema, "hopwise.report/1");
      assertEquals(doc.cycles, cycles);
      assertEquals(doc.destination, 6);
      assertEquals(doc.hops.map((h) => h.ttl), [1, 2, 3, 4, 5, 6]);
      assertEquals(doc.hops.map((h) => h.addresses[0]?.address), c.hops4);
      for (const h of doc.hops) assertEquals([h.sent, h.inFlight], [cycles, 0], `hop ${h.ttl}`);
    });
    await t.step("the findings: hop 2 rate-limits, real loss begins at hop 5", () => {
      const kinds = doc.findings.map((f) => `${f.kind} ${f.hops.join(",")}`);
      assertOk(kinds.includes("rate-limited 2"), kinds.join("\n"));
      assertOk(kinds.includes("loss 5,6"), kinds.join("\n"));
      assertEquals(
        doc.findings.filter((f) => f.kind === "rate-limited").length,
        1,
        kinds.join("\n"),
      );
      const byTtl = new Map(doc.hops.map((h) => [h.ttl, h]));
      assertOk(byTtl.get(2)!.lossPercent > 50, `hop 2 ${byTtl.get(2)!.lossPercent}%`);
      for (const ttl of [1, 3, 4]) assertEquals(byTtl.get(ttl)!.lost, 0, `hop ${ttl}`);
    });
    await t.step("the text report reads as mtr's", async () => {
      const r = await runHopwise(lab, c.source, [
        "--report",
        "-I",
        "-n",
        "--cycles",
        "10",
        "--interval",
        "0.1",
        c.target4,
      ], { mod: CLI });
      assertEquals(r.code, 0, r.stderr);
      const lines = r.stdout.split("\n");
      assertOk(/^Start: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/.test(lines[0]!), lines[0]);
      assertOk(
        /^HOST: \S+ +Loss% +Snt +Last +Avg +Best +Wrst StDev$/.test(lines[1]!),
        lines[1],
      );
      for (let i = 0; i < 6; i++) {
        assertOk(
          new RegExp(`^ +${i + 1}\\.\\|-- ${c.hops4[i]!.replaceAll(".", "\\.")} +\\d+\\.\\d%? +10 `)
            .test(lines[2 + i]!),
          lines[2 + i],
        );
      }
      assertOk(r.stdout.includes("\nrate-limited: hop 2 (198.18.2.2)"), r.stdout);
    });
    await t.step("mtr on the same lab: Loss% per hop within binomial error", async () => {
      const m = await lab.exec(c.source, [
        "mtr",
        "-j",
        "-n",
        "-c",
        String(cycles),
        "-i",
        "0.1",
        c.target4,
      ]);
      assertEquals(m.code, 0, m.stderr);
      const hubs: Array<{ count: number; host: string; "Loss%": number; Snt: number }> =
        JSON.parse(m.stdout).report.hubs;
      assertEquals(hubs.map((h) => h.host), c.hops4);
      for (const hub of hubs) {
        const ours = doc.hops.find((h) => h.ttl === hub.count)!;
        const theirs = { lost: Math.round((hub["Loss%"] / 100) * hub.Snt), n: hub.Snt };
        assertOk(
          agree({ lost: ours.lost, n: ours.sent - ours.inFlight }, theirs),
          `hop ${hub.count}: hopwise ${ours.lossPercent}% of ${ours.sent}, mtr ${
            hub["Loss%"]
          }% of ${hub.Snt}`,
        );
      }
    });
  },
});

Deno.test({
  name: "continuous: a route that disappears loses those probes with the reason, then recovers",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    const argv = hopwiseArgv(
      ["--report", "-n", "--cycles", "40", "--interval", "0.05", "--json", c.target4],
      CLI,
    );
    const run = startIn(lab, c.source, argv);
    await new Promise((resolve) => setTimeout(resolve, 800));
    await lab.sh(c.source, "ip route del 198.18.0.0/15");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await lab.sh(c.source, "ip route add 198.18.0.0/15 via 198.18.1.2");
    const r = await run.done;
    assertEquals(r.code, 0, r.stderr);
    const doc: ReportJson = JSON.parse(r.stdout);
    assertEquals(doc.cycles, 40);
    const fault = doc.faults[0];
    assertOk(fault && /unreachable/i.test(fault.reason), JSON.stringify(doc.faults));
    assertOk(doc.findings.some((f) => f.kind === "fault"), JSON.stringify(doc.findings));
    const destination = doc.hops.find((h) => h.ttl === 3)!;
    assertOk(destination.lost > 0 && destination.received > 0, JSON.stringify(destination));
  },
});

Deno.test({
  name:
    "continuous: --ndjson gives a line per cycle as it goes; an interrupted report prints what it has",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    await t.step("--ndjson", async () => {
      const r = await runHopwise(lab, c.source, [
        "--report",
        "-n",
        "--cycles",
        "5",
        "--interval",
        "0.05",
        "--ndjson",
        c.target6,
      ], { mod: CLI });
      assertEquals(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assertEquals(lines.map((l) => l.type), ["start", ...Array(5).fill("cycle"), "end"]);
      assertEquals(lines.slice(1, 6).map((l) => l.cycle).sort(), [0, 1, 2, 3, 4]);
      assertEquals(lines[1].probes.map((p: { ttl: number }) => p.ttl), [1, 2, 3]);
      assertEquals(lines.at(-1).hops.length, 3);
    });
    await t.step("SIGINT", async () => {
      const run = startIn(
        lab,
        c.source,
        hopwiseArgv(["--report", "-n", "--cycles", "1000", "--interval", "0.05", c.target4], CLI),
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      run.kill("SIGINT");
      const r = await run.done;
      assertEquals(r.code, 130, r.stderr);
      assertOk(/^Start: /.test(r.stdout), r.stdout);
      assertOk(r.stdout.includes(`  3.|-- ${c.target4}`), r.stdout);
    });
  },
});
