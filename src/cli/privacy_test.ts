/**
 * `--privacy N` on the command line, over the fake network: no output of a
 * trace, a comparison, a report, a multipath run, a picture (--dot,
 * --html) or the service (--serve, from the flag or its configuration)
 * holds the hidden hops' addresses or names, or the source address; the
 * hops after them are as they were.
 */
import { assertEquals, assertOk } from "../../tests/assert.ts";
import { runCli } from "../../tests/fake/cli.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport, type Scenario } from "../../tests/fake/transport.ts";
import { threeRouters } from "../../tests/fake/paths.ts";
import { onFreePort, PORT_TAKEN } from "../../tests/helpers/free_port.ts";
import { main } from "./main.ts";

const PATH: Scenario = threeRouters();
const HIDDEN = ["198.18.1.1", "198.18.2.1", "198.18.0.2"];

/** Runs the command line over PATH with --privacy 2 and -s (the source) added. */
async function run(...args: string[]) {
  const result = await runCli(
    ["--privacy", "2", "-s", "198.18.0.2", ...args, "198.18.9.9"],
    "hopwise",
    PATH,
  );
  assertEquals(result.status, 0, result.stderr);
  const leaked = HIDDEN.filter((a) => result.stdout.includes(a) || result.stderr.includes(a));
  assertEquals(
    leaked,
    [],
    `hidden addresses in the output of ${args.join(" ")}:\n${result.stdout}`,
  );
  assertOk(result.stdout.includes("198.18.3.1"), "hop 3 is shown");
  return result.stdout;
}

Deno.test("--privacy: the classic text shows hidden hops as hidden, with their round trips", async () => {
  const text = await run("-n", "-q", "1");
  assertOk(
    /\n 1 {2}hidden-1 {2}\d+\.\d{3} ms\n 2 {2}hidden-2 {2}\d+\.\d{3} ms\n 3 {2}198\.18\.3\.1 /.test(
      text,
    ),
    text,
  );
});

Deno.test("--privacy: --json, --ndjson and --explain", async () => {
  const document = JSON.parse(await run("-n", "--json"));
  assertEquals(document.hops.map((h: { probes: { address: string }[] }) => h.probes[0]!.address), [
    "hidden-1",
    "hidden-2",
    "198.18.3.1",
    "198.18.9.9",
  ]);
  assertEquals(document.settings.source, "hidden");
  await run("-n", "--ndjson");
  // The findings compare labels: two hidden addresses are not one address repeated.
  assertEquals((await run("-n", "--explain")).includes("repeated-address"), false);
  await run("-n", "--compare", "udp,icmp");
});

Deno.test("--privacy: the report as text, JSON, JSON Lines and CSV", async () => {
  const text = await run("-n", "--report", "--cycles", "2", "--interval", "0.1");
  assertOk(/\n {2}1\.\|-- hidden-1 /.test(text), text);
  const document = JSON.parse(
    await run("-n", "--report", "--cycles", "2", "--interval", "0.1", "--json"),
  );
  assertEquals(document.hops[0].addresses[0].address, "hidden-1");
  assertEquals(document.settings.source, "hidden");
  await run("-n", "--report", "--cycles", "2", "--interval", "0.1", "--ndjson");
  await run("-n", "--report", "--cycles", "2", "--interval", "0.1", "--csv");
});

Deno.test("--privacy: --flows and --mda, text and JSON", async () => {
  for (const mode of [["--flows", "2"], ["--mda"]]) {
    await run("-n", ...mode);
    const document = JSON.parse(await run("-n", ...mode, "--json"));
    assertEquals(document.hops[0].nodes[0].address, "hidden-1");
    assertEquals(document.nodes[0].id, "1/hidden-1");
  }
});

/** The addresses a run over `scenario` asked the names of (a table resolver's record), sorted. */
async function namesAsked(args: string[], scenario: Scenario = PATH): Promise<string[]> {
  const resolver = new TableResolver();
  let stderr = "";
  const status = await main([...args, scenario.target], {
    programName: "hopwise",
    output: { stdout: () => {}, stderr: (t) => void (stderr += t) },
    resolver,
    traceOptions: { transport: new FakeTransport(scenario) },
  });
  assertEquals(status, 0, stderr);
  return [...new Set(resolver.reverseAsked)].sort();
}

Deno.test("--privacy: nothing is looked up about the hidden hops, in every mode", async () => {
  const modes = [
    ["-q", "1"],
    ["--json"],
    ["--report", "--cycles", "2", "--interval", "0.1"],
    ["--flows", "2"],
    ["--mda"],
  ];
  for (const mode of modes) {
    const what = mode.join(" ");
    assertEquals(await namesAsked(["--privacy", "2", ...mode]), ["198.18.3.1", "198.18.9.9"], what);
    assertEquals(await namesAsked(mode), [...HIDDEN.slice(0, 2), "198.18.3.1", "198.18.9.9"], what);
  }
  // The target's own address is never hidden: it is looked up wherever it answers.
  const near: Scenario = { ...PATH, hops: [PATH.hops[0]!, { address: PATH.target, rtt: 2 }] };
  assertEquals(await namesAsked(["--privacy", "2", "-q", "1"], near), [PATH.target]);
});

Deno.test("--privacy: a bad value is one line and status 2", async () => {
  for (const bad of ["-1", "x", "256", "1.5", ""]) {
    const result = await runCli(["--privacy", bad, "198.18.9.9"]);
    assertEquals(result.status, 2, bad);
    assertEquals(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assertEquals(result.stdout, "");
  }
  assertEquals((await runCli(["--privacy", "0", "-n", "198.18.9.9"])).status, 0);
});

/** The address of each hop (by TTL, from 1) in a scrape's `hopwise_hop_address_info` series. */
function addressesByHop(metrics: string): string[] {
  const hops: string[] = [];
  for (const line of metrics.split("\n")) {
    const found = line.match(/^hopwise_hop_address_info\{.*ttl="(\d+)".*address="([^"]*)"/);
    if (found) hops[Number(found[1]) - 1] = found[2]!;
  }
  return hops;
}

/**
 * Runs `hopwise --serve` over PATH with `args` (and `-s`, the source) until
 * `/metrics` lists every hop's address, and gives that scrape's
 * `hopwise_hop_address_info` addresses by hop, the report's source, and
 * which of HIDDEN the scrape or the report holds.
 */
async function served(
  ...args: string[]
): Promise<{ hops: string[]; source: unknown; shown: string[]; asked: string[] }> {
  return await onFreePort((port) => servedOn(port, args));
}

/** {@linkcode served} on `port`; "port taken" when the service could not bind it. */
async function servedOn(
  port: number,
  args: string[],
): Promise<
  { hops: string[]; source: unknown; shown: string[]; asked: string[] } | typeof PORT_TAKEN
> {
  const stop = new AbortController();
  const resolver = new TableResolver();
  let stderr = "";
  let ended = false;
  const running = main(["--serve", `127.0.0.1:${port}`, "-s", "198.18.0.2", ...args], {
    programName: "hopwise",
    output: { stdout: () => {}, stderr: (t) => void (stderr += t) },
    resolver,
    signal: stop.signal,
    traceOptions: { transport: new FakeTransport(PATH, { concurrent: true }) },
  }).finally(() => ended = true);
  const base = `http://127.0.0.1:${port}`;
  let metrics = "";
  let report = "";
  let failure: { e: unknown } | null = null;
  try {
    // Until every hop is listed: a scrape drawn while the first cycle's last answers were still
    // on their way lists the hops answered so far.
    const complete = () => addressesByHop(metrics).filter((a) => a).length === PATH.hops.length;
    for (let i = 0; i < 200 && !ended && !complete(); i++) {
      await new Promise((r) => setTimeout(r, 25));
      metrics = await fetch(`${base}/metrics`).then((r) => r.text(), () => "");
    }
    report = await (await fetch(`${base}/api/report?target=198.18.9.9`)).text();
  } catch (e) {
    failure = { e };
  } finally {
    stop.abort();
  }
  const status = await running;
  if (status !== 0 && /in use/i.test(stderr)) return PORT_TAKEN;
  assertEquals(status, 0, stderr);
  if (failure) throw failure.e;
  assertOk(metrics.includes("198.18.3.1"), `no hop 3 within 5 s: ${stderr}`);
  const hops = addressesByHop(metrics);
  const shown = HIDDEN.filter((a) => metrics.includes(a) || report.includes(a));
  // A report not (yet) served says so in the failure, with what came instead.
  assertOk(report.startsWith("{"), `no report: ${report.slice(0, 200)}; metrics: ${metrics}`);
  const asked = [...new Set(resolver.reverseAsked)].sort();
  return { hops, source: JSON.parse(report).settings.source, shown, asked };
}

Deno.test("--privacy with --serve: the service's series and report, from the flag or the configuration", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-privacy-" });
  // A window of a second: the figures are drawn anew at its end (else after 5 s).
  const watch = `interval = 0.05\nwindow = 1\n[[target]]\nhost = "198.18.9.9"\n`;
  try {
    const [plain, private2] = [`${dir}/plain.toml`, `${dir}/private.toml`];
    await Deno.writeTextFile(plain, watch);
    await Deno.writeTextFile(private2, `privacy = 2\n${watch}`);
    // Nothing is asked about the hidden hops (the names looked up: the resolver's record).
    const hidden = {
      hops: ["hidden-1", "hidden-2", "198.18.3.1", "198.18.9.9"],
      source: "hidden",
      asked: ["198.18.3.1", "198.18.9.9"],
    };
    assertEquals(await served("--config", plain, "--privacy", "2"), { ...hidden, shown: [] });
    // The configuration's privacy, unless the command line gives its own.
    assertEquals(await served("--config", private2), { ...hidden, shown: [] });
    assertEquals(await served("--config", private2, "--privacy", "1"), {
      hops: ["hidden-1", "198.18.2.1", "198.18.3.1", "198.18.9.9"],
      source: "hidden",
      shown: ["198.18.2.1"],
      asked: ["198.18.2.1", "198.18.3.1", "198.18.9.9"],
    });
    assertEquals(await served("--config", private2, "--privacy", "0"), {
      hops: PATH.hops.map((h) => h.address!),
      source: "198.18.0.2",
      shown: HIDDEN,
      asked: PATH.hops.map((h) => h.address!).sort(),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--privacy: --targets, classic and JSON Lines", async () => {
  const list = await Deno.makeTempFile({ prefix: "hopwise-privacy-" });
  try {
    await Deno.writeTextFile(list, "198.18.9.9\n");
    for (const format of [[], ["--json"], ["--ndjson"]]) {
      const result = await runCli(
        ["--privacy", "2", "-n", "--targets", list, ...format],
        "hopwise",
        PATH,
      );
      assertEquals(result.status, 0, result.stderr);
      assertEquals(HIDDEN.filter((a) => result.stdout.includes(a)), [], result.stdout);
      assertOk(result.stdout.includes("hidden-2") && result.stdout.includes("198.18.3.1"));
    }
  } finally {
    await Deno.remove(list);
  }
});

Deno.test("--privacy: the pictures, --dot and --html, are drawn from the hidden data", async () => {
  for (const mode of [[], ["--report", "--cycles", "2", "--interval", "0.1"], ["--flows", "2"]]) {
    const dot = await run("-n", ...mode, "--dot");
    assertOk(dot.includes("hidden-1"), dot);
  }
  const dir = await Deno.makeTempDir({ prefix: "hopwise-privacy-" });
  try {
    for (const mode of [["--report", "--cycles", "2", "--interval", "0.1"], ["--mda"]]) {
      const page = `${dir}/page.html`;
      await run("-n", ...mode, "--html", page);
      const html = await Deno.readTextFile(page);
      assertEquals(HIDDEN.filter((a) => html.includes(a)), [], `hidden addresses in ${page}`);
      assertOk(html.includes("hidden-1") && html.includes("198.18.3.1"));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
