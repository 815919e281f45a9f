/**
 * The demo: builds a small lab network (network namespaces, root needed),
 * traces it with hopwise over IPv4 and IPv6, and removes it again.
 *
 *   deno task demo
 *
 * Nothing leaves this machine: the lab uses the documentation ranges
 * 198.18.0.0/15 and 2001:db8::/32 inside namespaces of its own.
 *
 * @module
 */
import { styleText } from "node:util";
import { Lab, labSupport } from "../lab/lab.ts";
import { chain } from "../lab/topologies.ts";
import { hopwiseArgv } from "../lab/harness.ts";

/** The command line's own entry. */
const CLI = decodeURIComponent(new URL("../cli.ts", import.meta.url).pathname);

const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const paint = (format: Parameters<typeof styleText>[0], text: string) =>
  color ? styleText(format, text) : text;
const say = (text = "") => console.log(text);

const unsupported = labSupport();
if (unsupported) {
  console.error(`The demo builds network namespaces: it ${unsupported}. Try: sudo deno task demo`);
  Deno.exit(1);
}

say(paint("bold", "hopwise demo") + " - a traceroute for Linux, on Deno");
say();
say("Building a lab: 7 network namespaces in a chain, IPv4 and IPv6 ...");
const started = performance.now();
await using lab = await Lab.create({ prefix: "hwdemo" });
const c = await chain(lab, { routers: 5, silent: [3], names: true });
say(
  `  ${c.nodes.map((n) => (n === "r3" ? paint("yellow", n) : n)).join(" -- ")}   ` +
    paint("dim", `(${((performance.now() - started) / 1000).toFixed(2)} s)`),
);
say(
  `  ${paint("yellow", "r3")} forwards but sends no ICMP time-exceeded: it shows as ${
    paint("yellow", "* * *")
  }`,
);
say(`  names come from the source's /etc/hosts (r1.lab ... dst.lab)`);
say();

async function show(args: string[], note: string, on: typeof c = c): Promise<void> {
  say(paint("cyan", `$ hopwise ${args.join(" ")}`) + paint("dim", `    # ${note}`));
  const t0 = performance.now();
  const child = on.lab.spawn(on.source, hopwiseArgv(args, CLI), {
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await child.status;
  const seconds = ((performance.now() - t0) / 1000).toFixed(2);
  say(paint("dim", `  (exit ${code}, ${seconds} s including Deno's start-up)`));
  say();
}

await show(["dst.lab"], "UDP probes, no privilege needed");
await show(["-6", "-I", "dst.lab"], "ICMPv6 echo probes");
await show(
  ["-n", "-q", "1", "-N", "1", "-w", "0.5", c.target4],
  "one probe at a time: the silent hop costs the whole 0.5 s wait",
);

await lab.destroy();
say("Lab removed. The output is Linux traceroute's, byte for byte except the times.");
say();

say("A second lab: a path that loses packets, and a router that rate-limits its ICMP ...");
await using lossy = await Lab.create({ prefix: "hwdemo" });
const l = await chain(lossy, {
  routers: 5,
  keepIcmpRateLimit: [2],
  forwardLoss: [{ hop: 4, share: 0.15 }],
});
say(
  `  ${paint("yellow", "r2")} keeps the kernel's ICMP rate limit (one error a second, after six);` +
    ` ${paint("yellow", "r4")} drops 15% of what it forwards, both ways`,
);
say();
await show(
  ["--report", "-n", "-I", "--cycles", "50", "--interval", "0.1", l.target4],
  "50 cycles, mtr's statistics, then what they mean",
  l,
);
await lossy.destroy();
say("Lab removed.");
say(
  `Next: ${
    paint("bold", "deno task test")
  } runs every test; docs/ has the options and the library.`,
);
