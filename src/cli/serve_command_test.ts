import { assertEquals, assertOk } from "../../tests/assert.ts";
import { ONE_HOP, runCli } from "../../tests/fake/cli.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { onFreePort, PORT_TAKEN } from "../../tests/helpers/free_port.ts";
import { main } from "./main.ts";
import { serveLookupOptions } from "./serve_command.ts";

/** A file of `text` for one test, removed after. */
async function withFile(text: string, use: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, text);
    await use(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("--serve: bad input is one line and exit 2, before anything is sent", async () => {
  const cases: Array<[string[], string]> = [
    [["--serve", "9798"], "hopwise: --serve has no target: give --targets FILE or --config FILE\n"],
    [["--config", "x.toml", "198.18.9.9"], "hopwise: --config goes with --serve\n"],
    [
      ["--serve", "9798", "--report", "--targets", "x"],
      "hopwise: --serve watches every target until stopped: not with --compare, --flows, --mda, --report, --watch, --explain or --cycles\n",
    ],
    [
      ["--serve", "9798", "--parallel", "4", "--targets", "x"],
      "hopwise: --parallel and --rate go with --targets\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    const r = await runCli(args);
    assertEquals([r.status, r.stderr, r.stdout], [2, stderr, ""], args.join(" "));
    assertEquals(r.fake.sent.length, 0);
  }
  const port = await runCli(["--serve", "70000", "--targets", "x"]);
  assertEquals(port.status, 2);
  assertEquals(port.stderr.split("\n").length, 2, port.stderr); // one line
});

Deno.test("--serve --config: a configuration's mistake is one line naming the file, exit 2", async () => {
  await withFile('[[target]]\nhost = "198.18.9.9"\nprot = 80\n', async (path) => {
    const r = await runCli(["--serve", "9798", "--config", path]);
    assertEquals(r.status, 2);
    assertEquals(r.stderr.split("\n").length, 2, r.stderr);
    assertEquals(r.stderr.includes('unknown key "prot"'), true, r.stderr);
    assertEquals(r.fake.sent.length, 0);
  });
  // A missing auth file stops the service before anything is opened.
  await withFile(
    '[[target]]\nhost = "198.18.9.9"\n[web]\nauth_file = "/nonexistent/auth"\n',
    async (path) => {
      const r = await runCli(["--serve", "9798", "--config", path]);
      assertEquals(r.status, 2);
      assertEquals(
        r.stderr,
        "hopwise: /nonexistent/auth: cannot read it: No such file or directory\n",
      );
      assertEquals(r.fake.sent.length, 0);
    },
  );
});

Deno.test("--serve --config: as_source and geoip apply unless the command line gives its own", () => {
  const file = { asSource: "/etc/hopwise/asn.mmdb", geoip: "/etc/hopwise/city.mmdb" };
  const whois = { server: "whois.example.net", service: "nicname" };
  // Nothing on the command line: the file's, -A's default server beside (used by whois only).
  const taken = serveLookupOptions({}, file);
  assertEquals([taken.asSource, taken.geoip, typeof taken.asLookups], [
    file.asSource,
    file.geoip,
    "object",
  ]);
  // -A alone takes the file's source, keeping its server.
  assertEquals(serveLookupOptions({ asLookups: whois }, file), {
    asLookups: whois,
    asSource: file.asSource,
    geoip: file.geoip,
  });
  // --as-source and --geoip win.
  assertEquals(
    serveLookupOptions({ asLookups: whois, asSource: "dns", geoip: "/tmp/c.mmdb" }, file),
    { asLookups: whois, asSource: "dns", geoip: "/tmp/c.mmdb" },
  );
  // No file, or a file without them: the command line's as they are.
  assertEquals(serveLookupOptions({ geoip: "/tmp/c.mmdb" }, null), { geoip: "/tmp/c.mmdb" });
  assertEquals(serveLookupOptions({}, { asSource: null, geoip: null }), {});
});

Deno.test("--serve --config: a bad as_source or a missing geoip database is one line, exit 2", async () => {
  const cases: Array<[string, string]> = [
    ['as_source = "dns:"', '"as_source": bad source "dns:" (whois, dns[:ZONE] or a path)'],
    ['geoip = "/nonexistent/city.mmdb"', '"geoip": /nonexistent/city.mmdb: No such file'],
  ];
  for (const [top, words] of cases) {
    await withFile(`${top}\n[[target]]\nhost = "198.18.9.9"\n`, async (path) => {
      const r = await runCli(["--serve", "9798", "--config", path]);
      assertEquals(r.status, 2, r.stderr);
      assertEquals(r.stderr.split("\n").length, 2, r.stderr);
      assertEquals(r.stderr.startsWith(`hopwise: ${path}: ${words}`), true, r.stderr);
      assertEquals(r.fake.sent.length, 0);
    });
  }
});

Deno.test("--serve on a port already taken: one line naming it, exit 1, nothing sent", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = taken.addr;
  const list = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(list, "198.18.9.9\n");
    const r = await runCli(["--serve", `127.0.0.1:${port}`, "--targets", list]);
    assertEquals(
      [r.status, r.stderr, r.stdout],
      [1, `hopwise: --serve 127.0.0.1:${port}: Address already in use\n`, ""],
    );
    // The address is taken before any target is watched: nothing was sent.
    assertEquals(r.fake.sent.length, 0);
  } finally {
    taken.close();
    await Deno.remove(list);
  }
});

/**
 * Runs `hopwise --serve` with `args` and the configuration `before`, writes
 * `after` in its place, and gives what `POST /-/reload` answered.
 */
async function reloadAnswer(args: string[], before: string, after: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, before);
    return await onFreePort(async (port) => {
      const stop = new AbortController();
      let stderr = "";
      const running = main(["--serve", `127.0.0.1:${port}`, "--config", path, ...args], {
        programName: "hopwise",
        output: { stdout: () => {}, stderr: (t) => void (stderr += t) },
        resolver: new TableResolver(),
        signal: stop.signal,
        traceOptions: { transport: new FakeTransport(ONE_HOP, { concurrent: true }) },
      });
      let answer: string | null = null;
      try {
        for (let i = 0; i < 200 && !stderr.includes("metrics on"); i++) {
          if (/in use/i.test(stderr)) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        if (stderr.includes("metrics on")) {
          await Deno.writeTextFile(path, after);
          const response = await fetch(`http://127.0.0.1:${port}/-/reload`, { method: "POST" });
          answer = await response.text();
        }
      } finally {
        stop.abort();
      }
      const status = await running;
      if (status !== 0 && /in use/i.test(stderr)) return PORT_TAKEN;
      assertEquals(status, 0, stderr);
      assertOk(answer !== null, `the service did not start within 2 s: ${stderr}`);
      return answer;
    });
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("--serve: a reload names the settings that changed in the file but take a restart", async () => {
  const target = '[[target]]\nhost = "198.18.9.9"\n';
  // Nothing changed: nothing to say.
  assertEquals(
    await reloadAnswer([], `window = 300\n${target}`, `window = 300\n${target}`),
    "reloaded: 0 targets added, 0 removed\n",
  );
  // The window, the interval of every target and the privacy: read, not taken.
  assertEquals(
    await reloadAnswer(
      [],
      `window = 300\n${target}`,
      `window = 600\ninterval = 5\nprivacy = 1\n${target}`,
    ),
    "reloaded: 0 targets added, 0 removed; interval, window, privacy changed: they take a restart\n",
  );
  // Another AS source (a database's path as much as a DNS zone).
  assertEquals(
    await reloadAnswer([], `as_source = "dns"\n${target}`, `as_source = "dns:asn.lab"\n${target}`),
    "reloaded: 0 targets added, 0 removed; as_source changed: it takes a restart\n",
  );
  // What the command line gives wins over the file: its change in the file changes nothing.
  assertEquals(
    await reloadAnswer(["--privacy", "0"], target, `privacy = 2\n${target}`),
    "reloaded: 0 targets added, 0 removed\n",
  );
  // A target's own interval is a new target: taken, and not named.
  assertEquals(
    await reloadAnswer([], target, `${target}interval = 5\n`),
    "reloaded: 1 target added, 1 removed\n",
  );
});
