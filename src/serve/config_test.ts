import { assertEquals, assertOk, assertRejects, assertThrows } from "../../tests/assert.ts";
import { OptionError } from "../core/errors.ts";
import { parseAllowRule } from "./allow.ts";
import {
  ConfigError,
  parseListen,
  parseServeConfig,
  readServeConfig,
  SERVE_DEFAULTS,
  type ServeConfig,
} from "./config.ts";

const EXAMPLE = new URL("../../examples/hopwise.toml", import.meta.url);
const ONE = `[[target]]\nhost = "db.example.net"\n`;

/** The one-line message of the ConfigError `text` gives. */
function errorOf(text: string, path = "hopwise.toml"): string {
  const e = assertThrows(() => parseServeConfig(text, path), ConfigError);
  assertOk(e instanceof OptionError, "a ConfigError is an OptionError (exit status 2)");
  assertOk(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
  return e.message;
}

Deno.test("the example file parses to the configuration it describes", async () => {
  const config = await readServeConfig(decodeURIComponent(EXAMPLE.pathname));
  const expected: ServeConfig = {
    listen: { hostname: "127.0.0.1", port: 9798 },
    interval: 10,
    rate: 100,
    window: 300,
    asSource: null,
    geoip: null,
    privacy: null,
    targets: [
      {
        host: "db.example.net",
        method: "tcp",
        port: 5432,
        queries: 3,
        flows: 4,
        firstTtl: 1,
        maxTtl: 30,
        interval: 30,
        labels: { site: "fra1", service: "db" },
      },
      { host: "198.18.1.2", method: "icmp", labels: { site: "fra1", service: "gateway" } },
      { host: "2001:db8:4::2", method: "udp", port: 53, labels: { site: "ams1", service: "dns" } },
    ],
    probe: {
      allow: ["198.18.0.0/15", "2001:db8::/32", "*.example.net"].map(parseAllowRule),
      maxConcurrent: 4,
    },
    web: {
      tlsCert: "/etc/hopwise/cert.pem",
      tlsKey: "/etc/hopwise/key.pem",
      authFile: "/etc/hopwise/auth",
    },
  };
  assertEquals(config, expected);
});

Deno.test("a configuration of one host takes every default", () => {
  assertEquals(parseServeConfig(ONE, "hopwise.toml"), {
    listen: null,
    interval: SERVE_DEFAULTS.interval,
    rate: SERVE_DEFAULTS.rate,
    window: SERVE_DEFAULTS.window,
    asSource: null,
    geoip: null,
    privacy: null,
    targets: [{ host: "db.example.net", labels: {} }], // no method: the command line's -M
    probe: { allow: [], maxConcurrent: SERVE_DEFAULTS.maxConcurrent },
    web: { tlsCert: null, tlsKey: null, authFile: null },
  });
});

Deno.test("method names are matched as -M matches them; rate 0 lifts the cap", () => {
  const config = parseServeConfig(`rate = 0\n${ONE}method = "TCPconn"\n`, "a.toml");
  assertEquals(config.targets[0]?.method, "tcpconn");
  assertEquals(config.rate, 0);
});

Deno.test("relative [web] file names are taken beside the configuration", () => {
  const web = `${ONE}[web]\ntls_cert = "cert.pem"\ntls_key = "/k.pem"\nauth_file = "auth"\n`;
  assertEquals(parseServeConfig(web, "/etc/hopwise/hopwise.toml").web, {
    tlsCert: "/etc/hopwise/cert.pem",
    tlsKey: "/k.pem",
    authFile: "/etc/hopwise/auth",
  });
  assertEquals(parseServeConfig(web, "hopwise.toml").web.tlsCert, "cert.pem");
});

Deno.test("a TOML syntax error gives its line and column", () => {
  assertEquals(
    errorOf(`interval = 10\nrate = \n`),
    "hopwise.toml:2:8: not valid TOML: invalid value",
  );
  assertEquals(
    errorOf(`${ONE}host = "again"\n`),
    "hopwise.toml:3:1: not valid TOML: trying to redefine an already defined table or value",
  );
});

Deno.test("an unknown key is named, with its place and the keys known there", () => {
  assertEquals(
    errorOf(`intervall = 5\n${ONE}`),
    'hopwise.toml: unknown key "intervall" (known: listen, interval, rate, window, as_source, ' +
      "geoip, privacy, target, probe, web)",
  );
  assertEquals(
    errorOf(`${ONE}[[target]]\nhost = "b.example.net"\nprot = 1\n`),
    'hopwise.toml: target 2: unknown key "prot" (known: host, method, port, queries, flows, ' +
      "first_ttl, max_ttl, interval, labels)",
  );
  assertEquals(
    errorOf(`${ONE}[probe]\nallowed = []\n`),
    'hopwise.toml: [probe]: unknown key "allowed" (known: allow, max_concurrent)',
  );
  assertEquals(
    errorOf(`${ONE}[web]\npassword = "x"\n`),
    'hopwise.toml: [web]: unknown key "password" (known: tls_cert, tls_key, auth_file)',
  );
  const e = assertThrows(() => parseServeConfig(`${ONE}prot = 1\n`, "x.toml"), ConfigError);
  assertEquals([(e as ConfigError).option, (e as ConfigError).file], ["target.prot", "x.toml"]);
});

Deno.test("privacy: 0 to 255 hops, as --privacy takes it; anything else is one line", () => {
  assertEquals(parseServeConfig(`privacy = 2\n${ONE}`, "hopwise.toml").privacy, 2);
  assertEquals(parseServeConfig(`privacy = 0\n${ONE}`, "hopwise.toml").privacy, 0);
  for (const bad of ["-1", "256", "1.5", '"2"', "true"]) {
    const got = errorOf(`privacy = ${bad}\n${ONE}`);
    assertOk(got.startsWith(`hopwise.toml: "privacy" must be `), got);
    assertOk(got.endsWith(`from 0 to 255, got ${bad}`), got);
  }
});

Deno.test("values of the wrong type are refused, saying what was given", () => {
  const cases: Array<[string, string]> = [
    [`listen = 9798\n${ONE}`, `"listen" must be an address such as "127.0.0.1:9798", got 9798`],
    [`interval = "10"\n${ONE}`, `"interval" must be a number above 0, got "10"`],
    [`window = [1]\n${ONE}`, `"window" must be a number above 0, got an array`],
    [`rate = 1979-05-27\n${ONE}`, `"rate" must be a number of at least 0, got a date (1979`],
    [`target = 1\n`, `"target" must be [[target]] tables, got 1`],
    [`[target]\nhost = "a.example.net"\n`, `"target" must be [[target]] tables, got a table`],
    [`probe = 1\n${ONE}`, `"probe" must be a table, got 1`],
    [`${ONE}host2 = 1\n`, `target 1: unknown key "host2"`],
    [`${ONE}port = "443"\n`, `target 1: "port" must be an integer from 1 to 65535, got "443"`],
    [`${ONE}port = 443.5\n`, `target 1: "port" must be an integer from 1 to 65535, got 443.5`],
    [`${ONE}method = 1\n`, `target 1: "method" must be a method name, got 1`],
    [`${ONE}labels = "site"\n`, `target 1: "labels" must be a table of strings, got "site"`],
    [`${ONE}labels = { site = 1 }\n`, `target 1: label "site" must be a non-empty string, got 1`],
    [`${ONE}labels = { site = "" }\n`, `target 1: label "site" must be a non-empty string, got ""`],
    [`${ONE}[probe]\nallow = "198.18.0.0/15"\n`, `[probe]: "allow" must be an array of strings`],
    [`${ONE}[probe]\nallow = [1]\n`, `[probe]: "allow" item 1: must be a string, got 1`],
    [`${ONE}[web]\nauth_file = true\n`, `[web]: "auth_file" must be a file name, got true`],
    [`[[target]]\nport = 1\n`, `target 1: "host" is missing`],
  ];
  for (const [text, message] of cases) {
    const got = errorOf(text);
    assertOk(got.startsWith(`hopwise.toml: ${message}`), `${got}\n  wanted: ${message}`);
  }
});

Deno.test("values out of range are refused with the range and the value", () => {
  const cases: Array<[string, string]> = [
    [`${ONE}port = 70000\n`, `target 1: "port" must be from 1 to 65535, got 70000`],
    [`${ONE}port = 0\n`, `target 1: "port" must be from 1 to 65535, got 0`],
    [`${ONE}queries = 11\n`, `target 1: "queries" must be from 1 to 10, got 11`],
    [`${ONE}flows = 65\n`, `target 1: "flows" must be from 1 to 64, got 65`],
    [`${ONE}max_ttl = 256\n`, `target 1: "max_ttl" must be from 1 to 255, got 256`],
    [`${ONE}first_ttl = 0\n`, `target 1: "first_ttl" must be from 1 to 255, got 0`],
    [
      `${ONE}first_ttl = 10\nmax_ttl = 5\n`,
      `target 1: "first_ttl" must be at most max_ttl (5), got 10`,
    ],
    [
      `${ONE}first_ttl = 31\n`,
      `target 1: "first_ttl" must be at most max_ttl (30 by default), got 31`,
    ],
    [`interval = 0\n${ONE}`, `"interval" must be a number above 0, got 0`],
    [`interval = -1\n${ONE}`, `"interval" must be a number above 0, got -1`],
    [`interval = inf\n${ONE}`, `"interval" must be a number above 0, got Infinity`],
    [`interval = nan\n${ONE}`, `"interval" must be a number above 0, got NaN`],
    [`${ONE}interval = 0.0\n`, `target 1: "interval" must be a number above 0, got 0`],
    [`rate = -1\n${ONE}`, `"rate" must be a number of at least 0, got -1`],
    [`window = 0\n${ONE}`, `"window" must be a number above 0, got 0`],
    [
      `window = 20\n${ONE}interval = 30\n`,
      `"window" (20 s) must be at least target 1's interval (30 s)`,
    ],
    [`window = 5\n${ONE}`, `"window" (5 s) must be at least target 1's interval (10 s)`],
    [
      `${ONE}[probe]\nmax_concurrent = 0\n`,
      `[probe]: "max_concurrent" must be from 1 to 64, got 0`,
    ],
    [`listen = "127.0.0.1:70000"\n${ONE}`, `"listen": the port must be from 1 to 65535, got 70000`],
  ];
  for (const [text, message] of cases) assertEquals(errorOf(text), `hopwise.toml: ${message}`);
});

Deno.test("hosts, methods and flows are checked", () => {
  const cases: Array<[string, string]> = [
    [`host = "a b"`, `"host" must be a host name or an address, got "a b"`],
    [`host = "198.18.0.0/24"`, `"host" must be a host name or an address, got "198.18.0.0/24"`],
    [`host = "300.1.2.3"`, `"host" must be a host name or an address, got "300.1.2.3"`],
    [`host = "fe80::1%eth0"`, `"host" must be a host name or an address, got "fe80::1%eth0"`],
    [
      `host = "a.example.net"\nmethod = "ping"`,
      `"method" must be one of default, icmp, udp, tcp, tcpconn, udplite, dccp, raw, got "ping"`,
    ],
    [
      `host = "a.example.net"\nmethod = "tcpconn"\nflows = 2`,
      `"flows" above 1 needs one of default, icmp, udp, tcp, not "tcpconn"`,
    ],
  ];
  for (const [body, message] of cases) {
    assertEquals(errorOf(`[[target]]\n${body}\n`), `hopwise.toml: target 1: ${message}`);
  }
  const ok = parseServeConfig(
    `[[target]]\nhost = "2001:db8::1"\n[[target]]\nhost = "198.18.0.1"\nmethod = "tcpconn"\n` +
      `flows = 1\n`,
    "hopwise.toml",
  );
  assertEquals(ok.targets.map((t) => t.host), ["2001:db8::1", "198.18.0.1"]);
});

Deno.test("a target repeated (same host, method and port) is refused; none at all is not", () => {
  assertEquals(
    errorOf(`${ONE}[[target]]\nhost = "DB.example.net"\n`),
    "hopwise.toml: target 2: the same host, method and port as target 1",
  );
  const two = parseServeConfig(`${ONE}port = 1\n${ONE}port = 2\n${ONE}method = "icmp"\n`, "a");
  assertEquals(two.targets.length, 3);
  // The targets may all come from --targets.
  assertEquals(parseServeConfig(`interval = 5\n`, "a").targets, []);
  assertEquals(parseServeConfig(``, "a").targets, []);
});

Deno.test("label names follow Prometheus's rules and leave the service's own alone", () => {
  const label = (name: string) => errorOf(`${ONE}labels = { ${name} = "x" }\n`);
  assertEquals(
    label(`"a-b"`),
    `hopwise.toml: target 1: label "a-b" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`,
  );
  assertEquals(
    label(`"1a"`),
    `hopwise.toml: target 1: label "1a" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`,
  );
  assertEquals(
    label("__name"),
    'hopwise.toml: target 1: label "__name" starts with _, which Prometheus and OpenMetrics keep',
  );
  assertEquals(
    label("_site"),
    'hopwise.toml: target 1: label "_site" starts with _, which Prometheus and OpenMetrics keep',
  );
  const own = ["target", "ttl", "kind", "address", "name", "le", "reason", "asn", "country", "job"];
  for (const reserved of own) {
    assertEquals(
      label(reserved),
      `hopwise.toml: target 1: label "${reserved}" is one of the service's own labels ` +
        "(target, ttl, kind, address, name, le, reason, asn, country, instance, job)",
    );
  }
  const ok = parseServeConfig(`${ONE}labels = { site_ = "a", Rack2 = "b", method = "c" }\n`, "a");
  assertEquals(ok.targets[0]?.labels, { site_: "a", Rack2: "b", method: "c" });
});

Deno.test("tls_cert and tls_key go together", () => {
  assertEquals(
    errorOf(`${ONE}[web]\ntls_cert = "c.pem"\n`),
    `hopwise.toml: [web]: "tls_cert" and "tls_key" go together: "tls_key" is missing`,
  );
  assertEquals(
    errorOf(`${ONE}[web]\ntls_key = "k.pem"\nauth_file = "auth"\n`),
    `hopwise.toml: [web]: "tls_cert" and "tls_key" go together: "tls_cert" is missing`,
  );
  const auth = parseServeConfig(`${ONE}[web]\nauth_file = "/a"\n`, "a");
  assertEquals(auth.web, { tlsCert: null, tlsKey: null, authFile: "/a" });
});

Deno.test("a bad allow rule is refused with its place in the list", () => {
  assertEquals(
    errorOf(`${ONE}[probe]\nallow = ["198.18.0.0/15", "198.18.0.1/15"]\n`),
    `hopwise.toml: [probe]: "allow" item 2: "198.18.0.1/15" has bits set past its prefix ` +
      "length (the network is 198.18.0.0/15)",
  );
  assertEquals(
    errorOf(`${ONE}[probe]\nallow = ["*"]\n`),
    `hopwise.toml: [probe]: "allow" item 1: "*" is not an address, a prefix, a host name or a ` +
      "pattern *.NAME",
  );
});

Deno.test("--serve's argument: PORT on loopback, ADDRESS:PORT, [IPv6]:PORT", () => {
  assertEquals(parseListen("9798"), { hostname: "127.0.0.1", port: 9798 });
  assertEquals(parseListen("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
  assertEquals(parseListen("localhost:65535"), { hostname: "localhost", port: 65535 });
  assertEquals(parseListen("[2001:DB8::1]:443"), { hostname: "2001:db8::1", port: 443 });
  assertEquals(parseListen("[::]:1"), { hostname: "::", port: 1 });
  const bad: Array<[string, string]> = [
    ["0", "the port must be from 1 to 65535, got 0"],
    ["65536", "the port must be from 1 to 65535, got 65536"],
    ["", `"" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    ["http", `"http" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    [":80", `":80" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    ["300.1.2.3:80", `"300.1.2.3:80" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    ["[::1]", `"[::1]" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    ["[x]:80", `"[x]:80" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    ["127.0.0.1:+80", `"127.0.0.1:+80" is not PORT, ADDRESS:PORT or [IPv6]:PORT`],
    ["::1:9798", `"::1:9798": an IPv6 address goes in brackets, as [::1]:9798`],
  ];
  for (const [text, message] of bad) {
    const e = assertThrows(() => parseListen(text), ConfigError);
    assertEquals(e.message, `--serve: ${message}`);
    assertEquals((e as ConfigError).option, "serve");
  }
});

Deno.test("a file that cannot be read is one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => readServeConfig(`${dir}/none.toml`),
      ConfigError,
      `${dir}/none.toml: cannot read the configuration: no such file`,
    );
    const e = await assertRejects(() => readServeConfig(dir), ConfigError);
    assertEquals(e.message, `${dir}: cannot read the configuration: it is a directory`);
    await Deno.writeTextFile(`${dir}/bad.toml`, `${ONE}port = 70000\n`);
    await assertRejects(
      () => readServeConfig(`${dir}/bad.toml`),
      ConfigError,
      `${dir}/bad.toml: target 1: "port" must be from 1 to 65535, got 70000`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
