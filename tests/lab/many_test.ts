/**
 * `--targets FILE` in the lab: a chain of three routers whose destination
 * answers for whole prefixes (198.19.0.0/16 and 2001:db8:ff::/48), so a list
 * holds tens of targets at the destination's hop beside nearer ones (the
 * routers) and silent ones (198.18.200.0/24 is routed to the destination,
 * which has no such address and drops what it does not forward).
 *
 * Every block of the classic output is what Linux traceroute prints for that
 * target with the same options, in the order of the list whatever order the
 * traces end in; the list's syntax (comments, prefixes, bad lines, standard
 * input, a file that cannot be read); `--json` as JSON Lines and `--ndjson`
 * tagged with the target; Ctrl-C and a closed pipe; as uid 65534 under a low
 * descriptor limit (UDP sized to it; ICMP through one shared ping socket);
 * both families in one list; and the same hops as scamper's icmp-paris.
 *
 * Needs root, iproute2, iptables and Linux traceroute; the scamper test
 * needs scamper.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import {
  hopwiseArgv,
  labSkipReason,
  lineDiff,
  needs,
  readableCopy,
  runHopwise,
  runTraceroute,
  withoutRtts,
} from "../../lab/harness.ts";
import { NOBODY } from "../helpers/nobody.ts";

const reason = labSkipReason("many-target lab tests", needs("traceroute", ["-V"]));
const scamperReason = reason ?? labSkipReason("many-target scamper test", needs("scamper", ["-v"]));
const CLI = decodeURIComponent(new URL("../../cli.ts", import.meta.url).pathname);
/** Prefixes the destination answers for. */
const ANY4 = "198.19.0.0/16";
const ANY6 = "2001:db8:ff::/48";
/** Routed to the destination, which has no such address: nothing answers past the routers. */
const SILENT = "198.18.200.1";

/** The lab of every test: src - r1 - r2 - r3 - dst, dst answering for ANY4 and ANY6. */
async function manyChain(lab: Lab): Promise<Chain> {
  return await chain(lab, { routers: 3, anyPrefixes: [ANY4, ANY6] });
}

/** An address of the destination's prefixes (`198.19.<n>.<m>`, `2001:db8:ff::<hex>`). */
function any4(n: number, m: number): string {
  return `198.19.${n}.${m}`;
}
function any6(n: number): string {
  return `2001:db8:ff::${n.toString(16)}`;
}

/** One target of a list as the lab must show it. */
interface Expected {
  host: string;
  /** Its line in the list, from 1. */
  line: number;
  /** The responder at each hop, null for none (ICMP probes). */
  hops: Array<string | null>;
  /** Whether the trace reaches it. */
  reached: boolean;
}

/**
 * What ICMP probes must find for `host` on chain `c` with at most `maxHops`:
 * a router's own address ends at that router, a silent address is unanswered
 * past the routers, anything else the destination answers for at its hop.
 */
function icmpPath(c: Chain, host: string, line: number, maxHops: number): Expected {
  const v6 = host.includes(":");
  const hops = v6 ? c.hops6 : c.hops4;
  const routers = hops.slice(0, -1);
  const at = hops.indexOf(host);
  if (at !== -1) return { host, line, hops: hops.slice(0, at + 1), reached: true };
  if (host === SILENT) {
    const unanswered = Array<null>(maxHops - routers.length).fill(null);
    return { host, line, hops: [...routers, ...unanswered], reached: false };
  }
  return { host, line, hops: [...routers, host], reached: true };
}

/** The text of a list: one entry per line, `null` for a blank line. */
function listText(lines: Array<string | null>): string {
  return lines.map((l) => l ?? "").join("\n") + "\n";
}

/** The hosts of a list's lines (no comments, prefixes or bad lines in it), with their line. */
function hostsOf(lines: Array<string | null>): Array<{ host: string; line: number }> {
  return lines.flatMap((l, i) =>
    l !== null && !l.startsWith("#") && l.trim() !== "" ? [{ host: l.trim(), line: i + 1 }] : []
  );
}

/** The blocks of classic output, each from its `traceroute to` line. */
function blocks(text: string): string[] {
  if (text === "") return [];
  const parts = text.split(/(?=^traceroute to )/m);
  assertOk(parts[0]!.startsWith("traceroute to "), `output does not begin with a header:\n${text}`);
  return parts;
}

/** The target a block traces. */
function blockTarget(block: string): string {
  return /^traceroute to (\S+) /.exec(block)?.[1] ?? "";
}

/** The responder of each hop line of a `-q 1` block, null for `*`. */
function blockHops(block: string): Array<string | null> {
  return block.split("\n").slice(1).filter((l) => l !== "").map((l, i) => {
    const m = /^ ?(\d+) {2}(\S+)/.exec(l);
    assertOk(m && Number(m[1]) === i + 1, `hop line ${i + 1}: ${l}`);
    return m[2] === "*" ? null : m[2]!;
  });
}

/** A directory anyone may read, holding the lists. */
async function listDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-many-" });
  await Deno.chmod(dir, 0o755);
  return dir;
}

async function writeList(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, 0o644);
}

/** Linux traceroute's output for each host with `args`, all at once. */
async function references(
  lab: Lab,
  c: Chain,
  args: string[],
  hosts: string[],
): Promise<Map<string, string>> {
  const runs = await Promise.all(hosts.map((h) => runTraceroute(lab, c.source, [...args, h])));
  const out = new Map<string, string>();
  runs.forEach((r, i) => {
    assertEquals(r.code, 0, r.stderr);
    out.set(hosts[i]!, r.stdout);
  });
  return out;
}

/** Every block equals Linux traceroute's output for its target, RTTs aside. */
function assertSameBlocks(ours: string[], theirs: Map<string, string>, hosts: string[]): void {
  assertEquals(ours.map(blockTarget), hosts);
  ours.forEach((block, i) => {
    const expected = withoutRtts(theirs.get(hosts[i]!)!);
    const actual = withoutRtts(block);
    assertEquals(actual, expected, `${hosts[i]}:\n${lineDiff(expected, actual)}`);
  });
}

/** The summary line: the last line of stderr. */
function summaryOf(
  stderr: string,
): { targets: number; traced: number; reached: number; line: string } {
  const line = stderr.trimEnd().split("\n").at(-1) ?? "";
  const m = /^hopwise: (\d+) targets, (\d+) traced \((\d+) reached\)/.exec(line);
  assertOk(m, `no summary line in ${JSON.stringify(stderr)}`);
  return { targets: Number(m[1]), traced: Number(m[2]), reached: Number(m[3]), line };
}

/** A process started in a lab node whose standard output can be watched as it comes. */
function watched(lab: Lab, node: string, argv: string[]) {
  const child = lab.spawn(node, argv, { stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } });
  const decoder = new TextDecoder();
  let stdout = "";
  const reading = (async () => {
    for await (const chunk of child.stdout) stdout += decoder.decode(chunk, { stream: true });
  })();
  const stderr = new Response(child.stderr).text();
  return {
    /** Waits until the output so far passes `test` (true), or `ms` pass (false). */
    async until(test: (text: string) => boolean, ms: number): Promise<boolean> {
      const end = performance.now() + ms;
      while (!test(stdout)) {
        if (performance.now() > end) return false;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return true;
    },
    kill: (signal: Deno.Signal) => child.kill(signal),
    done: (async () => {
      const status = await child.status;
      await reading;
      return { code: status.code, stdout, stderr: await stderr };
    })(),
  };
}

/** What a list test gets: the test, its lab, the chain and a folder for its lists. */
interface ListTest {
  t: Deno.TestContext;
  lab: Lab;
  c: Chain;
  dir: string;
}

/**
 * A test on the many-target chain with a folder for its lists, removed
 * after it; skipped when `skip` (a reason) is not null.
 */
function listTest(
  name: string,
  fn: (context: ListTest) => Promise<void>,
  skip: string | null = reason,
): void {
  Deno.test({
    name,
    ignore: skip !== null,
    sanitizeResources: false,
    fn: async (t) => {
      await using lab = await Lab.create();
      const c = await manyChain(lab);
      const dir = await listDir();
      try {
        await fn({ t, lab, c, dir });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

interface TraceDoc {
  schema: string;
  target: { host: string; address: string; family: number };
  reason: string;
  startedAt: string;
  endedAt: string;
  hops: Array<{ ttl: number; probes: Array<{ address: string | null }> }>;
  input: { target: string; line: number };
}

/** The responder of each hop of a `-q 1` JSON document. */
function docHops(doc: { hops: TraceDoc["hops"] }): Array<string | null> {
  return doc.hops.map((h, i) => {
    assertEquals(h.ttl, i + 1);
    assertEquals(h.probes.length, 1);
    return h.probes[0]!.address;
  });
}

listTest(
  "many: one block per target in list order, each Linux traceroute's own (-I and the default method)",
  async ({ t, lab, c, dir }) => {
    // Listed silent first, then far, then near: they end in about the reverse order.
    const lines = [SILENT, any4(0, 1), c.hops4[0]!, any4(7, 7), c.hops4[2]!, c.target4];
    const hosts = hostsOf(lines).map((h) => h.host);
    const list = `${dir}/list`;
    await writeList(list, listText(lines));
    const expected = hostsOf(lines).map((h) => icmpPath(c, h.host, h.line, 8));
    for (const method of [["-I"], []]) {
      // -w 1 on both sides: the lab's answers take well under a millisecond, and the silent
      // target's five unanswered hops then cost each side 1 s instead of 5.
      const args = ["-n", ...method, "-q", "1", "-m", "8", "-w", "1"];
      await t.step(`${args.join(" ")} --targets`, async () => {
        const ours = await runHopwise(lab, c.source, [...args, "--targets", list], { mod: CLI });
        assertEquals(ours.code, 0, ours.stderr);
        const found = blocks(ours.stdout);
        assertSameBlocks(found, await references(lab, c, args, hosts), hosts);
        // With ICMP every responder is the lab's own address for that hop.
        if (method.length > 0) assertEquals(found.map(blockHops), expected.map((e) => e.hops));
        const s = summaryOf(ours.stderr);
        const reached = expected.filter((e) => e.reached).length;
        assertEquals([s.targets, s.traced, s.reached], [hosts.length, hosts.length, reached]);
        assertEquals(ours.stderr.trimEnd().split("\n").length, 1, ours.stderr);
      });
    }
  },
);

listTest(
  "many: comments, blank lines and prefixes; bad lines reported by number; stdin; no file",
  async ({ t, lab, c, dir }) => {
    const lines = [
      "# targets of the lab",
      any4(9, 9),
      "",
      "   # an indented comment",
      "198.19.4.0/30   # a prefix: four addresses",
      "300.1.2.3",
      "not a host!",
      `  ${c.hops4[0]!}  `,
      "2001:db8:ff::10/127",
    ];
    // What the list stands for, written out here rather than by the parser under test.
    const expected = [
      any4(9, 9),
      "198.19.4.0",
      "198.19.4.1",
      "198.19.4.2",
      "198.19.4.3",
      c.hops4[0]!,
      "2001:db8:ff::10",
      "2001:db8:ff::11",
    ];
    const list = `${dir}/list`;
    await writeList(list, lines.join("\n") + "\n");
    const args = ["-n", "-I", "-q", "1"];
    await t.step("from a file", async () => {
      const ours = await runHopwise(lab, c.source, [...args, "--targets", list], { mod: CLI });
      assertEquals(ours.code, 1, ours.stderr);
      const found = blocks(ours.stdout);
      assertEquals(found.map(blockTarget), expected);
      assertEquals(
        found.map(blockHops),
        expected.map((h) => icmpPath(c, h, 0, 30).hops),
      );
      const errors = ours.stderr.split("\n").filter((l) => l.includes("--targets line"));
      assertEquals(errors.length, 2, ours.stderr);
      const byLine = (n: number) =>
        errors.find((l) => l.startsWith(`hopwise: --targets line ${n}: `));
      // Digits and dots with a part over 255: no address, and not looked up as a name.
      assertEquals(
        byLine(6),
        'hopwise: --targets line 6: "300.1.2.3": not an IPv4 or IPv6 address',
        ours.stderr,
      );
      assertOk(byLine(7)?.includes('"not a host!"'), ours.stderr);
      const s = summaryOf(ours.stderr);
      assertEquals([s.targets, s.traced, s.reached], [10, 8, 8], s.line);
      assertMatch(s.line, /, 2 failed,/);
    });
    await t.step("--targets - reads standard input", async () => {
      const good = lines.filter((l) => !["300.1.2.3", "not a host!"].includes(l));
      const r = await lab.exec(
        c.source,
        hopwiseArgv([...args, "--targets", "-"], CLI),
        { stdin: good.join("\n") + "\n", env: { NO_COLOR: "1" } },
      );
      assertEquals(r.code, 0, r.stderr);
      assertEquals(blocks(r.stdout).map(blockTarget), expected);
      const s = summaryOf(r.stderr);
      assertEquals([s.targets, s.traced, s.reached], [8, 8, 8], s.line);
    });
    await t.step("a list that cannot be read: one line, status 2, nothing traced", async () => {
      const missing = `${dir}/no-such-list`;
      const r = await runHopwise(lab, c.source, [...args, "--targets", missing], { mod: CLI });
      assertEquals(r.code, 2, r.stderr);
      assertEquals(r.stdout, "");
      const errLines = r.stderr.split("\n").filter((l) => l !== "");
      assertEquals(errLines.length, 1, r.stderr);
      assertOk(errLines[0]!.startsWith("hopwise: ") && errLines[0]!.includes(missing), r.stderr);
      assertOk(/no such file/i.test(errLines[0]!), r.stderr);
    });
  },
);

listTest(
  "many: --json is JSON Lines of the single trace's documents; --ndjson is tagged per line",
  async ({ t, lab, c, dir }) => {
    const lines = [
      "# silent first, then far and near",
      SILENT,
      any4(0, 1),
      null,
      c.hops4[0]!,
      any6(0x21),
      c.hops4[2]!,
    ];
    const listed = hostsOf(lines);
    const list = `${dir}/list`;
    await writeList(list, listText(lines));
    const args = ["-n", "-I", "-q", "1", "-m", "8"];
    await t.step("--json", async () => {
      const single = await runHopwise(lab, c.source, [...args, "--json", c.target4], {
        mod: CLI,
      });
      assertEquals(single.code, 0, single.stderr);
      const reference: Record<string, unknown> = JSON.parse(single.stdout);
      const r = await runHopwise(lab, c.source, [...args, "--json", "--targets", list], {
        mod: CLI,
      });
      assertEquals(r.code, 0, r.stderr);
      assertOk(r.stdout.endsWith("}\n"), r.stdout);
      const docLines = r.stdout.slice(0, -1).split("\n");
      assertEquals(docLines.length, listed.length, r.stdout);
      const docs: TraceDoc[] = docLines.map((l) => JSON.parse(l));
      docs.forEach((doc, i) => {
        const want = icmpPath(c, listed[i]!.host, listed[i]!.line, 8);
        assertEquals(doc.schema, reference.schema);
        assertEquals(Object.keys(doc), [...Object.keys(reference), "input"]);
        assertEquals(doc.input, { target: want.host, line: want.line });
        assertEquals(doc.target.host, want.host);
        assertEquals(doc.target.family, want.host.includes(":") ? 6 : 4);
        assertEquals(docHops(doc), want.hops, want.host);
        assertEquals(doc.reason, want.reached ? "reached" : "max-hops", want.host);
      });
      // In list order, although the traces did not end in that order.
      const ends = docs.map((d) => Date.parse(d.endedAt));
      const byEnd = [...docs.keys()].sort((a, b) => ends[a]! - ends[b]!);
      assertOk(
        byEnd.join() !== [...docs.keys()].join(),
        `ended in list order: ${docs.map((d) => d.endedAt).join(" ")}`,
      );
      assertEquals(byEnd.at(-1), 0, "the silent target ends last");
    });
    await t.step("--ndjson", async () => {
      const reachable = lines.filter((l) => l !== SILENT);
      const ndList = `${dir}/nd`;
      await writeList(ndList, listText(reachable));
      const want = hostsOf(reachable).map((h) => icmpPath(c, h.host, h.line, 8));
      const r = await runHopwise(lab, c.source, [...args, "--ndjson", "--targets", ndList], {
        mod: CLI,
      });
      assertEquals(r.code, 0, r.stderr);
      assertOk(r.stdout.endsWith("}\n"), r.stdout);
      const events: Array<Record<string, unknown> & { input: TraceDoc["input"]; type: string }> = r
        .stdout.slice(0, -1).split("\n").map((l) => JSON.parse(l));
      // Every line tagged; the lines of one target together, the targets in list order.
      const order: string[] = [];
      for (const e of events) {
        const w = want.find((x) => x.host === e.input?.target);
        assertOk(w, `untagged or unknown: ${JSON.stringify(e)}`);
        assertEquals(e.input, { target: w.host, line: w.line });
        if (order.at(-1) !== w.host) order.push(w.host);
      }
      assertEquals(order, want.map((w) => w.host));
      for (const w of want) {
        const mine = events.filter((e) => e.input.target === w.host);
        assertEquals(
          mine.map((e) => e.type),
          ["start", ...w.hops.flatMap(() => ["probe", "hop"]), "end"],
        );
        const start = mine[0] as unknown as { schema: string; target: TraceDoc["target"] };
        assertEquals(start.schema, "hopwise.events/1");
        assertEquals(start.target.host, w.host);
        const hops = mine.filter((e) => e.type === "hop")
          .map((e) => (e as unknown as { hop: TraceDoc["hops"][number] }).hop);
        assertEquals(docHops({ hops }), w.hops);
        assertEquals((mine.at(-1) as unknown as { reason: string }).reason, "reached");
      }
    });
  },
);

listTest(
  "many: Ctrl-C prints every trace done, whole, says so and exits 130; a closed pipe exits 141",
  async ({ t, lab, c, dir }) => {
    // 64 targets at the destination's hop (4): at 20 probes a second, at least 12.8 s.
    const list = `${dir}/list`;
    const hosts = Array.from({ length: 64 }, (_, i) => any4(2, i));
    await writeList(list, "198.19.2.0/26\n");
    const hopsAt = c.hops4.length;
    const fullRunMs = (hosts.length * hopsAt / 20) * 1000;
    const slow = ["-n", "-q", "1", "--rate", "20", "--parallel", "2", "--targets", list];
    const cases = [["SIGINT", false], ["SIGINT", true], ["SIGTERM", false]] as const;
    for (const [signal, json] of cases) {
      await t.step(`${signal}${json ? " with --json" : ""}`, async () => {
        const run = watched(
          lab,
          c.source,
          hopwiseArgv([...slow, ...(json ? ["--json"] : [])], CLI),
        );
        const some = await run.until(
          (text) => json ? text.includes("\n") : new RegExp(`\n ${hopsAt}  198\\.19\\.`).test(text),
          8000,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        run.kill(signal);
        const r = await run.done;
        assertOk(some, `nothing printed before the interrupt: ${r.stdout} ${r.stderr}`);
        assertEquals(r.code, signal === "SIGINT" ? 130 : 143, r.stderr);
        const s = summaryOf(r.stderr);
        assertMatch(s.line, /, interrupted$/);
        assertEquals(s.targets, hosts.length);
        assertOk(s.traced > 0 && s.traced < hosts.length, s.line);
        assertOk(r.stdout.endsWith("\n"), r.stdout);
        let printed: string[];
        if (json) {
          const docs: TraceDoc[] = r.stdout.slice(0, -1).split("\n").map((l) => JSON.parse(l));
          for (const doc of docs) {
            assertEquals(doc.reason, "reached");
            assertEquals(docHops(doc), [...c.hops4.slice(0, -1), doc.input.target]);
          }
          printed = docs.map((d) => d.input.target);
        } else {
          const found = blocks(r.stdout);
          for (const block of found) {
            assertEquals(blockHops(block), [...c.hops4.slice(0, -1), blockTarget(block)]);
          }
          printed = found.map(blockTarget);
        }
        // Every trace that ended is printed (the summary counts them), once, in list order.
        assertEquals(printed.length, s.traced, `${r.stdout}\n${s.line}`);
        const indexes = printed.map((h) => hosts.indexOf(h));
        assertOk(
          indexes.every((x, i) => x >= 0 && (i === 0 || x > indexes[i - 1]!)),
          printed.join(),
        );
      });
    }
    await t.step("| head -n 1: ends soon, quietly, status 141", async () => {
      const argv = hopwiseArgv([
        "-n",
        "-q",
        "1",
        "--rate",
        "20",
        "--parallel",
        "1",
        "--targets",
        list,
      ], CLI);
      const started = performance.now();
      const r = await lab.exec(
        c.source,
        ["sh", "-c", '{ "$@"; echo "status $?" >&2; } | head -n 1', "sh", ...argv],
        { env: { NO_COLOR: "1" } },
      );
      const ms = performance.now() - started;
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stderr, "status 141\n");
      assertEquals(
        r.stdout,
        `traceroute to ${hosts[0]} (${hosts[0]}), 30 hops max, 60 byte packets\n`,
      );
      assertOk(
        ms < fullRunMs / 2,
        `took ${ms.toFixed(0)} ms; the whole list takes ${fullRunMs} ms`,
      );
    });
  },
);

Deno.test({
  name: "many: as uid 65534, UDP sized to the descriptor limit; ICMP through one ping socket",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await manyChain(lab);
    const copy = await readableCopy();
    try {
      const list = `${copy.dir}/list`;
      const hosts = Array.from({ length: 32 }, (_, i) => any4(3, i));
      await writeList(list, "198.19.3.0/27\n");
      /** hopwise as nobody under `ulimit -n limit`. */
      const asNobody = (limit: number, args: string[]) =>
        lab.exec(
          c.source,
          [
            "sh",
            "-c",
            `ulimit -n ${limit} && exec "$@"`,
            "sh",
            ...hopwiseArgv(args, copy.mod, copy.deno),
          ],
          { user: NOBODY, env: { ...copy.env, NO_COLOR: "1" } },
        );
      const allTraced = (r: { stdout: string; stderr: string }) => {
        const found = blocks(r.stdout);
        assertEquals(found.map(blockTarget), hosts);
        for (const block of found) {
          assertEquals(blockHops(block), [...c.hops4.slice(0, -1), blockTarget(block)]);
        }
        const s = summaryOf(r.stderr);
        assertEquals([s.targets, s.traced, s.reached], [32, 32, 32], s.line);
      };
      await t.step("default method under ulimit -n 150: --parallel lowered to fit", async () => {
        const r = await asNobody(150, ["-n", "-q", "1", "--rate", "1000", "--targets", list]);
        assertEquals(r.code, 0, r.stderr);
        allTraced(r);
        const note =
          /^hopwise: 64 targets at once would need (\d+) descriptors; the limit is (\d+): (\d+) at once$/m
            .exec(r.stderr);
        assertOk(note, r.stderr);
        assertEquals(Number(note[2]), 150);
        assertOk(Number(note[1]) > 150, note[0]);
        const fit = Number(note[3]);
        assertOk(fit >= 1 && fit < 64, note[0]);
        // As many as were said to fit need no lowering.
        const fitting = await asNobody(150, [
          "-n",
          "-q",
          "1",
          "--rate",
          "1000",
          "--parallel",
          String(fit),
          "--targets",
          list,
        ]);
        assertEquals(fitting.code, 0, fitting.stderr);
        allTraced(fitting);
        assertOk(!fitting.stderr.includes("descriptors"), fitting.stderr);
      });
      await t.step(
        "default method under ulimit -n 40: fewer probes in flight, all traced",
        async () => {
          // Not even one trace's 32 probes in flight fit beside Deno's own descriptors.
          const r = await asNobody(40, ["-n", "-q", "1", "--rate", "1000", "--targets", list]);
          assertEquals(r.code, 0, r.stderr);
          allTraced(r);
          const note = /the limit is 40: 1 at once, (\d+) probes? of it in flight$/m.exec(r.stderr);
          assertOk(note, r.stderr);
          assertOk(Number(note[1]) >= 1 && Number(note[1]) < 32, note[0]);
          // A silent target keeps every probe of its trace in flight at once (before, it
          // failed whole with "socket: Too many open files").
          const silentList = `${copy.dir}/silent`;
          await writeList(silentList, `${SILENT}\n${hosts[0]}\n`);
          const silent = await asNobody(40, ["-n", "-q", "1", "-m", "8", "--targets", silentList]);
          assertEquals(silent.code, 0, silent.stderr);
          const s = summaryOf(silent.stderr);
          assertEquals([s.targets, s.traced, s.reached], [2, 2, 1], s.line);
        },
      );
      await t.step("-I without ping sockets: the privilege message, status 1", async () => {
        const r = await asNobody(40, ["-n", "-I", "-q", "1", "--targets", list]);
        assertEquals(r.code, 1, r.stderr);
        assertEquals(r.stdout, "");
        assertOk(
          r.stderr.startsWith("You do not have enough privileges to use this traceroute method.\n"),
          r.stderr,
        );
      });
      await t.step("-I with ping sockets, 32 targets at once under ulimit -n 40", async () => {
        await lab.sh(c.source, "sysctl -qw net.ipv4.ping_group_range='0 2147483647'");
        // A socket per target would not fit: Deno itself holds about 20 descriptors.
        const r = await asNobody(40, ["-n", "-I", "-q", "1", "--rate", "1000", "--targets", list]);
        assertEquals(r.code, 0, r.stderr);
        allTraced(r);
        assertOk(!r.stderr.includes("descriptors"), r.stderr);
        assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      });
      await t.step(
        "-I with ping sockets, 1,000 targets at no rate cap: every hop answered",
        async () => {
          // Every ICMP error also leaves a pending error on the shared socket, which a send
          // returns instead of sending: with answers coming all the time, a send met one twice
          // in a row, and the sending thread gave the probe up (about 1 in 70 was a "*").
          const many = `${copy.dir}/thousand`;
          await writeList(many, "198.19.8.0/22\n");
          const r = await asNobody(1024, ["-n", "-I", "-q", "1", "--rate", "0", "--targets", many]);
          assertEquals(r.code, 0, r.stderr);
          const found = blocks(r.stdout);
          assertEquals(found.length, 1024);
          const unanswered = found.filter((b) => blockHops(b).includes(null));
          assertEquals(
            unanswered.length,
            0,
            `${unanswered.length} blocks with a *:\n${unanswered[0]}`,
          );
          for (const block of found) {
            assertEquals(blockHops(block), [...c.hops4.slice(0, -1), blockTarget(block)]);
          }
        },
      );
    } finally {
      await Deno.remove(copy.dir, { recursive: true });
    }
  },
});

listTest(
  "many: IPv4 and IPv6 targets in one list, each block Linux traceroute's own",
  async ({ t, lab, c, dir }) => {
    const lines = [
      c.target6,
      any4(5, 5),
      any6(9),
      c.hops6[0]!,
      c.target4,
      any6(0xa),
      c.hops4[1]!,
    ];
    const hosts = hostsOf(lines).map((h) => h.host);
    const list = `${dir}/list`;
    await writeList(list, listText(lines));
    for (const method of [["-I"], []]) {
      const args = ["-n", ...method, "-q", "1"];
      await t.step(`${args.join(" ")} --targets`, async () => {
        const ours = await runHopwise(lab, c.source, [...args, "--targets", list], { mod: CLI });
        assertEquals(ours.code, 0, ours.stderr);
        const found = blocks(ours.stdout);
        assertSameBlocks(found, await references(lab, c, args, hosts), hosts);
        for (const block of found) {
          const size = blockTarget(block).includes(":") ? 80 : 60;
          assertOk(block.split("\n")[0]!.endsWith(`, ${size} byte packets`), block);
        }
        if (method.length > 0) {
          const want = hostsOf(lines).map((h) => icmpPath(c, h.host, h.line, 30).hops);
          assertEquals(found.map(blockHops), want);
        }
      });
    }
  },
);

listTest(
  "many: the same hops as scamper's icmp-paris traces of the same list",
  async ({ lab, c, dir }) => {
    const lines = [any4(6, 1), c.hops4[0]!, any6(0x61), c.hops4[2]!, c.target6, any4(6, 2)];
    const hosts = hostsOf(lines).map((h) => h.host);
    const list = `${dir}/list`;
    await writeList(list, listText(lines));
    const s = await lab.exec(c.source, ["scamper", "-c", "trace -P icmp-paris -q 1", "-f", list]);
    assertEquals(s.code, 0, s.stderr);
    // scamper prints each trace as it ends: "traceroute from SRC to DST", then " N  addr  rtt ms".
    const theirs = new Map<string, Array<string | null>>();
    let current: Array<string | null> | null = null;
    for (const line of s.stdout.split("\n")) {
      const head = /^traceroute from \S+ to (\S+)$/.exec(line);
      if (head) {
        current = [];
        theirs.set(head[1]!, current);
        continue;
      }
      const hop = /^ *(\d+) {2}(\S+)/.exec(line);
      if (hop && current) {
        assertEquals(Number(hop[1]), current.length + 1, line);
        current.push(hop[2] === "*" ? null : hop[2]!);
      } else if (line !== "") throw new Error(`scamper printed ${JSON.stringify(line)}`);
    }
    assertEquals([...theirs.keys()].sort(), [...hosts].sort(), s.stdout);
    const ours = await runHopwise(lab, c.source, ["-n", "-I", "-q", "1", "--targets", list], {
      mod: CLI,
    });
    assertEquals(ours.code, 0, ours.stderr);
    const found = blocks(ours.stdout);
    assertEquals(found.map(blockTarget), hosts);
    for (const block of found) {
      const host = blockTarget(block);
      assertEquals(blockHops(block), theirs.get(host), `${host}:\n${block}\n${s.stdout}`);
    }
  },
  scamperReason,
);
