/**
 * Bad input, differentially: for each case hopwise and Linux traceroute must
 * print the same message on stderr, nothing on stdout, and exit with the same
 * status. Run inside a lab namespace, so that a case that wrongly passes
 * validation cannot probe anything outside the lab.
 *
 * Input Linux traceroute corrects (a packet length below the headers, an
 * empty interface name, a mark of -1) must be corrected the same way.
 *
 * Also the cases where hopwise deliberately differs: a missing interface
 * or a foreign source address are reported before the header is printed,
 * and ports or a TOS out of range are rejected rather than wrapped.
 */
import { assertEquals } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain, type ChainOptions } from "../../lab/topologies.ts";
import {
  expectSame,
  labSkipReason,
  type Run,
  runHopwise,
  runTraceroute,
} from "../../lab/harness.ts";

const reason = labSkipReason("CLI error lab tests");

/** A test on a chain of one router (with `options`), skipped without a lab. */
function oneRouterTest(
  name: string,
  fn: (t: Deno.TestContext, lab: Lab, c: Chain) => Promise<void>,
  options: Omit<ChainOptions, "routers"> = {},
): void {
  Deno.test({
    name,
    ignore: reason !== null,
    sanitizeResources: false,
    fn: async (t) => {
      await using lab = await Lab.create();
      await fn(t, lab, await chain(lab, { routers: 1, ...options }));
    },
  });
}

/** What a run printed, and its exit status. */
const outcome = (r: Run) => ({ stdout: r.stdout, stderr: r.stderr, code: r.code });

oneRouterTest(
  "bad input: the same message and exit status as Linux traceroute",
  async (t, lab, c) => {
    await lab.sh(
      c.source,
      `echo '${c.target6} v6only.lab' >> /etc/hosts; echo '${c.target4} v4only.lab' >> /etc/hosts`,
    );
    const T = c.target4;
    const cases: string[][] = [
      // Hosts that do not resolve, and address literals that are not addresses.
      ["nosuchhost.invalid"],
      ["198.18.2.256"],
      ["1.2.3.4.5"],
      ["2001:db8::g"],
      ["2001:db8:::1"],
      ["-4", "v6only.lab"],
      ["-6", "v4only.lab"],
      ["-4", "-n", "-s", "nosuch.invalid", T],
      ["-n", "-g", "nosuch.invalid", T],
      // Options of the other family.
      ["-n", "-g", "2001:db8::1", T],
      ["-n", "-g", T, c.target6],
      // packet_len: negative, too big, not a number, and a third argument.
      ["-n", T, "-1"],
      ["-n", T, "65001"],
      ["-n", T, "abc"],
      ["-n", T, "60", "extra"],
      ["-x", T],
      ["--bogus", T],
      ["--icmp=1", T],
      ["--fwm=1", T],
      ["--de", T],
      ["-q"],
      ["-nq1", T],
      ["-q1n", T],
      ["-q", "abc", T],
      ["-q", "0", T],
      ["-q", "11", T],
      ["-q", "-1", T],
      ["-m", "0", T],
      ["-m", "256", T],
      ["-m", "4294967296", T],
      ["-m", "-1", T],
      ["-f", "0", T],
      ["-f", "10", "-m", "5", T],
      ["-w", "-1", T],
      ["-w", "1,-2", T],
      ["-w", "1,2,3,4", T],
      ["-w", "1,", T],
      ["-w", "abc", T],
      ["--wait", "2", T],
      ["--wait=1,2,3,4", T],
      ["-z", "-1", T],
      ["-z", "abc", T],
      ["-z", "-0.5", T],
      [T, "70000"],
      [T, "65001"],
      [T, "abc"],
      [T, "60", "extra"],
      ["-M", "foo", T],
      ["-I", "-O", "bogus", T],
      ["-I", "-O", "raw,dgram", T],
      ["-I", "-O", "raw", "-O", "dgram", T],
      ["-n"],
      ["-s", "2001:db8::1", T],
      ["-6", T],
      ["-4", c.target6],
      ["-p", "abc", T],
      ["-t", "abc", T],
      ["-N", "x", T],
      ["--sport=abc", T],
      ["-ULn", T],
      ["-", T],
      ["--", "-n"],
      ["-q", "1", "-q", "20", T],
      ["-O", "help"],
      ["-I", "-O", "help"],
      ["-M", "ICMP", "-O", "help"],
      ["-O", "help", "-I"],
      ["-T", "-O", "help"],
      ["-UL", "-O", "help"],
      ["-D", "-O", "help"],
      ["-P", "1", "-O", "help"],
      ["-M", "tcpconn", "-O", "help"],
      ["-M", "Raw", "-O", "help"],
      ["-T", "-O", "bogus", T],
      ["-T", "-O", "flags=x", T],
      ["-T", "-O", "mss=x", T],
      ["-T", "-O", "mss", T],
      ["-T", "-O", "info=1", T],
      ["-UL", "-O", "coverage=x", T],
      ["-P", "xyz", T],
      ["-D", "-O", "service=x", T],
      ["-M", "raw", "-O", "protocol=", T],
    ];
    for (const args of cases) {
      await t.step(args.join(" "), async () => {
        const theirs = await runTraceroute(lab, c.source, args);
        const ours = await runHopwise(lab, c.source, args);
        assertEquals(outcome(ours), outcome(theirs));
      });
    }
  },
  { names: true },
);

oneRouterTest("input Linux traceroute corrects is corrected the same way", async (t, lab, c) => {
  const T = c.target4;
  for (
    const args of [
      // A packet length below the headers is raised to them (28 bytes for UDP and ICMP, 60 for TCP).
      ["-n", "-m", "1", T, "10"],
      ["-n", "-m", "1", "-I", T, "10"],
      ["-n", "-m", "1", "-T", T, "10"],
      ["-n", "-m", "1", "-6", c.target6, "0"],
      // -N 0 sends one at a time; -z above 10 is milliseconds.
      ["-n", "-m", "1", "-N", "0", T],
      ["-n", "-m", "1", "-z", "11", T],
      // A flow label means nothing to IPv4; an empty interface binds to none.
      ["-n", "-m", "1", "-l", "5", T],
      ["-n", "-m", "1", "-i", "", T],
      // A mark of -1 is 0xffffffff.
      ["-n", "-m", "1", "--fwmark=-1", T],
      // inet_aton's short forms.
      ["-n", "-m", "1", "198.18.2"],
    ]
  ) {
    await t.step(args.join(" "), async () => {
      await expectSame(lab, c.source, args, { stderr: true });
    });
  }
});

oneRouterTest(
  "ports and TOS out of range: rejected where Linux traceroute wraps them",
  async (t, lab, c) => {
    const T = c.target4;
    for (
      const [args, stderr] of [
        [["-n", "-p", "65536", T], "Cannot handle `-p' option with arg `65536' (argc 3)\n"],
        [["-n", "-p", "-1", T], "Cannot handle `-p' option with arg `-1' (argc 3)\n"],
        [["-n", "--sport=65536", T], "Cannot handle `--sport' option with arg `65536' (argc 2)\n"],
        [["-n", "-t", "256", T], "Cannot handle `-t' option with arg `256' (argc 3)\n"],
      ] as const
    ) {
      await t.step(args.join(" "), async () => {
        const theirs = await runTraceroute(lab, c.source, [...args, "-m", "1"]);
        assertEquals(theirs.code, 0, "Linux traceroute accepts it");
        const ours = await runHopwise(lab, c.source, args);
        assertEquals(outcome(ours), {
          stdout: "",
          stderr,
          code: 2,
        });
      });
    }
  },
);

oneRouterTest(
  "bad input found before the header (Linux traceroute prints its header first)",
  async (t, lab, c) => {
    const cases: Array<[string[], string, string]> = [
      [["-i", "nosuch0", c.target4], "\nsetsockopt SO_BINDTODEVICE: No such device\n", "-i"],
      [
        ["-I", "-i", "nosuch0", c.target4],
        "\nsetsockopt SO_BINDTODEVICE: No such device\n",
        "-I -i",
      ],
      [["-s", "198.18.99.99", c.target4], "\nbind: Cannot assign requested address\n", "-s"],
      [["-s", "2001:db8:99::1", c.target6], "\nbind: Cannot assign requested address\n", "-s v6"],
    ];
    for (const [args, stderr, name] of cases) {
      await t.step(name, async () => {
        const theirs = await runTraceroute(lab, c.source, args);
        const ours = await runHopwise(lab, c.source, args);
        assertEquals(theirs.code, 1);
        assertEquals(theirs.stderr, stderr);
        assertEquals(outcome(ours), {
          stdout: "",
          stderr,
          code: 1,
        });
      });
    }
  },
);
