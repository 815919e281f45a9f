import { assertEquals, assertOk, assertStringIncludes, assertThrows } from "../../tests/assert.ts";
import { runCli } from "../../tests/fake/cli.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import type { Family } from "../packet/address.ts";
import type { Readiness, Socket, SocketKind, Transport } from "../core/transport.ts";
import { MAX_COMPARE_METHODS, parseCompareSpec, runCompare } from "./compare_command.ts";

Deno.test("parseCompareSpec: methods, ports, labels", () => {
  assertEquals(parseCompareSpec("udp,icmp,tcp:443"), [
    { label: "udp", method: "udp", port: null },
    { label: "icmp", method: "icmp", port: null },
    { label: "tcp:443", method: "tcp", port: 443 },
  ]);
  assertEquals(
    parseCompareSpec(" UDP:53 , tcp:22,tcp:443,default:33000,raw:17").map((m) => m.label),
    [
      "udp:53",
      "tcp:22",
      "tcp:443",
      "default:33000",
      "raw:17",
    ],
  );
  assertEquals(parseCompareSpec("udp,udp:53").length, 2);
});

Deno.test("parseCompareSpec: malformed lists are RangeErrors with a clear message", () => {
  const cases: Array<[string, string]> = [
    ["", "needs a list of methods"],
    ["  ", "needs a list of methods"],
    ["udp,,icmp", "an empty method"],
    ["udp,", "an empty method"],
    ["udp,bogus", 'unknown method "bogus"'],
    ["icmp:80", "icmp takes no port"],
    ["tcp:99999", "the port of tcp must be from 1 to 65535"],
    ["tcp:0", "the port of tcp must be from 1 to 65535"],
    ["tcp:", "the port of tcp must be from 1 to 65535"],
    ["tcp:https", "the port of tcp must be from 1 to 65535"],
    ["tcp:-1", "the port of tcp must be from 1 to 65535"],
    ["raw:256", "the protocol of raw must be from 1 to 255"],
    ["udp,udp", "udp is listed twice"],
    ["tcp:443,TCP:443", "tcp:443 is listed twice"],
    [Array(MAX_COMPARE_METHODS + 1).fill(0).map((_, i) => `udp:${i + 1}`).join(","), "at most 8"],
  ];
  for (const [spec, message] of cases) {
    assertThrows(() => parseCompareSpec(spec), RangeError, message);
  }
});

Deno.test("--compare with a bad list: one line on stderr, exit 2, nothing sent", async () => {
  for (const spec of ["", "udp,bogus", "icmp:80", "tcp:99999"]) {
    const r = await runCli(["--compare", spec, "-n", "198.18.9.9"]);
    assertEquals([r.status, r.stdout, r.fake.sent.length], [2, "", 0], spec);
    assertOk(r.stderr.startsWith("hopwise: --compare"), r.stderr);
    assertEquals(r.stderr.split("\n").length, 2, r.stderr);
  }
});

/** A fake network of a process that holds privileges until told to drop them. */
class PrivilegedFake implements Transport {
  readonly fake: FakeTransport;
  dropped = false;
  drops = 0;
  /** Waits that reached the network while privileged. */
  waitsWhilePrivileged = 0;

  constructor(fake: FakeTransport) {
    this.fake = fake;
  }
  now(): number {
    return this.fake.now();
  }
  socket(family: Family, kind: SocketKind, protocol: number): Socket {
    return this.fake.socket(family, kind, protocol);
  }
  wait(sockets: readonly Socket[], timeoutMs: number, signal?: AbortSignal): Promise<Readiness[]> {
    if (!this.dropped) this.waitsWhilePrivileged++;
    return this.fake.wait(sockets, timeoutMs, signal);
  }
  pid(): number {
    return this.fake.pid();
  }
  privileged(): boolean {
    return !this.dropped;
  }
  dropPrivileges(): void {
    this.drops++;
    this.dropped = true;
  }
}

function network(rawAllowed: boolean): FakeTransport {
  return new FakeTransport({
    family: 4,
    source: "198.18.1.1",
    target: "198.18.3.2",
    rawAllowed,
    hops: [{ address: "198.18.1.2" }, { address: "198.18.2.2" }, { address: "198.18.3.2" }],
  });
}

async function compare(spec: string, transport: Transport, output: "classic" | "json" | "ndjson") {
  let stdout = "";
  let stderr = "";
  const status = await runCompare("198.18.3.2", spec, {
    transport,
    resolver: new TableResolver(),
    resolveNames: false,
    maxHops: 6,
    dropPrivileges: true,
  }, {
    output,
    numeric: true,
    explain: false,
    out: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
  });
  return { status, stdout, stderr };
}

Deno.test("runCompare: privileges dropped once, after every socket is open, before any read", async () => {
  const net = new PrivilegedFake(network(true));
  const r = await compare("udp,icmp", net, "json");
  assertEquals([r.status, r.stderr], [0, ""]);
  assertEquals([net.drops, net.waitsWhilePrivileged], [1, 0]);
  assertEquals(net.fake.openSockets(), 0);
  const doc = JSON.parse(r.stdout);
  assertEquals(doc.privileges.state, "dropped");
  assertEquals(doc.traces.length, 2);
  for (const t of doc.traces) {
    assertEquals([t.reason, t.hops.length, t.settings.privileges], ["reached", 3, "dropped"]);
  }
});

Deno.test("runCompare: a method lacking privileges is skipped with a note, exit 1", async () => {
  const net = new PrivilegedFake(network(false));
  net.dropped = true; // an ordinary user
  const r = await compare("udp,tcp:443", net, "classic");
  assertEquals(r.status, 1);
  assertEquals(r.stderr.split("\n").length, 2, r.stderr);
  assertStringIncludes(r.stderr, "hopwise: --compare: tcp:443 not traced: needs CAP_NET_RAW");
  assertStringIncludes(r.stdout, "  3  198.18.3.2 [port unreachable]  -\n");
  assertStringIncludes(r.stdout, "tcp:443: not traced: needs CAP_NET_RAW");
  assertEquals(net.drops, 0);
});

Deno.test("runCompare: every method lacking privileges fails as one trace would", async () => {
  const net = new PrivilegedFake(network(false));
  net.dropped = true;
  let failed: unknown = null;
  try {
    await compare("tcp,raw", net, "classic");
  } catch (e) {
    failed = e;
  }
  assertOk(failed instanceof Error && failed.name === "PrivilegeError", String(failed));
  assertEquals(net.fake.openSockets(), 0);
});

Deno.test("runCompare --ndjson: every line tagged with its method, a summary last", async () => {
  const r = await compare("udp,icmp", new PrivilegedFake(network(true)), "ndjson");
  const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines[0].type, "compare");
  assertEquals(lines.at(-1).type, "summary");
  const events = lines.slice(1, -1);
  assertOk(events.every((l) => l.label === "udp" || l.label === "icmp"));
  for (const label of ["udp", "icmp"]) {
    const mine = events.filter((l) => l.label === label).map((l) => l.type);
    assertEquals([mine[0], mine.at(-1), mine.filter((t) => t === "hop").length], [
      "start",
      "end",
      3,
    ]);
  }
});
