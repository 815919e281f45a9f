/**
 * The service (`--serve`) in the lab, scraped by a real Prometheus: a chain
 * whose router 2 keeps the kernel's ICMP rate limit and router 4 drops a
 * fifth of what it forwards, both ways; two vantage points, each its own
 * `hopwise --serve` (the source, and router 1, one hop nearer the loss, over
 * HTTPS with a bearer token, from a configuration file); one
 * Prometheus (Debian's, with a generated config and storage in a temporary
 * folder) scraping both. Through PromQL: the loss at the first hop past
 * router 4 from each vantage matches what router 4 drops (within binomial
 * error), router 2 is found rate-limiting and never losing, and the
 * endpoints answer as documented. Also: SIGTERM ends the service with 0.
 *
 * Needs root, iproute2, iptables and prometheus (promtool).
 */
import { assertEquals, assertOk, assertStringIncludes } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain, chainAddress4 } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason, needs, startIn } from "../../lab/harness.ts";

const reason = labSkipReason(
  "service lab tests",
  () => needs("prometheus", ["--version"])() ?? needs("promtool", ["--version"])(),
);
const CLI = decodeURIComponent(new URL("../../cli.ts", import.meta.url).pathname);
const decoder = new TextDecoder();

/** One instant vector sample of a PromQL answer. */
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs an instant query against the Prometheus of `node`. */
async function query(lab: Lab, node: string, expr: string): Promise<Sample[]> {
  const r = await lab.exec(node, [
    "promtool",
    "query",
    "instant",
    "-o",
    "json",
    "http://127.0.0.1:9090",
    expr,
  ]);
  assertEquals(r.code, 0, `promtool query ${expr}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Sample[];
}

/**
 * Fetches a path of a service from inside `node` (its loopback is the node's
 * own), trusting the certificate in file `ca` and giving `token`, when given.
 */
async function fetchIn(
  lab: Lab,
  node: string,
  url: string,
  auth: { ca?: string; token?: string; method?: string; scrapeTimeout?: string } = {},
): Promise<string> {
  const client = auth.ca
    ? `client: Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(${
      JSON.stringify(auth.ca)
    })] }),`
    : "";
  const headers = `headers: { ${auth.token ? `authorization: "Bearer ${auth.token}",` : ""} ${
    auth.scrapeTimeout ? `"x-prometheus-scrape-timeout-seconds": "${auth.scrapeTimeout}",` : ""
  } },`;
  const method = `method: "${auth.method ?? "GET"}",`;
  const script =
    `const r = await fetch(${JSON.stringify(url)}, { ${client} ${headers} ${method} });` +
    `console.log(r.status); console.log(await r.text());`;
  const r = await lab.exec(node, [Deno.execPath(), "eval", "--quiet", script]);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout;
}

/** The first `lines` lines of a streamed answer, fetched from inside `node`. */
async function firstLinesIn(lab: Lab, node: string, url: string, lines: number): Promise<string[]> {
  const script = `const r = await fetch(${JSON.stringify(url)});` +
    `const reader = r.body.pipeThrough(new TextDecoderStream()).getReader(); let text = "";` +
    `while (text.split("\\n").length <= ${lines}) { const { value, done } = await reader.read();` +
    ` if (done) break; text += value; }` +
    `console.log(text.split("\\n").slice(0, ${lines}).join("\\n")); Deno.exit(0);`;
  const r = await lab.exec(node, [Deno.execPath(), "eval", "--quiet", script]);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

/** Whether loss `lost` of `n` agrees with `p` within binomial error (3 standard errors, and 4 points). */
function agrees(lost: number, n: number, p: number): boolean {
  return Math.abs(lost / n - p) <= 3 * Math.sqrt(p * (1 - p) / n) + 0.04;
}

Deno.test({
  name: "serve: two vantage points scraped by Prometheus tell real loss from a rate limit",
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using lab = await Lab.create({ prefix: "hwsrv" });
    const c = await chain(lab, {
      routers: 5,
      keepIcmpRateLimit: [2],
      forwardLoss: [{ hop: 4, share: 0.2 }],
    });
    const dir = await Deno.makeTempDir({ prefix: "hopwise-serve-" });
    try {
      const targets = `${dir}/targets`;
      await Deno.writeTextFile(targets, `${c.target4}\n`);
      const vantageB = chainAddress4(1, 2); // router 1, facing the source
      // One vantage takes its target from a list; the other from a configuration file, and it
      // serves HTTPS (a certificate for its address) to bearer-token holders only.
      const token = "lab-scrape-token";
      await Deno.writeTextFile(`${dir}/auth`, `bearer ${token}\n`);
      // A lab CA, and the vantage's certificate for its address, signed by it.
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
      await Deno.writeTextFile(
        `${dir}/leaf.ext`,
        `subjectAltName=IP:${vantageB}\nbasicConstraints=CA:FALSE\n`,
      );
      for (
        const args of [
          ["req", "-x509", ...ec, "-keyout", `${dir}/ca.key`, "-out", `${dir}/ca.pem`],
          ["req", ...ec, "-keyout", `${dir}/key.pem`, "-out", `${dir}/leaf.csr`],
          [
            "x509",
            "-req",
            "-in",
            `${dir}/leaf.csr`,
            "-CA",
            `${dir}/ca.pem`,
            "-CAkey",
            `${dir}/ca.key`,
            "-CAcreateserial",
            "-extfile",
            `${dir}/leaf.ext`,
            "-out",
            `${dir}/cert.pem`,
          ],
        ]
      ) {
        const subject = args[0] === "req" ? ["-subj", "/CN=hopwise-lab", "-days", "1"] : [];
        const openssl = await new Deno.Command("openssl", {
          args: [...args, ...subject, ...(args[0] === "x509" ? ["-days", "1"] : [])],
          stdout: "null",
          stderr: "piped",
        }).output();
        assertEquals(openssl.code, 0, decoder.decode(openssl.stderr));
      }
      const config = `${dir}/hopwise.toml`;
      await Deno.writeTextFile(
        config,
        [
          "interval = 0.2",
          "[[target]]",
          `host = "${c.target4}"`,
          'labels = { site = "r1" }',
          "[web]",
          'tls_cert = "cert.pem"',
          'tls_key = "key.pem"',
          'auth_file = "auth"',
          "[probe]",
          `allow = ["${c.target4.replace(/\.\d+$/, ".0/24")}"]`,
          "",
        ].join("\n"),
      );
      const a = startIn(
        lab,
        c.source,
        hopwiseArgv(
          ["--serve", "9798", "-n", "-I", "--interval", "0.2", "--targets", targets],
          CLI,
        ),
      );
      const b = startIn(
        lab,
        "r1",
        hopwiseArgv(["--serve", `${vantageB}:9798`, "-n", "--config", config], CLI),
      );
      await Deno.writeTextFile(
        `${dir}/prometheus.yml`,
        [
          "global: { scrape_interval: 1s, scrape_timeout: 900ms }",
          "scrape_configs:",
          "  - job_name: hopwise",
          "    static_configs:",
          '      - targets: ["127.0.0.1:9798"]',
          "        labels: { vantage: src }",
          "  - job_name: hopwise-tls",
          "    scheme: https",
          `    tls_config: { ca_file: ${dir}/ca.pem }`,
          `    authorization: { credentials: ${token} }`,
          "    static_configs:",
          `      - targets: ["${vantageB}:9798"]`,
          "        labels: { vantage: r1 }",
          "",
        ].join("\n"),
      );
      const prometheus = startIn(lab, c.source, [
        "prometheus",
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        "--web.listen-address=127.0.0.1:9090",
      ]);
      try {
        // About 60 cycles a vantage, and a dozen scrapes.
        await new Promise((r) => setTimeout(r, 14000));
        const up = await query(lab, c.source, "up");
        assertEquals(up.map((s) => s.value[1]), ["1", "1"], JSON.stringify(up));

        // Real loss: the first hop past router 4 is hop 5 from the source, hop 4 from router 1.
        // Router 4 drops a fifth each way: 1 - 0.8 × 0.8 of the probes go unanswered.
        for (const [vantage, ttl] of [["src", 5], ["r1", 4]] as const) {
          const sel = `{vantage="${vantage}",ttl="${ttl}"}`;
          const [sent] = await query(lab, c.source, `hopwise_hop_sent_total${sel}`);
          const [received] = await query(lab, c.source, `hopwise_hop_received_total${sel}`);
          assertOk(sent && received, `${vantage}: no series for hop ${ttl}`);
          const n = Number(sent.value[1]);
          const lost = n - Number(received.value[1]);
          assertOk(n >= 30, `${vantage}: only ${n} probes at hop ${ttl}`);
          assertOk(agrees(lost, n, 0.36), `${vantage}: hop ${ttl} lost ${lost} of ${n}, not 36%`);
          const loss = await query(
            lab,
            c.source,
            `hopwise_finding${sel.replace("}", ',kind="loss"}')}`,
          );
          assertEquals(loss.length, 1, `${vantage}: no loss finding at hop ${ttl}`);
        }
        // The rate limit: router 2 is hop 2 from the source, hop 1 from router 1.
        for (const [vantage, ttl] of [["src", 2], ["r1", 1]] as const) {
          const found = await query(
            lab,
            c.source,
            `hopwise_finding{vantage="${vantage}",ttl="${ttl}"}`,
          );
          const kinds = found.map((s) => s.metric.kind).sort();
          assertOk(kinds.includes("rate-limited"), `${vantage}: hop ${ttl}: ${kinds}`);
          assertOk(!kinds.includes("loss"), `${vantage}: hop ${ttl} called loss: ${kinds}`);
        }
        const reached = await query(lab, c.source, "hopwise_destination_reached");
        assertEquals(reached.map((s) => s.value[1]), ["1", "1"]);
        const hops = await query(lab, c.source, "hopwise_path_hops");
        assertEquals(
          hops.map((s) => [s.metric.vantage, s.metric.site ?? "", s.value[1]]).sort(),
          [["r1", "r1", "5"], ["src", "", "6"]],
        );
        const p95 = await query(
          lab,
          c.source,
          'histogram_quantile(0.95, hopwise_hop_rtt_seconds_bucket{vantage="src",ttl="6"})',
        );
        assertOk(Number(p95[0]?.value[1]) > 0, `p95: ${JSON.stringify(p95)}`);

        // The endpoints, as a person would try them.
        const health = await fetchIn(lab, c.source, "http://127.0.0.1:9798/healthz");
        assertEquals(health, "200\nok\n\n");
        const api = await fetchIn(lab, c.source, "http://127.0.0.1:9798/api/targets");
        assertStringIncludes(api, '"schema": "hopwise.targets/1"');
        assertStringIncludes(api, `"address": "${c.target4}"`);
        // The report of the current window, and the log of what changed.
        const report = JSON.parse(
          (await fetchIn(lab, c.source, `http://127.0.0.1:9798/api/report?target=${c.target4}`))
            .slice(4),
        );
        assertEquals(report.schema, "hopwise.report/1");
        assertOk(
          report.findings.some((f: { kind: string; hops: number[] }) =>
            f.kind === "rate-limited" && f.hops.includes(2)
          ),
          JSON.stringify(report.findings),
        );
        const events = (await firstLinesIn(lab, c.source, "http://127.0.0.1:9798/api/events", 2))
          .map((line) => JSON.parse(line));
        assertEquals([events[0]?.type, events[0]?.state, events[0]?.target], [
          "target",
          "up",
          c.target4,
        ]);
        assertEquals(events[1]?.type, "finding");
        assertOk(!Number.isNaN(Date.parse(events[1]?.at)), JSON.stringify(events[1]));
        const bad = await fetchIn(lab, c.source, "http://127.0.0.1:9798/metrics?x=1");
        assertEquals(bad, '400\nunknown query parameter "x"\n\n');
        const missing = await fetchIn(lab, c.source, "http://127.0.0.1:9798/nowhere");
        assertOk(missing.startsWith("404\n"), missing);
        // HTTPS with the token, and nothing without it.
        const https = `https://${vantageB}:9798/healthz`;
        const ca = `${dir}/ca.pem`;
        assertEquals(await fetchIn(lab, c.source, https, { ca, token }), "200\nok\n\n");
        assertEquals(
          await fetchIn(lab, c.source, https, { ca, token: "wrong" }),
          "401\nauthentication required\n\n",
        );
        assertEquals(
          await fetchIn(lab, c.source, https, { ca }),
          "401\nauthentication required\n\n",
        );
        // /probe: an allowed target is watched and answered as metrics; others never probed.
        const probe = (query: string) =>
          fetchIn(lab, c.source, `https://${vantageB}:9798/probe?${query}`, { ca, token });
        // Ten cycles: the destination's TTL (5) is behind the lossy router, whose answers are lost
        // 36% of the time; with 3 cycles all three were lost once in some 20 runs (path_hops 6).
        const probed = await probe(`target=${c.target4}&cycles=10`);
        assertOk(probed.startsWith("200\n"), probed);
        assertStringIncludes(probed, `hopwise_path_hops{target="${c.target4}"} 5\n`);
        assertStringIncludes(probed, `hopwise_cycles_total{target="${c.target4}"} 10\n`);
        // Prometheus's scrape timeout bounds a probe: 50 cycles take 10 s, the answer comes in
        // about 1.5 s with the cycles done by then.
        const started = performance.now();
        const bounded = await fetchIn(
          lab,
          c.source,
          `https://${vantageB}:9798/probe?target=${c.target4}&cycles=50`,
          { ca, token, scrapeTimeout: "2" },
        );
        const took = performance.now() - started;
        assertOk(bounded.startsWith("200\n"), bounded);
        const done = Number(/^hopwise_cycles_total\{[^}]*\} (\d+)$/m.exec(bounded)?.[1]);
        assertOk(done >= 1 && done < 50, `${done} cycles in the bounded probe`);
        assertOk(took < 8000, `the bounded probe took ${took} ms`);
        const outside = chainAddress4(3, 2); // router 3: a lab address the config does not allow
        assertEquals(await probe(`target=${outside}`), `403\ntarget ${outside} is not allowed\n\n`);
        assertEquals(
          await probe(`target=${c.target4}&cycles=0`),
          "400\ncycles must be from 1 to 50\n\n",
        );
        assertEquals(
          await probe("target=a%20b"),
          "400\ntarget must be a host name or an address\n\n",
        );
        assertEquals(
          await probe(`target=${c.target4}&x=1`),
          '400\nunknown query parameter "x"\n\n',
        );
      } finally {
        prometheus.kill("SIGTERM");
        await prometheus.done;
        a.kill("SIGTERM");
        b.kill("SIGTERM");
      }
      // SIGTERM: probing stops, the requests in progress finish, exit 0.
      for (const [name, run] of [["src", a], ["r1", b]] as const) {
        const r = await run.done;
        assertEquals(r.code, 0, `${name}: ${r.stderr}`);
        assertStringIncludes(
          r.stderr,
          name === "src" ? "metrics on http://" : "metrics on https://",
        );
        assertEquals(r.stdout, "");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
