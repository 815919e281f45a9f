/**
 * The live screen (`--watch`) in a real terminal: hopwise runs in a tmux
 * pane, inside a lab chain's source namespace, under a shell that, once
 * hopwise exits, prints its exit status and `stty -a` and then waits, so the
 * pane shows the terminal as hopwise left it. The frame (title, header, a
 * row per hop), the keys (p, h, n, j, z, r, q, Ctrl-C), a resize, SIGTERM and
 * a run that ends by itself are checked; so is `--watch` on a pipe, which
 * runs as `--report`.
 *
 * Needs root, iproute2 and tmux. Every tmux session lives on a server of its
 * own socket, killed and removed at the end.
 */
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { type Chain, chain } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason, needs } from "../../lab/harness.ts";

const reason = labSkipReason("live screen lab tests", needs("tmux", ["-V"]));
const CLI = decodeURIComponent(new URL("../../cli.ts", import.meta.url).pathname);
const DONE = "HOPWISE-SCREEN-DONE";
const decoder = new TextDecoder();

/** A tmux server of our own (its socket in a temporary directory), for the panes of one test. */
class Tmux {
  readonly #dir = Deno.makeTempDirSync({ prefix: "hopwise-screen-" });
  readonly socket = `${this.#dir}/tmux`;
  #count = 0;

  async tmux(...args: string[]): Promise<string> {
    const r = await new Deno.Command("tmux", {
      args: ["-S", this.socket, "-f", "/dev/null", ...args],
    })
      .output();
    if (!r.success) throw new Error(`tmux ${args.join(" ")}: ${decoder.decode(r.stderr)}`);
    return decoder.decode(r.stdout);
  }

  /**
   * Starts hopwise with `args` in `c`'s source, in a new session of `columns`
   * x `rows` (with `stdoutTo`, its standard output goes to that file).
   */
  async start(
    lab: Lab,
    c: Chain,
    args: string[],
    columns = 100,
    rows = 30,
    stdoutTo?: string,
  ): Promise<string> {
    const name = `s${this.#count++}`;
    const argv = ["ip", "netns", "exec", lab.ns(c.source), ...hopwiseArgv(args, CLI)];
    const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
    const quoted = argv.map(quote).join(" ") + (stdoutTo ? ` > ${quote(stdoutTo)}` : "");
    const script = `${quoted}; echo "EXIT=$?"; stty -a; echo ${DONE}; exec sleep 300`;
    await this.tmux(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(columns),
      "-y",
      String(rows),
      "sh",
      "-c",
      script,
    );
    return name;
  }

  /** The pane's text now. */
  capture(name: string): Promise<string> {
    return this.tmux("capture-pane", "-p", "-t", name);
  }

  /** The pane's text once `test` holds (within `ms`). */
  async waitFor(name: string, what: string, test: (text: string) => boolean, ms = 15000) {
    const until = Date.now() + ms;
    let text = "";
    while (Date.now() < until) {
      text = await this.capture(name);
      if (test(text)) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`tmux pane ${name}: no ${what} within ${ms} ms; it shows:\n${text}`);
  }

  /** The pid of the pane's first child (hopwise: `ip netns exec` execs it). */
  async hopwisePid(name: string): Promise<number> {
    const shell = (await this.tmux("display-message", "-p", "-t", name, "#{pane_pid}")).trim();
    const children = await Deno.readTextFile(`/proc/${shell}/task/${shell}/children`);
    const pid = Number(children.trim().split(/\s+/)[0]);
    assertOk(pid > 0, `no child of the pane's shell ${shell}`);
    return pid;
  }

  async close(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** The frame's hop rows: `N. address` and a Loss% cell. */
function hopRows(text: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const line of text.split("\n")) {
    const m = line.match(/^\s*(\d+)\. (\S+)\s+\d+\.\d%/);
    if (m) rows.set(Number(m[1]), line);
  }
  return rows;
}

/** The Snt cell of a hop row (the default columns: Loss% Snt ...). */
function sent(row: string | undefined): number {
  const m = row?.match(/\d+\.\d%\s+(\d+)/);
  return m ? Number(m[1]) : NaN;
}

/** Whether the frame shows every hop of `c` with its address. */
function framed(c: Chain) {
  return (text: string) => {
    const rows = hopRows(text);
    return c.hops4.every((address, i) => rows.get(i + 1)?.includes(` ${address} `) ?? false);
  };
}

/** After hopwise exits: its status, and the terminal restored (cooked, echo, cursor, normal screen). */
async function assertRestored(
  tmux: Tmux,
  name: string,
  status: number,
  report = false,
): Promise<void> {
  const text = await tmux.waitFor(name, "exit", (t) => t.includes(DONE));
  assertStringIncludes(text, `EXIT=${status}\n`, text);
  assertMatch(text, /(^|\s)icanon(\s|$)/m, `stty -a shows -icanon:\n${text}`);
  assertMatch(text, /(^|\s)echo(\s|$)/m, `stty -a shows -echo:\n${text}`);
  assertMatch(text, /(^|\s)isig(\s|$)/m, `stty -a shows -isig:\n${text}`);
  // The alternate screen's content is gone with it.
  assertOk(!text.includes("Keys:"), `the frame stayed:\n${text}`);
  if (!report) assertOk(!text.includes("StDev"), `the frame stayed:\n${text}`);
  const flags = await tmux.tmux(
    "display-message",
    "-p",
    "-t",
    name,
    "#{alternate_on} #{cursor_flag}",
  );
  assertEquals(flags.trim(), "0 1", "alternate screen off, cursor shown");
}

Deno.test({
  name: "screen: the live screen in a terminal, its keys, a resize, and the terminal restored",
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await using lab = await Lab.create({ prefix: "hwscr" });
    const c = await chain(lab, { routers: 3 });
    const tmux = new Tmux();
    const watchArgs = ["--watch", "-n", "--interval", "0.2", c.target4];
    try {
      const name = await tmux.start(lab, c, watchArgs);
      let text = await tmux.waitFor(name, "frame", framed(c));
      await t.step("the title, the header and a row per hop", () => {
        const lines = text.split("\n");
        assertMatch(
          lines[0]!,
          new RegExp(
            `^hopwise \\S+: ${c.target4.replaceAll(".", "\\.")}  cycles \\d+  every 0\\.2 s`,
          ),
        );
        assertMatch(lines[1]!, /^Keys: +h help +p pause +r reset/);
        assertMatch(lines[2]!, /^ Host +Loss% +Snt +Last +Avg +Best +Wrst +StDev/);
        const rows = hopRows(text);
        assertEquals([...rows.keys()], [1, 2, 3, 4], text);
        for (const [ttl, row] of rows) {
          assertMatch(
            row,
            new RegExp(`^ +${ttl}\\. ${c.hops4[ttl - 1]!.replaceAll(".", "\\.")} +0\\.0% +\\d+`),
          );
        }
      });
      await t.step("p pauses (Snt stays) and resumes", async () => {
        await tmux.tmux("send-keys", "-t", name, "p");
        text = await tmux.waitFor(name, "[paused]", (t) => t.split("\n")[0]!.includes("[paused]"));
        await new Promise((r) => setTimeout(r, 600));
        const before = sent(hopRows(await tmux.capture(name)).get(1));
        await new Promise((r) => setTimeout(r, 800));
        const after = sent(hopRows(await tmux.capture(name)).get(1));
        assertEquals(after, before, "Snt while paused");
        await tmux.tmux("send-keys", "-t", name, "p");
        await tmux.waitFor(name, "resumed", (t) => !t.split("\n")[0]!.includes("[paused]"));
        await tmux.waitFor(name, "Snt growing", (t) => sent(hopRows(t).get(1)) > after + 1);
      });
      await t.step("h shows the help and hides it", async () => {
        await tmux.tmux("send-keys", "-t", name, "h");
        text = await tmux.waitFor(
          name,
          "help",
          (t) => t.includes("Markers") && t.includes("History:"),
        );
        assertStringIncludes(text, "rate-limited");
        assertEquals(hopRows(text).size, 0, text);
        await tmux.tmux("send-keys", "-t", name, "h");
        await tmux.waitFor(name, "frame after help", (t) => framed(c)(t) && !t.includes("Markers"));
      });
      await t.step("n: names were not looked up", async () => {
        await tmux.tmux("send-keys", "-t", name, "n");
        text = await tmux.waitFor(
          name,
          "status",
          (t) => t.includes("names were not looked up (-n)"),
        );
        assertOk(framed(c)(text), text);
        await tmux.tmux("send-keys", "-t", name, "n");
        await tmux.waitFor(name, "status", (t) => t.includes("addresses shown"));
      });
      await t.step("j shows the jitter columns, and back", async () => {
        await tmux.tmux("send-keys", "-t", name, "j");
        text = await tmux.waitFor(
          name,
          "jitter header",
          (t) => /Drop +Rcv +Avg +Gmean +Jttr +Javg +Jmax +Jint/.test(t),
        );
        await tmux.tmux("send-keys", "-t", name, "j");
        await tmux.waitFor(name, "default header", (t) => /Loss% +Snt +Last/.test(t));
      });
      await t.step("z shows the AS columns (blank: no lookups), and hides them", async () => {
        await tmux.tmux("send-keys", "-t", name, "z");
        await tmux.waitFor(name, "AS header", (t) => /^ Host +ASN +AS Name +Loss% +Snt/m.test(t));
        await tmux.tmux("send-keys", "-t", name, "z");
        await tmux.waitFor(name, "default header", (t) => /^ Host +Loss% +Snt +Last/m.test(t));
      });
      await t.step("r resets the statistics", async () => {
        text = await tmux.waitFor(name, "Snt 6", (t) => sent(hopRows(t).get(1)) >= 6);
        const before = sent(hopRows(text).get(1));
        await tmux.tmux("send-keys", "-t", name, "r");
        text = await tmux.waitFor(
          name,
          "reset",
          (t) => t.includes("statistics reset") && sent(hopRows(t).get(1)) < before,
        );
      });
      await t.step(
        "a resize: the frame fits, never wraps, and counts the hops left out",
        async () => {
          await tmux.tmux("resize-window", "-t", name, "-x", "50", "-y", "7");
          text = await tmux.waitFor(name, "small frame", (t) => t.includes("1 more hop"));
          const lines = text.split("\n").filter((l) => l !== "");
          assertOk(lines.length <= 7, text);
          assertMatch(lines[0]!, /^hopwise /);
          assertMatch(lines[1]!, /^Keys:/);
          assertMatch(lines[2]!, /^ Host +Loss%/);
          assertEquals([...hopRows(text).keys()], [1, 2, 3], text);
          assertMatch(lines.at(-1)!, /^\.\.\. 1 more hop/);
          await tmux.tmux("resize-window", "-t", name, "-x", "120", "-y", "30");
          text = await tmux.waitFor(
            name,
            "large frame",
            (t) => framed(c)(t) && t.includes("History"),
          );
          for (const line of text.split("\n")) {
            assertOk(line.length <= 120, line);
          }
        },
      );
      await t.step("q quits: status 0, the terminal restored", async () => {
        await tmux.tmux("send-keys", "-t", name, "q");
        await assertRestored(tmux, name, 0);
      });
      await t.step("Ctrl-C (130), SIGTERM (143), and a run that ends by itself", async () => {
        const [ctrlC, term, cycles] = await Promise.all([
          tmux.start(lab, c, watchArgs),
          tmux.start(lab, c, watchArgs),
          tmux.start(lab, c, ["--watch", "-n", "--interval", "0.2", "--cycles", "5", c.target4]),
        ]);
        await Promise.all([
          tmux.waitFor(ctrlC, "frame", framed(c)),
          tmux.waitFor(term, "frame", framed(c)),
        ]);
        await tmux.tmux("send-keys", "-t", ctrlC, "C-c");
        Deno.kill(await tmux.hopwisePid(term), "SIGTERM");
        await assertRestored(tmux, ctrlC, 130);
        await assertRestored(tmux, term, 143);
        // The final report stays on the normal screen.
        await assertRestored(tmux, cycles, 0, true);
        const report = await tmux.capture(cycles);
        assertMatch(report, /HOST: .*Loss% +Snt/);
        c.hops4.forEach((address, i) =>
          assertMatch(
            report,
            new RegExp(`${i + 1}\\.\\|-- ${address.replaceAll(".", "\\.")} +0\\.0% +5 `),
          )
        );
      });
    } finally {
      await tmux.close();
    }
    await t.step("on a pipe, --watch runs as --report and says so", async () => {
      const r = await lab.exec(
        c.source,
        hopwiseArgv(["--watch", "-n", "--interval", "0.2", "--cycles", "3", c.target4], CLI),
      );
      assertEquals(r.code, 0, r.stderr);
      assertStringIncludes(r.stderr, "running as --report");
      assertMatch(r.stdout, /^Start: /);
      c.hops4.forEach((address) => assertStringIncludes(r.stdout, `|-- ${address} `));
    });
  },
});

Deno.test({
  name: "screen: --targets on a terminal shows a progress line on stderr, then only the summary",
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using lab = await Lab.create({ prefix: "hwscr" });
    const c = await chain(lab, { routers: 2, anyPrefixes: ["198.19.0.0/16"] });
    const tmux = new Tmux();
    const dir = await Deno.makeTempDir({ prefix: "hopwise-many-tty-" });
    try {
      const list = `${dir}/list`;
      const out = `${dir}/out`;
      await Deno.writeTextFile(list, "198.19.0.0/27\n");
      // 32 targets of 3 hops at 40 probes a second: about 3 s, long enough to be seen running.
      const args = ["-n", "-I", "-q", "1", "--rate", "40", "--targets", list];
      const name = await tmux.start(lab, c, args, 100, 30, out);
      const progress = /^hopwise: (\d+)\/32 targets, \d+ probes\/s, [\d.]+ s/m;
      const running = await tmux.waitFor(name, "progress line", (t) => progress.test(t));
      assertOk(Number(progress.exec(running)![1]) < 32, running);
      const text = await tmux.waitFor(name, "exit", (t) => t.includes(DONE));
      assertStringIncludes(text, "EXIT=0\n", text);
      assertMatch(text, /^hopwise: 32 targets, 32 traced \(32 reached\), \d+ probes/m);
      // The progress line was cleared before the summary: none is left on the screen.
      assertOk(!progress.test(text), `a progress line stayed:\n${text}`);
      const blocks = (await Deno.readTextFile(out)).split("\n").filter((l) =>
        l.startsWith("traceroute to")
      );
      assertEquals(blocks.length, 32);
    } finally {
      await tmux.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
