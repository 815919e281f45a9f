/**
 * The crafted-ICMP responder (lab/icmp_responder.ts) against Linux traceroute,
 * the reference: with the responder on r2 of a 3-router chain,
 * `traceroute -e` must show at hop 2 exactly the extensions the responder
 * sends (MPLS label stacks, other objects), show none for malformed ones
 * without failing, and still reach the target; over UDP, ICMP echo (-I) and
 * TCP SYN (-T), IPv4 and IPv6.
 */
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
  assertStringIncludes,
} from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { labSkipReason } from "../../lab/harness.ts";
import {
  hexBytes,
  MALFORMED_VARIANTS,
  type MalformedVariant,
  parseArgs,
  responderArgs,
  type ResponderOptions,
  startResponder,
  timeExceeded,
} from "../../lab/icmp_responder.ts";

const reason = labSkipReason("ICMP responder lab tests", () => {
  try {
    new Deno.Command("traceroute", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync();
    return null;
  } catch {
    return "needs Linux traceroute (Debian package traceroute)";
  }
});

/** What traceroute 2.1.2 prints for the default label stack. */
const DEFAULT_STACK = "MPLS:L=16001,E=0,S=0,T=1/L=24002,E=5,S=1,T=1";

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Runs `traceroute -e -n <args> <target> [packetlen]` from the source and
 * checks its output: it succeeded, every hop answered from its chain address
 * (printed once), hop 2 with `<extension>` right after it (or nothing when
 * null), no other hop with one, and the last hop is the target.
 *
 * Traceroute gives up on a probe 3 times (rtt + 1 ms) after another probe of
 * its hop was answered, 10 times after a later hop's was: on a busy machine
 * it can give up on answers already queued, and print `*`. So a trace with a
 * `*` is run again, up to 3 times in all, and then a `*` is tolerated as long
 * as each hop has at least one answer.
 */
async function check(
  c: Chain,
  family: 4 | 6,
  args: readonly string[],
  extension: string | null,
  packetlen?: number,
): Promise<string> {
  const target = family === 4 ? c.target4 : c.target6;
  const hops = family === 4 ? c.hops4 : c.hops6;
  const argv = ["traceroute", "-e", "-n", ...args, target];
  if (packetlen !== undefined) argv.push(String(packetlen));
  let run = await c.lab.exec(c.source, argv);
  for (let attempt = 1; attempt < 3 && / \*/.test(run.stdout); attempt++) {
    run = await c.lab.exec(c.source, argv);
  }
  const what = `${argv.join(" ")}:\n${run.stdout}${run.stderr}`;
  assertEquals([run.code, run.stderr], [0, ""], what);
  const lines = run.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 1 + hops.length, what);
  const rtt = "  \\d+\\.\\d{3} ms";
  for (const [i, hop] of hops.entries()) {
    const ext = i === 1 && extension !== null ? ` <${escape(extension)}>` : "";
    const pattern = `^ ${i + 1} (?: \\*)* ${escape(hop)}${ext}${rtt}(?:${rtt}| \\*)*$`;
    assertMatch(lines[i + 1] ?? "", new RegExp(pattern), what);
  }
  assertOk(lines.at(-1)?.includes(` ${target} `), what);
  return lines[2] ?? "";
}

const METHODS: ReadonlyArray<readonly string[]> = [[], ["-I"], ["-T"]];

Deno.test("icmp responder: the messages it builds", () => {
  // 60-byte IPv4 probe, 80-byte IPv6 probe: bytes 0..n-1.
  const probe4 = Uint8Array.from({ length: 60 }, (_, i) => i);
  const probe6 = Uint8Array.from({ length: 80 }, (_, i) => i);
  const mpls = parseArgs([]);
  const m4 = timeExceeded(4, probe4, mpls);
  // Header, the probe padded to 128, a 4-byte extension header, a 12-byte object.
  assertEquals(m4.length, 8 + 128 + 4 + 12);
  assertEquals([...m4.subarray(0, 8)].map((b, i) => i === 2 || i === 3 ? 0 : b), [
    11,
    0,
    0,
    0,
    0,
    32,
    0,
    0,
  ]);
  assertEquals(m4.subarray(8, 68), probe4);
  assertOk(m4.subarray(68, 136).every((b) => b === 0));
  assertEquals(
    m4.subarray(136),
    hexBytes("2000 9a2c  000c 0101 03e81001 05dc2b01"),
  );
  const m6 = timeExceeded(6, probe6, mpls);
  assertEquals([...m6.subarray(0, 8)], [3, 0, 0, 0, 16, 0, 0, 0]);
  assertEquals(m6.subarray(136), m4.subarray(136));

  const plain = parseArgs(["--mode", "plain"]);
  assertEquals(timeExceeded(4, new Uint8Array(1500), plain).length, 8 + 548);
  assertEquals(timeExceeded(6, new Uint8Array(1500), plain).length, 8 + 1232);
  assertEquals(timeExceeded(4, probe4, plain).subarray(8), probe4);

  const compat = parseArgs(["--mode", "malformed", "--variant", "compat"]);
  const c4 = timeExceeded(4, probe4.subarray(0, 58), compat);
  assertEquals([c4[5], c4.length], [0, 8 + 60 + 16]);
  const c6 = timeExceeded(6, probe6.subarray(0, 76), compat);
  assertEquals([c6[4], c6.length], [0, 8 + 80 + 16]);

  // An object's length field can be set apart from its data.
  const odd = parseArgs([
    "--mode",
    "objects",
    "--objects",
    '[{"class":9,"ctype":1,"data":"0102","length":5}]',
  ]);
  assertEquals(timeExceeded(4, probe4, odd).subarray(136), hexBytes("2000 d5f7 0005 0901 0102"));

  assertEquals(
    responderArgs({ mode: "malformed", variant: "bad-version", quote: 136, netfilter: false }),
    ["--mode", "malformed", "--variant", "bad-version", "--quote", "136", "--no-netfilter"],
  );
});

Deno.test({
  name: "icmp responder: MPLS label stacks as traceroute -e shows them",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    await using responder = await startResponder(lab, "r2", { mode: "mpls", verbose: true });
    for (const family of [4, 6] as const) {
      for (const method of METHODS) {
        await t.step(`IPv${family} ${method.join(" ") || "UDP"}`, async () => {
          await check(c, family, method, DEFAULT_STACK);
        });
      }
    }
    await responder.stop();
    // The 3 probes of hop 2 of every trace (more if one was run again).
    const answered = responder.log().split("\n").filter((l) => l.startsWith("answered "));
    assertOk(answered.length >= 3 * 2 * METHODS.length, responder.log());
    for (const family of [4, 6] as const) {
      assertMatch(responder.log(), family === 4 ? / > 198\.18\.4\.2 / : / > 2001:db8:0:4::2 /);
    }
    const rules = await lab.sh("r2", "iptables -S OUTPUT; ip6tables -S OUTPUT");
    assertOk(!rules.includes("hopwise-icmp-responder"), `rules left behind:\n${rules}`);

    await t.step("without the responder the kernel answers again, without extensions", async () => {
      await check(c, 4, [], null);
      await check(c, 6, [], null);
    });

    await t.step("bad arguments: startResponder fails with the message", async () => {
      const error = await assertRejects(
        () => startResponder(lab, "r2", { quote: 100 }),
        Error,
        "did not start",
      );
      assertStringIncludes(error.message, "--quote must be at least 128");
    });

    await t.step("other label stacks: one entry with every field at its maximum", async () => {
      await using _one = await startResponder(lab, "r2", {
        labels: [{ label: 0xfffff, exp: 7, s: 1, ttl: 255 }],
      });
      await check(c, 4, [], "MPLS:L=1048575,E=7,S=1,T=255");
      await check(c, 6, ["-I"], "MPLS:L=1048575,E=7,S=1,T=255");
    });

    await t.step(
      "other label stacks: three entries, a longer original datagram field",
      async () => {
        const labels = [
          { label: 0, exp: 0, s: 0, ttl: 0 },
          { label: 3, exp: 1, s: 0, ttl: 64 },
          { label: 299792, exp: 6, s: 1, ttl: 254 },
        ];
        // 136 bytes: traceroute looks only at 128 when the reply is longer than
        // its probe's data, and searches from there every 4 / 8 bytes when not.
        await using _longer = await startResponder(lab, "r2", { labels, quote: 136 });
        const text = "MPLS:L=0,E=0,S=0,T=0/L=3,E=1,S=0,T=64/L=299792,E=6,S=1,T=254";
        await check(c, 4, [], null);
        await check(c, 4, [], text, 300);
        await check(c, 6, [], text, 300);
        await check(c, 4, ["-I"], text, 300);
      },
    );
  },
});

Deno.test({
  name: "icmp responder: other objects as traceroute -e shows them",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    const cases: Array<[string, ResponderOptions, string]> = [
      [
        "an MPLS object and a class 2 object",
        { mode: "objects" },
        [
          "MPLS:L=16001,E=0,S=1,T=1",
          "2/3:00000007,c6120202",
        ].join(";"),
      ],
      ["unknown classes, one without data", {
        mode: "objects",
        objects: [
          { class: 250, ctype: 7, data: "deadbeef0102030405060708" },
          { class: 3, ctype: 0, data: "" },
          { class: 1, ctype: 2, data: "03e81101" },
        ],
      }, "250/7:deadbeef,01020304,05060708;3/0:;1/2:03e81101"],
    ];
    for (const [name, options, text] of cases) {
      await t.step(name, async () => {
        await using _responder = await startResponder(lab, "r2", options);
        for (const family of [4, 6] as const) {
          for (const method of METHODS) await check(c, family, method, text);
        }
      });
    }
  },
});

Deno.test({
  name: "icmp responder: malformed extensions, which traceroute -e survives",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 3 });
    // What traceroute 2.1.2 shows at hop 2 for each variant, with its default
    // probes (null: nothing after the address).
    const shown: Record<MalformedVariant, string | null> = {
      "zero-length": null,
      "overlong": null,
      "unaligned": null,
      "trailing": null,
      "bad-checksum": null,
      "zero-checksum": DEFAULT_STACK,
      "bad-version": null,
      "empty": null,
      "length-only": null,
      "no-length": DEFAULT_STACK,
      "compat": null,
    };
    assertEquals(Object.keys(shown).sort(), [...MALFORMED_VARIANTS].sort());
    for (const variant of MALFORMED_VARIANTS) {
      await t.step(variant, async () => {
        await using _responder = await startResponder(lab, "r2", { mode: "malformed", variant });
        for (const family of [4, 6] as const) {
          for (const method of METHODS) await check(c, family, method, shown[variant]);
        }
      });
    }
    await t.step("compat: found by traceroute's search when the probe is longer", async () => {
      // The probe quoted up to 136 bytes, then the extension: what traceroute
      // got (quote and extension, from the probe's data on) is no longer than
      // its probe's data, so it searches every 4 / 8 bytes from offset 128.
      await using _responder = await startResponder(lab, "r2", {
        mode: "malformed",
        variant: "compat",
        quote: 136,
      });
      await check(c, 4, [], DEFAULT_STACK, 300);
      await check(c, 6, [], DEFAULT_STACK, 300);
      await check(c, 4, ["-I"], DEFAULT_STACK, 300);
      await check(c, 6, ["-I"], DEFAULT_STACK, 300);
      // Default probes: what it got is longer than their 32 bytes of data,
      // so it looks at 128 only, where there is no extension.
      await check(c, 4, [], null);
    });
    await t.step("plain: no extension at all", async () => {
      await using responder = await startResponder(lab, "r2", { mode: "plain", verbose: true });
      for (const family of [4, 6] as const) {
        for (const method of METHODS) await check(c, family, method, null);
      }
      await responder.stop();
      // The answers were the responder's, not the kernel's.
      const answered = responder.log().split("\n").filter((l) => l.startsWith("answered "));
      assertOk(answered.length >= 3 * 2 * METHODS.length, responder.log());
    });
  },
});
