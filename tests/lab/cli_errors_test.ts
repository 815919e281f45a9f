/**
 * Bad input, differentially: for each case hopwise and Linux traceroute must
 * print the same message on stderr, nothing on stdout, and exit with the same
 * status. Run inside a lab namespace, so that a case that wrongly passes
 * validation cannot probe anything outside the lab.
 *
 * Also the cases where hopwise is deliberately better: a missing interface
 * or a foreign source address are reported before the header is printed.
 */
import { assertEquals } from "../assert.ts";
import { Lab } from "./lab.ts";
import { chain } from "./topologies.ts";
import { labSkipReason, runHopwise, runTraceroute } from "./harness.ts";

const reason = labSkipReason("CLI error lab tests");

Deno.test({
  name: "bad input: the same message and exit status as Linux traceroute",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 1 });
    const T = c.target4;
    const cases: string[][] = [
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
        assertEquals(
          { stdout: ours.stdout, stderr: ours.stderr, code: ours.code },
          { stdout: theirs.stdout, stderr: theirs.stderr, code: theirs.code },
        );
      });
    }
  },
});

Deno.test({
  name: "bad input found before the header (Linux traceroute prints its header first)",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 1 });
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
        assertEquals({ stdout: ours.stdout, stderr: ours.stderr, code: ours.code }, {
          stdout: "",
          stderr,
          code: 1,
        });
      });
    }
  },
});
