/**
 * Tests of the lab helper itself. They need root and the tools listed by
 * {@linkcode labSupport}; elsewhere they are ignored. Run with
 * `deno test --allow-all tests/lab/lab_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isLabAddress, Lab, labSupport } from "../../lab/lab.ts";
import { type Chain, chain, type UnreachableKind } from "../../lab/topologies.ts";

const unsupported = labSupport();
const tracerouteMissing = unsupported === null && !hasTool("traceroute")
  ? "needs Linux traceroute (traceroute)"
  : null;
if (unsupported !== null) {
  // deno-lint-ignore no-console
  console.log(`lab tests ignored: ${unsupported}`);
} else if (tracerouteMissing !== null) {
  // deno-lint-ignore no-console
  console.log(`lab traceroute tests ignored: ${tracerouteMissing}`);
}
const ignore = unsupported !== null;
const ignoreTraceroute = ignore || tracerouteMissing !== null;

function hasTool(tool: string): boolean {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/sbin"];
  return dirs.some((dir) => {
    try {
      return dir !== "" && Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

async function netnsList(): Promise<string[]> {
  const output = await new Deno.Command("ip", { args: ["netns", "list"], stderr: "null" }).output();
  return new TextDecoder().decode(output.stdout).split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name !== "");
}

interface Hop {
  hop: number;
  /** Addresses of the probes that were answered, in order. */
  addresses: string[];
  stars: number;
  flags: string[];
  text: string;
}

/** Parses `traceroute -n` output. */
function parseTraceroute(output: string): Hop[] {
  const hops: Hop[] = [];
  for (const line of output.split("\n")) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const tokens = (match[2] ?? "").split(/\s+/);
    hops.push({
      hop: Number(match[1]),
      addresses: tokens.filter((t) => /^\d+\.\d+\.\d+\.\d+$/.test(t) || t.includes(":")),
      stars: tokens.filter((t) => t === "*").length,
      flags: tokens.filter((t) => t.startsWith("!")),
      text: line,
    });
  }
  return hops;
}

async function traceroute(c: Chain, target: string, args: string[] = []): Promise<Hop[]> {
  const result = await c.lab.exec(c.source, [
    "traceroute",
    "-n",
    "-q",
    "3",
    "-w",
    "1",
    ...args,
    target,
  ]);
  assert.equal(result.code, 0, `traceroute failed: ${result.stderr}`);
  return parseTraceroute(result.stdout);
}

/** Asserts traceroute output matches what the chain promises. */
function assertPath(hops: Hop[], expected: string[], silent: number[], flag: string | null): void {
  const shown = hops.map((h) => h.text).join("\n");
  assert.equal(hops.length, expected.length, `expected ${expected.length} hops:\n${shown}`);
  for (const [i, hop] of hops.entries()) {
    assert.equal(hop.hop, i + 1);
    if (silent.includes(hop.hop)) {
      assert.equal(hop.stars, 3, `hop ${hop.hop} should be silent:\n${shown}`);
      assert.deepEqual(hop.addresses, [], shown);
      continue;
    }
    assert.equal(hop.stars, 0, `hop ${hop.hop} should answer:\n${shown}`);
    assert.equal(hop.addresses.length, 1, `one address printed per hop:\n${shown}`);
    assert.equal(hop.addresses[0], expected[i], shown);
    const last = i === hops.length - 1;
    assert.deepEqual(hop.flags, last && flag ? [flag, flag, flag] : [], shown);
  }
}

Deno.test({
  name: "chain: 5 routers, traceroute reaches the target at hop 6 (IPv4 and IPv6)",
  ignore: ignoreTraceroute,
  async fn() {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 5 });
    assert.deepEqual(c.nodes, ["src", "r1", "r2", "r3", "r4", "r5", "dst"]);
    assert.equal(c.target4, "198.18.6.2");
    assert.equal(c.target6, "2001:db8:0:6::2");
    assert.equal(c.hops4.length, 6);
    assert.equal(c.hops4.at(-1), c.target4);
    assert.equal(c.hops6.at(-1), c.target6);
    assertPath(await traceroute(c, c.target4), c.hops4, [], null);
    assertPath(await traceroute(c, c.target6), c.hops6, [], null);
    // ICMP probes too (traceroute -I needs raw sockets; we are root).
    assertPath(await traceroute(c, c.target4, ["-I"]), c.hops4, [], null);
    assertPath(await traceroute(c, c.target6, ["-I"]), c.hops6, [], null);
  },
});

Deno.test({
  name: "chain: silent hops show * * * and later hops still answer",
  ignore: ignoreTraceroute,
  async fn() {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 5, silent: [2, 4] });
    assert.deepEqual(c.silent, [2, 4]);
    assertPath(await traceroute(c, c.target4), c.hops4, c.silent, null);
    assertPath(await traceroute(c, c.target6), c.hops6, c.silent, null);
  },
});

Deno.test({
  name: "chain: unreachable router answers !H, !N, !X at its hop",
  ignore: ignoreTraceroute,
  async fn(t) {
    const cases: Array<[UnreachableKind, string]> = [["host", "!H"], ["net", "!N"], [
      "prohibit",
      "!X",
    ]];
    for (const [kind, flag] of cases) {
      await t.step(kind, async () => {
        await using lab = await Lab.create();
        const c = await chain(lab, { routers: 5, unreachable: { hop: 3, kind } });
        assert.equal(c.flag, flag);
        assert.deepEqual(c.hops4, ["198.18.1.2", "198.18.2.2", "198.18.3.2"]);
        assertPath(await traceroute(c, c.target4), c.hops4, [], flag);
        assertPath(await traceroute(c, c.target6), c.hops6, [], flag);
      });
    }
  },
});

Deno.test({
  name: "chain: drop-all destination never answers",
  ignore: ignoreTraceroute,
  async fn() {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 5, destination: "drop-all" });
    assert.deepEqual(c.silent, [6]);
    for (const [target, expected] of [[c.target4, c.hops4], [c.target6, c.hops6]] as const) {
      const hops = await traceroute(c, target, ["-m", "8"]);
      assert.equal(hops.length, 8);
      assertPath(hops.slice(0, 6), expected, c.silent, null);
      assert.equal(hops[6]?.stars, 3);
      assert.equal(hops[7]?.stars, 3);
    }
  },
});

Deno.test({
  name: "chain: names option resolves hop addresses in the source only, lookups stay fast",
  ignore: ignoreTraceroute,
  async fn() {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2, names: true });
    const result = await lab.exec(c.source, ["traceroute", "-q", "1", "-w", "1", c.target4]);
    assert.match(result.stdout, /^ 1 {2}r1\.lab \(198\.18\.1\.2\)/m);
    assert.match(result.stdout, /^ 3 {2}dst\.lab \(198\.18\.3\.2\)/m);
    const ahosts = await lab.sh(c.source, "getent ahosts dst.lab");
    assert.match(ahosts, /^198\.18\.3\.2 /m);
    assert.match(ahosts, /^2001:db8:0:3::2 /m);
    assert.equal(
      (await lab.sh(c.source, "getent hosts 2001:db8:0:2::2")).trim(),
      "2001:db8:0:2::2 r2.lab",
    );
    // Other nodes have no names; their reverse lookups fail at once (nameserver 127.0.0.1).
    const started = performance.now();
    const miss = await lab.exec("r1", ["getent", "hosts", "198.18.3.2"]);
    assert.equal(miss.code, 2);
    assert.ok(performance.now() - started < 2000, "lookup should fail fast");
  },
});

Deno.test({
  name: "lab: ICMP rate limits lifted per node, kept on request, root namespace untouched",
  ignore,
  async fn() {
    const keys = [
      "net/ipv4/icmp_ratelimit",
      "net/ipv6/icmp/ratelimit",
      "net/ipv4/icmp_msgs_per_sec",
      "net/ipv4/icmp_msgs_burst",
    ];
    const read = async (node: string | null): Promise<string[]> => {
      if (node === null) {
        return await Promise.all(
          keys.map(async (k) => (await Deno.readTextFile(`/proc/sys/${k}`)).trim()),
        );
      }
      return (await lab.sh(node, `cat ${keys.map((k) => `/proc/sys/${k}`).join(" ")}`)).trim()
        .split("\n");
    };
    const rootBefore = await read(null);
    await using lab = await Lab.create();
    await lab.addNode("fast", { router: true });
    await lab.addNode("slow", { keepIcmpRateLimit: true });
    assert.deepEqual(await read("fast"), ["0", "0", "1000000", "1000000"]);
    assert.deepEqual(await read("slow"), ["1000", "100", "1000", "50"]);
    assert.deepEqual(await read(null), rootBefore);
    const forwarding = await lab.sh(
      "fast",
      "cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding",
    );
    assert.equal(forwarding, "1\n1\n");
    assert.equal(await lab.sh("slow", "cat /proc/sys/net/ipv4/ip_forward"), "0\n");
  },
});

Deno.test({
  name: "chain: lifted ICMP rate limits answer every probe, kept ones do not",
  ignore: ignoreTraceroute,
  async fn() {
    // 5 runs of 10 back-to-back probes at hop 2. With kernel defaults (hop 2
    // keeps them) IPv4 allows a burst of 6 time-exceeded per destination, then
    // one a second, so far fewer than 50 come back.
    const answered = async (c: Chain, target: string): Promise<number> => {
      let count = 0;
      for (let i = 0; i < 5; i++) {
        const args = ["traceroute", "-n", "-f", "2", "-m", "2", "-q", "10", "-w", "0.5", target];
        const result = await c.lab.exec(c.source, args);
        count += result.stdout.match(/ ms/g)?.length ?? 0;
      }
      return count;
    };
    {
      await using lab = await Lab.create();
      const c = await chain(lab, { routers: 3 });
      assert.equal(await answered(c, c.target4), 50);
      assert.equal(await answered(c, c.target6), 50);
    }
    {
      await using lab = await Lab.create();
      const c = await chain(lab, { routers: 3, keepIcmpRateLimit: [2] });
      assert.ok(await answered(c, c.target4) < 25);
    }
  },
});

Deno.test({
  name: "lab: link numbers interfaces, turns tx checksum offload off, files exist before exec",
  ignore,
  async fn() {
    await using lab = await Lab.create();
    await Promise.all(["a", "b", "c"].map((n) => lab.addNode(n)));
    for (const ns of lab.names.values()) {
      assert.equal(
        await Deno.readTextFile(`/etc/netns/${ns}/resolv.conf`),
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
      );
      assert.match(await Deno.readTextFile(`/etc/netns/${ns}/hosts`), /^127\.0\.0\.1\tlocalhost$/m);
    }
    const [ab, ac] = await Promise.all([
      lab.link("a", "b", {
        v4: ["198.18.200.1/30", "198.18.200.2/30"],
        v6: ["2001:db8:200::1/64", "2001:db8:200::2/64"],
      }),
      lab.link("a", "c", { v4: ["198.18.201.1/30", "198.18.201.2/30"] }),
    ]);
    assert.deepEqual(ab, { ifA: "eth0", ifB: "eth0" });
    assert.deepEqual(ac, { ifA: "eth1", ifB: "eth0" });
    const features = await lab.sh("a", "ethtool -k eth0; ethtool -k eth1");
    assert.equal(features.match(/^tx-checksumming: off$/gm)?.length, 2, features);
    const addresses = await lab.sh("a", "ip -br addr show dev eth0");
    assert.match(addresses, /198\.18\.200\.1\/30/);
    assert.match(addresses, /2001:db8:200::1\/64/);
    assert.doesNotMatch(addresses, /tentative/);
    assert.match(await lab.sh("a", "ip -o link show lo"), /state UNKNOWN|,UP/);
    await lab.setHosts("b", [["198.18.200.1", "a.lab"]]);
    assert.equal((await lab.sh("b", "getent hosts a.lab")).trim(), "198.18.200.1    a.lab");
    const ping = await lab.exec("a", ["ping", "-n", "-c", "1", "-W", "1", "2001:db8:200::2"]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  },
});

Deno.test({
  name: "lab: addresses and routes outside the lab ranges are refused",
  ignore,
  async fn() {
    assert.ok(isLabAddress("198.19.255.255"));
    assert.ok(isLabAddress("2001:db8:ffff::1"));
    assert.ok(!isLabAddress("198.20.0.1"));
    assert.ok(!isLabAddress("10.0.0.1"));
    assert.ok(!isLabAddress("2001:db9::1"));
    await using lab = await Lab.create();
    await lab.addNode("a");
    await lab.addNode("b");
    await assert.rejects(lab.link("a", "b", { v4: ["10.0.0.1/24", "10.0.0.2/24"] }), /not inside/);
    await assert.rejects(
      lab.link("a", "b", { v4: ["198.18.0.1/8", "198.18.0.2/8"] }),
      /not inside/,
    );
    await assert.rejects(lab.route("a", "0.0.0.0/0", "198.18.0.2"), /not inside/);
    await assert.rejects(lab.route("a", "::/0", "2001:db8::2"), /not inside/);
    await assert.rejects(lab.route("a", "198.18.0.0/15", "192.0.2.1"), /not an address inside/);
    await assert.rejects(lab.setHosts("a", [["192.0.2.1", "x"]]), /not an address inside/);
    await assert.rejects(lab.addNode("a"), /already exists/);
    await assert.rejects(lab.addNode("bad name"), /invalid node name/);
    await assert.rejects(Lab.create({ prefix: "Bad-Prefix" }), /invalid lab prefix/);
  },
});

Deno.test({
  name: "lab: exec as user 65534, with stdin and env; sh throws with stderr",
  ignore,
  async fn() {
    await using lab = await Lab.create();
    await lab.addNode("a");
    const id = await lab.exec("a", ["sh", "-c", "id -u; id -g; id -G"], { user: 65534 });
    assert.equal(id.code, 0, id.stderr);
    assert.equal(id.stdout, "65534\n65534\n65534\n");
    assert.equal((await lab.exec("a", ["id", "-u"])).stdout, "0\n");
    const echo = await lab.exec("a", ["sh", "-c", 'cat; echo "$GREETING"'], {
      stdin: "in\n",
      env: { GREETING: "hello" },
    });
    assert.deepEqual(echo, { code: 0, stdout: "in\nhello\n", stderr: "" });
    await assert.rejects(lab.sh("a", "echo oops >&2; exit 3"), /exit 3[\s\S]*oops/);
  },
});

Deno.test({
  name: "lab: destroy removes every namespace and /etc/netns dir, kills spawned processes",
  ignore,
  async fn() {
    const lab = await Lab.create();
    await Promise.all(["a", "b"].map((n) => lab.addNode(n)));
    await lab.link("a", "b", { v4: ["198.18.0.1/30", "198.18.0.2/30"] });
    const child = lab.spawn("b", ["sleep", "60"]);
    const orphan = lab.spawn("a", ["sh", "-c", "sleep 60 & wait"]);
    const names = [...lab.names.values()];
    assert.equal(names.length, 2);
    for (const ns of names) {
      assert.ok(ns.startsWith(`hwl-${Deno.pid}-`), ns);
      assert.ok(exists(`/var/run/netns/${ns}`));
      assert.ok(exists(`/etc/netns/${ns}`));
    }
    assert.ok(names.every((ns) => !ns.includes("hwscratch")));
    const before = await netnsList();
    assert.ok(names.every((ns) => before.includes(ns)));
    await lab.destroy();
    assert.ok(lab.destroyed);
    const after = await netnsList();
    for (const ns of names) {
      assert.ok(!after.includes(ns), `${ns} still listed`);
      assert.ok(!exists(`/var/run/netns/${ns}`));
      assert.ok(!exists(`/etc/netns/${ns}`));
    }
    assert.equal((await child.status).success, false);
    assert.equal((await orphan.status).success, false);
    await lab.destroy(); // idempotent
    await assert.rejects(lab.exec("a", ["true"]), /destroyed/);
    // Namespaces that are not labs' (e.g. hwscratch) are still there; other labs'
    // may come and go when test processes run concurrently.
    for (const other of before.filter((ns) => !ns.startsWith("hwl-"))) {
      assert.ok(after.includes(other), `${other} disappeared`);
    }
  },
});

Deno.test({
  name: "lab: create sweeps stale namespaces of its prefix whose creator is dead, and only those",
  ignore,
  async fn() {
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    const live = new Deno.Command("sleep", { args: ["60"] }).spawn();
    try {
      assert.ok(!exists(`/proc/${dead.pid}`));
      const stale = `hwl-${dead.pid}-test-stale`;
      const staleDirOnly = `hwl-${dead.pid}-test-dironly`;
      const alive = `hwl-${live.pid}-test-alive`;
      const otherPrefix = `hwlother-${dead.pid}-test-x`;
      for (const ns of [stale, alive, otherPrefix]) {
        await Deno.mkdir(`/etc/netns/${ns}`, { recursive: true });
        const add = await new Deno.Command("ip", { args: ["netns", "add", ns] }).output();
        assert.ok(add.success);
      }
      await Deno.mkdir(`/etc/netns/${staleDirOnly}`, { recursive: true });
      const before = await netnsList();
      try {
        await using _lab = await Lab.create();
        const after = await netnsList();
        assert.ok(!after.includes(stale), "stale namespace not swept");
        assert.ok(!exists(`/etc/netns/${stale}`));
        assert.ok(!exists(`/etc/netns/${staleDirOnly}`));
        assert.ok(after.includes(alive), "namespace of a live creator swept");
        assert.ok(exists(`/etc/netns/${alive}`));
        assert.ok(after.includes(otherPrefix), "namespace of another prefix swept");
        for (const ns of before.filter((n) => !n.startsWith("hwl-"))) {
          assert.ok(after.includes(ns), `${ns} disappeared`);
        }
      } finally {
        for (const ns of [stale, alive, otherPrefix]) {
          await new Deno.Command("ip", { args: ["netns", "delete", ns], stderr: "null" }).output();
          await Deno.remove(`/etc/netns/${ns}`, { recursive: true }).catch(() => {});
        }
        await Deno.remove(`/etc/netns/${staleDirOnly}`, { recursive: true }).catch(() => {});
      }
    } finally {
      live.kill("SIGKILL");
      await live.status;
    }
  },
});

Deno.test({
  name: "lab: interrupt, exit and uncaught errors in the creating process still clean up",
  ignore,
  async fn(t) {
    const labUrl = import.meta.resolve("../../lab/lab.ts");
    const cases: Array<[string, string, Deno.Signal | null, number]> = [
      ["SIGINT exits 130", "setInterval(() => {}, 1000);", "SIGINT", 130],
      ["SIGTERM exits 143", "setInterval(() => {}, 1000);", "SIGTERM", 143],
      ["Deno.exit without destroy", "setTimeout(() => Deno.exit(0), 100);", null, 0],
      ["uncaught error", 'setTimeout(() => { throw new Error("boom"); }, 100);', null, 1],
    ];
    for (const [name, tail, signal, code] of cases) {
      await t.step(name, async () => {
        const script = `import { Lab } from ${JSON.stringify(labUrl)};
const lab = await Lab.create();
await lab.addNode("a");
lab.spawn("a", ["sleep", "60"]);
console.log(lab.ns("a"));
${tail}`;
        const child = new Deno.Command(Deno.execPath(), {
          args: ["eval", script],
          stdout: "piped",
          stderr: "null",
          env: { NO_COLOR: "1" },
        }).spawn();
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        while (!text.includes("\n")) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
        const ns = text.trim();
        assert.match(ns, /^hwl-\d+-[0-9a-f]{6}-a$/);
        assert.ok(exists(`/var/run/netns/${ns}`));
        if (signal) child.kill(signal);
        const status = await child.status;
        while (!(await reader.read()).done) { /* drain */ }
        assert.equal(status.code, code);
        assert.ok(!exists(`/var/run/netns/${ns}`), `${ns} left behind`);
        assert.ok(!exists(`/etc/netns/${ns}`), `/etc/netns/${ns} left behind`);
      });
    }
  },
});
