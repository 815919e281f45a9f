/**
 * hopwise as an ordinary user (uid 65534, no capabilities) inside a lab
 * namespace: the default method traces the lab, exactly as Linux traceroute
 * does as the same user; the raw-socket paths fail with Linux traceroute's
 * privilege message and exit status 1; and with ping sockets allowed
 * (net.ipv4.ping_group_range), `-I` traces through an ICMP datagram socket.
 *
 * The runs use a world-readable copy of Deno and hopwise (see readableCopy).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import {
  labSkipReason,
  lineDiff,
  readableCopy,
  runTraceroute,
  withoutRtts,
} from "../../lab/harness.ts";
import { hopwiseAsNobody, NOBODY } from "../helpers/nobody.ts";
const PRIVILEGE_LINE = "You do not have enough privileges to use this traceroute method.";
const reason = labSkipReason("unprivileged lab tests");

Deno.test({
  name: "unprivileged: uid 65534 traces with the default method; raw methods fail as Linux's do",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3, silent: [2] });
    const copy = await readableCopy();
    try {
      const asNobody = hopwiseAsNobody(lab, c.source, copy);
      const id = await lab.exec(c.source, ["id", "-u"], { user: NOBODY });
      assertEquals(id.stdout.trim(), String(NOBODY));

      for (
        const args of [
          ["-n", c.target4],
          ["-n", c.target6],
          ["-U", "-n", c.target4],
          ["-UL", "-n", c.target4],
          ["-UL", "-n", c.target6],
        ]
      ) {
        await t.step(`default method as uid 65534: ${args.join(" ")}`, async () => {
          const theirs = await runTraceroute(lab, c.source, args, { user: NOBODY });
          const ours = await asNobody(args);
          const expected = withoutRtts(theirs.stdout);
          const actual = withoutRtts(ours.stdout);
          assertEquals(actual, expected, lineDiff(expected, actual) + ours.stderr);
          assertEquals(ours.code, 0);
          assertEquals(theirs.code, 0);
        });
      }

      // ping_group_range is "1 0" (nobody) in a new namespace: no ICMP datagram sockets.
      for (
        const args of [
          ["-I", "-n", c.target4],
          ["-I", "-n", c.target6],
          ["-T", "-n", c.target4],
          ["-T", "-n", c.target6],
          ["-D", "-n", c.target4],
          ["-P", "99", "-n", c.target4],
          ["-P", "99", "-n", c.target6],
        ]
      ) {
        await t.step(`raw-only path as uid 65534: ${args.join(" ")}`, async () => {
          const theirs = await runTraceroute(lab, c.source, args, { user: NOBODY });
          const ours = await asNobody(args);
          assertEquals(theirs.code, 1);
          assertEquals(ours.code, 1);
          assertEquals(ours.stdout, theirs.stdout);
          const lines = theirs.stderr.split("\n").filter((l) => l !== "");
          assertEquals(lines, [
            "You do not have enough privileges to use this traceroute method.",
            "socket: Operation not permitted",
          ]);
          // Linux's two lines, then how to grant the privilege.
          assertEquals(ours.stderr.split("\n").slice(0, 2), lines);
          assertOk(ours.stderr.includes("setcap cap_net_raw+ep"), ours.stderr);
        });
      }
      await t.step("-O dgram as uid 65534 without ping sockets: same message", async () => {
        const args = ["-I", "-O", "dgram", "-n", c.target4];
        const theirs = await runTraceroute(lab, c.source, args, { user: NOBODY });
        const ours = await asNobody(args);
        assertEquals([ours.code, ours.stdout, ours.stderr], [
          theirs.code,
          theirs.stdout,
          theirs.stderr,
        ]);
      });

      // Linux traceroute's tcpconn reads errors on a raw ICMP socket; hopwise's
      // uses IP_RECVERR on the connecting socket and needs no privilege.
      for (const target of [c.target4, c.target6]) {
        await t.step(`tcpconn as uid 65534: ${target}`, async () => {
          const args = ["-M", "tcpconn", "-p", "8080", "-n", target];
          const theirs = await runTraceroute(lab, c.source, args, { user: NOBODY });
          assertEquals(theirs.code, 1);
          assertEquals(theirs.stderr.split("\n")[0], PRIVILEGE_LINE);
          const ours = await asNobody(args);
          assertEquals(ours.code, 0, ours.stderr);
          const hops = ours.stdout.trim().split("\n").slice(1);
          const expected = target.includes(":") ? c.hops6 : c.hops4;
          assertEquals(hops.length, expected.length, ours.stdout);
          hops.forEach((line, i) => {
            if (c.silent.includes(i + 1)) assertEquals(line.trim(), `${i + 1}  * * *`);
            else assertOk(line.includes(` ${expected[i]} `) && !line.includes("*"), line);
          });
        });
      }

      await lab.sh(c.source, "sysctl -qw net.ipv4.ping_group_range='0 2147483647'");
      for (const target of [c.target4, c.target6]) {
        await t.step(`-I through an ICMP datagram socket as uid 65534: ${target}`, async () => {
          const ours = await asNobody(["-I", "-n", target]);
          assertEquals(ours.code, 0, ours.stderr);
          const hops = ours.stdout.trim().split("\n").slice(1);
          const v6 = target.includes(":");
          const expected = v6 ? c.hops6 : c.hops4;
          assertEquals(hops.length, expected.length, ours.stdout);
          hops.forEach((line, i) => {
            if (c.silent.includes(i + 1)) assertEquals(line.trim(), `${i + 1}  * * *`);
            else {
              // Every probe answered (Linux's own dgram path loses some: see docs/options.md).
              assertEquals(line.split(" ms").length - 1, 3, line);
              assertOk(line.includes(` ${expected[i]} `), line);
            }
          });
        });
      }
    } finally {
      await Deno.remove(copy.dir, { recursive: true });
    }
  },
});
