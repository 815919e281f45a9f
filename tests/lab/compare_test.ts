/**
 * `--compare` in the lab: a chain whose second router drops forwarded UDP
 * (IPv4 and IPv6), where udp falls silent after hop 2 while icmp and tcp
 * reach the destination; every column checked against a single-method
 * hopwise run and Linux traceroute with that method; a clean chain where
 * every method reaches the destination at the same hop; JSON; bad method
 * lists; runs as an ordinary user; an interrupted comparison.
 */
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import {
  hopwiseArgv,
  labSkipReason,
  needs,
  readableCopy,
  runHopwise,
  runTraceroute,
} from "../../lab/harness.ts";
import { hopwiseAsNobody } from "../helpers/nobody.ts";

const reason = labSkipReason("compare lab tests", needs("traceroute", ["-V"]));

/** The table of a classic `--compare` output: header cells, then each row's cells by label. */
function table(stdout: string): { labels: string[]; rows: Map<number, Map<string, string>> } {
  const lines = stdout.split("\n");
  const head = lines.findIndex((l) => l.startsWith("hop  "));
  assertOk(head > 0, `no table in:\n${stdout}`);
  const header = lines[head]!;
  // Column starts come from the header: each label starts a column.
  const labels = header.split(/ {2,}/).slice(1);
  const starts = labels.map((label) => header.indexOf(`  ${label}`) + 2);
  const rows = new Map<number, Map<string, string>>();
  for (const line of lines.slice(head + 1)) {
    const m = /^ *(\d+) {2}/.exec(line);
    if (!m) break;
    const cells = new Map<string, string>();
    labels.forEach((label, i) => {
      cells.set(label, line.slice(starts[i], starts[i + 1] ?? line.length).trim());
    });
    rows.set(Number(m[1]), cells);
  }
  return { labels, rows };
}

interface JsonProbe {
  address: string | null;
  final: boolean;
}
interface JsonTrace {
  label?: string;
  method: string;
  reason: string;
  hops: Array<{ ttl: number; probes: JsonProbe[] }>;
}

/** Per hop, the sorted distinct responders ("*" when none answered). */
function responders(t: JsonTrace, upTo = Infinity): string[] {
  return t.hops.filter((h) => h.ttl <= upTo).map((h) => {
    const set = [...new Set(h.probes.map((p) => p.address).filter((a) => a !== null))].sort();
    return set.length === 0 ? "*" : set.join(",");
  });
}

/** Per hop of Linux traceroute -n output, the sorted distinct responders ("*" for none). */
function tracerouteResponders(stdout: string): string[] {
  return stdout.split("\n").slice(1).filter((l) => /^ *\d+ /.test(l)).map((line) => {
    const set = [
      ...new Set(
        line.trim().split(/\s+/).slice(1).filter((w) => /[.:]/.test(w) && !/^\d+\.\d+$/.test(w)),
      ),
    ].sort();
    return set.length === 0 ? "*" : set.join(",");
  });
}

/** The single-method command-line options of a compare label. */
function singleArgs(label: string): string[] {
  const [method, port] = label.split(":");
  return ["-M", method!, ...(port ? ["-p", port] : [])];
}

/** Linux traceroute's options for the same method. */
function tracerouteArgs(label: string): string[] {
  const [method, port] = label.split(":");
  const base = { udp: ["-U"], icmp: ["-I"], tcp: ["-T"] }[method!] ?? [];
  return [...base, ...(port ? ["-p", port] : [])];
}

/** The lab of the comparisons: a chain of three routers, the second dropping forwarded UDP. */
async function udpDroppingChain(lab: Lab): Promise<Chain> {
  const c = await chain(lab, { routers: 3 });
  await lab.sh(
    c.nodes[2]!,
    "iptables -A FORWARD -p udp -j DROP && ip6tables -A FORWARD -p udp -j DROP",
  );
  return c;
}

/** hopwise `--compare` of `methods` (with `options`) to `target`, from the chain's source. */
function runCompare(c: Chain, methods: readonly string[], target: string, options: string[] = []) {
  return runHopwise(c.lab, c.source, ["--compare", methods.join(","), ...options, "-n", target]);
}

Deno.test({
  name: "compare: a router dropping UDP shows as udp falling silent where icmp and tcp go on",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await udpDroppingChain(lab);
    const methods = ["udp", "icmp", "tcp:443"];
    for (
      const [v, target, hops] of [["4", c.target4, c.hops4], ["6", c.target6, c.hops6]] as const
    ) {
      await t.step(`IPv${v}: the table and the summary`, async () => {
        const r = await runCompare(c, methods, target);
        // deno-lint-ignore no-console
        console.log(`  --compare udp,icmp,tcp:443 over IPv${v}: ${r.ms.toFixed(0)} ms`);
        assertEquals([r.code, r.stderr], [0, ""], r.stdout);
        assertEquals(
          r.stdout.split("\n")[0],
          `compare udp, icmp, tcp:443 to ${target} (${target}), 30 hops max`,
        );
        const { labels, rows } = table(r.stdout);
        assertEquals(labels, methods);
        assertEquals([...rows.keys()], [1, 2, 3, 4], r.stdout);
        for (const [ttl, cells] of rows) {
          const expected = hops[ttl - 1]!;
          assertEquals(cells.get("udp"), ttl <= 2 ? expected : ttl === 3 ? "* <- stops" : "*");
          assertEquals(cells.get("icmp"), ttl === 4 ? `${expected} [echo reply]` : expected);
          assertEquals(cells.get("tcp:443"), ttl === 4 ? `${expected} [RST]` : expected);
        }
        assertStringIncludes(r.stdout, "hops 5 to 30 not shown: no answer (udp)\n");
        assertStringIncludes(
          r.stdout,
          `udp: answers to hop 2, silent from hop 3 to 30 (last answer ${hops[1]}) where icmp ` +
            `and tcp:443 still answer: something at or after hop 2 (${hops[1]}) drops udp\n`,
        );
        assertStringIncludes(r.stdout, `icmp: reached ${target} at hop 4 (echo reply)\n`);
        assertStringIncludes(r.stdout, `tcp:443: reached ${target} at hop 4, port closed (RST)\n`);
      });

      await t.step(`IPv${v}: each column is what that method alone shows`, async () => {
        const r = await runCompare(c, methods, target, ["--json"]);
        assertEquals(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout) as { traces: JsonTrace[] };
        assertEquals(doc.traces.map((x) => x.label), methods);
        for (const compared of doc.traces) {
          const label = compared.label!;
          const single = await runHopwise(lab, c.source, [
            ...singleArgs(label),
            "--json",
            "-n",
            target,
          ]);
          assertEquals(single.code, 0, single.stderr);
          const alone = JSON.parse(single.stdout) as JsonTrace;
          assertEquals(
            [compared.method, compared.reason, responders(compared)],
            [alone.method, alone.reason, responders(alone)],
            `${label} in --compare vs alone`,
          );
          // Linux traceroute with the same method, over the hops the table shows.
          const theirs = await runTraceroute(lab, c.source, [
            ...tracerouteArgs(label),
            "-n",
            "-m",
            "5",
            "-w",
            "1",
            target,
          ]);
          assertEquals(theirs.code, 0, theirs.stderr);
          assertEquals(
            responders(compared, 4),
            tracerouteResponders(theirs.stdout).slice(0, 4),
            `${label} in --compare vs traceroute:\n${theirs.stdout}`,
          );
        }
      });
    }
  },
});

Deno.test({
  name: "compare: on a clean chain every method reaches the destination at the same hop",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    const methods = ["udp", "icmp", "tcp:443", "tcpconn:443", "default", "udplite"];
    for (const [v, target] of [["4", c.target4], ["6", c.target6]] as const) {
      await t.step(`IPv${v}: JSON, one trace per method, all reached at hop 4`, async () => {
        const r = await runCompare(c, methods, target, ["--json"]);
        // deno-lint-ignore no-console
        console.log(
          `  --compare of ${methods.length} methods, clean IPv${v}: ${r.ms.toFixed(0)} ms`,
        );
        assertEquals([r.code, r.stderr], [0, ""]);
        const doc = JSON.parse(r.stdout);
        assertEquals(doc.schema, "hopwise.compare/1");
        assertEquals(doc.target.address, target);
        assertEquals(doc.methods.map((m: { label: string }) => m.label), methods);
        assertEquals(doc.traces.length, methods.length);
        // Run as root: privileges are dropped once every trace's sockets are open.
        assertEquals(doc.privileges.state, "dropped");
        for (const tr of doc.traces) assertEquals(tr.settings.privileges, "dropped");
        for (const s of doc.summary) {
          assertEquals([s.label, s.status, s.hop, s.address], [s.label, "reached", 4, target]);
        }
      });
      await t.step(`IPv${v}: the table has no marker and nothing hidden`, async () => {
        const r = await runHopwise(lab, c.source, ["--compare", "udp,icmp,tcp", "-n", target]);
        assertEquals(r.code, 0, r.stderr);
        const { rows } = table(r.stdout);
        assertEquals([...rows.keys()], [1, 2, 3, 4]);
        assertEquals(r.stdout.includes("<- stops") || r.stdout.includes("not shown"), false);
        assertEquals(rows.get(4)?.get("tcp"), `${target} [RST]`);
        assertEquals(
          r.stdout.split("\n").filter((l) => l.includes(`: reached ${target} at hop 4`)).length,
          3,
          r.stdout,
        );
      });
    }
  },
});

Deno.test({
  name: "compare: bad method lists give one line on stderr, exit 2, no output",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 1 });
    for (const spec of ["", "udp,bogus", "icmp:80", "tcp:99999", "udp,udp", "tcp:"]) {
      const r = await runHopwise(lab, c.source, ["--compare", spec, "-n", c.target4]);
      assertEquals([r.code, r.stdout], [2, ""], spec);
      assertMatch(r.stderr, /^hopwise: --compare[^\n]*\n$/);
    }
  },
});

Deno.test({
  name: "compare as an ordinary user: methods needing privileges are skipped with a note",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await udpDroppingChain(lab);
    const copy = await readableCopy();
    const asNobody = hopwiseAsNobody(lab, c.source, copy);
    try {
      await t.step("no ping sockets: icmp and tcp skipped, udp traced, exit 1", async () => {
        const r = await asNobody(["--compare", "udp,icmp,tcp:443", "-n", c.target4]);
        assertEquals(r.code, 1);
        const notes = r.stderr.trimEnd().split("\n");
        assertEquals(notes.length, 2, r.stderr);
        assertMatch(notes[0]!, /^hopwise: --compare: icmp not traced: needs CAP_NET_RAW/);
        assertMatch(notes[1]!, /^hopwise: --compare: tcp:443 not traced: needs CAP_NET_RAW/);
        const { rows } = table(r.stdout);
        assertEquals(rows.get(1)?.get("udp"), c.hops4[0]);
        assertEquals(rows.get(1)?.get("icmp"), "-");
        assertEquals(rows.get(2)?.get("tcp:443"), "-");
        assertStringIncludes(r.stdout, "tcp:443: not traced: needs CAP_NET_RAW");
        // Nothing else answers deeper, so nothing is blamed.
        assertStringIncludes(
          r.stdout,
          `udp: answers to hop 2, silent from hop 3 to 30 (last answer ${c.hops4[1]})\n`,
        );
      });
      await t.step("only privileged methods: fails as a single trace does", async () => {
        const r = await asNobody(["--compare", "tcp,raw", "-n", c.target4]);
        assertEquals([r.code, r.stdout], [1, ""]);
        assertStringIncludes(
          r.stderr,
          "You do not have enough privileges to use this traceroute method.",
        );
      });
      await t.step("ping sockets allowed: icmp is traced and shows where udp stops", async () => {
        await lab.sh(c.source, "sysctl -qw net.ipv4.ping_group_range='0 2147483647'");
        for (const [target, hops] of [[c.target4, c.hops4], [c.target6, c.hops6]] as const) {
          const r = await asNobody(["--compare", "udp,icmp,tcp:443", "--json", "-n", target]);
          assertEquals(r.code, 1);
          assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
          const doc = JSON.parse(r.stdout);
          assertEquals(doc.privileges.state, "none");
          assertEquals(doc.traces.map((x: JsonTrace) => x.label), ["udp", "icmp"]);
          const [udp, icmp, tcp] = doc.summary;
          assertEquals([udp.silentFrom, udp.stillAnswering, udp.lastAnswer], [
            3,
            ["icmp"],
            hops[1],
          ]);
          assertEquals([icmp.status, icmp.hop], ["reached", 4]);
          assertEquals(tcp.status, "not-traced");
        }
      });
    } finally {
      await Deno.remove(copy.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "compare: interrupted, it prints what it has and exits 130",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await Lab.create();
    // Hops 1-2 answer; the destination drops everything, so both traces wait there.
    const c = await chain(lab, { routers: 2, destination: "drop-all" });
    const child = lab.spawn(
      c.source,
      hopwiseArgv(["--compare", "udp,icmp", "-n", "-w", "10", "-m", "6", c.target4]),
      { stdout: "piped", stderr: "piped" },
    );
    const reader = child.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    // Both answering hops take well under a second; the silent ones 10 s.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    child.kill("SIGINT");
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += new TextDecoder().decode(r.value);
    }
    const { code } = await child.status;
    const stderr = new TextDecoder().decode(
      (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
    );
    assertEquals([code, stderr], [130, ""]);
    const { rows } = table(text);
    assertEquals(rows.get(1)?.get("udp"), c.hops4[0]);
    assertEquals(rows.get(2)?.get("icmp"), c.hops4[1]);
    assertStringIncludes(text, `udp: answers to hop 2`);
    assertMatch(text, /\nudp: .*\(interrupted\)\nicmp: .*\(interrupted\)\n$/);
  },
});
