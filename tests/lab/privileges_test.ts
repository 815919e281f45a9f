/**
 * hopwise with more privilege than it needs drops it, in every thread,
 * before it reads a reply: as root (and as root under sudo), as a setuid-root
 * binary, and with file capabilities (`setcap cap_net_raw+ep`). Each case
 * reads /proc/<pid>/task/<tid>/status of every thread of the running trace,
 * after it has printed hops (so after it has parsed replies), and finds no
 * capability and no uid 0 left.
 *
 * A control runs the library with `dropPrivileges` off and must find
 * privileged threads: the check can fail.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { hopwiseArgv, labSkipReason, MOD_PATH, needs, readableCopy } from "../../lab/harness.ts";
import { NOBODY } from "../helpers/nobody.ts";

const reason = labSkipReason("privilege lab tests", needs("setcap", ["-v"]));

/** The credentials of one thread, from its status file. */
interface ThreadState {
  tid: string;
  uids: number[];
  capPrm: string;
  capEff: string;
  capAmb: string;
}

function threadStates(pid: number): ThreadState[] {
  const states: ThreadState[] = [];
  for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
    let status;
    try {
      status = Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/status`);
    } catch {
      continue; // the thread ended meanwhile
    }
    const field = (key: string) => status.match(new RegExp(`^${key}:\\s*(.*)$`, "m"))?.[1] ?? "";
    states.push({
      tid: entry.name,
      uids: field("Uid").split(/\s+/).map(Number),
      capPrm: field("CapPrm"),
      capEff: field("CapEff"),
      capAmb: field("CapAmb"),
    });
  }
  return states;
}

const isZero = (mask: string) => /^0+$/.test(mask);
const privileged = (s: ThreadState) =>
  s.uids.includes(0) || !isZero(s.capPrm) || !isZero(s.capEff) || !isZero(s.capAmb);

/**
 * Starts `argv` in the source node, waits until its output matches `ready`,
 * reads the thread states of the process, then stops it. Returns the states
 * and the output so far.
 */
async function statesDuringRun(
  lab: Lab,
  node: string,
  argv: string[],
  ready: RegExp,
  options: { user?: number; env?: Record<string, string> } = {},
): Promise<{ states: ThreadState[]; output: string }> {
  const child = lab.spawn(node, argv, { ...options, stdout: "piped", stderr: "piped" });
  const reader = child.stdout.getReader();
  let output = "";
  try {
    while (!ready.test(output)) {
      const { value, done } = await reader.read();
      if (done) {
        const err = await new Response(child.stderr).text();
        throw new Error(`exited before ${ready}: ${output}${err}`);
      }
      output += new TextDecoder().decode(value);
    }
    // ip netns exec and setpriv exec in place: the child is the Deno process.
    const exe = Deno.readLinkSync(`/proc/${child.pid}/exe`);
    assertOk(exe.endsWith("/deno"), `process ${child.pid} is ${exe}`);
    return { states: threadStates(child.pid), output };
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // it has already exited
    }
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
  }
}

function assertDropped(states: ThreadState[], uid: number, output: string) {
  // Deno runs several threads; a drop in one of them alone would leave the rest.
  assertOk(states.length >= 4, `only ${states.length} threads`);
  for (const s of states) {
    assertOk(!privileged(s), `thread ${s.tid} kept a privilege: ${JSON.stringify(s)}\n${output}`);
    assertEquals(s.uids, [uid, uid, uid, uid], `thread ${s.tid}`);
  }
}

Deno.test({
  name: "privileges are dropped in every thread before replies are read",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async (t) => {
    await using lab = await Lab.create();
    // Hops 1-2 answer; the destination drops everything, so the trace waits there.
    const c = await chain(lab, { routers: 2, destination: "drop-all" });
    const twoHops = /\n 2 .*ms.*ms.*ms/;
    const copy = await readableCopy();
    /** Runs `argv` until two hops are printed: every thread then runs as `uid`, unprivileged. */
    const assertDropsTo = async (
      uid: number,
      argv: string[],
      options: { user?: number; env?: Record<string, string> } = {},
    ) => {
      const { states, output } = await statesDuringRun(lab, c.source, argv, twoHops, options);
      assertDropped(states, uid, output);
    };
    /** The trace as uid 65534 runs it from the copy. */
    const asNobody = () =>
      assertDropsTo(
        NOBODY,
        hopwiseArgv(["-I", "-n", "-m", "10", c.target4], copy.mod, copy.deno),
        { user: NOBODY, env: copy.env },
      );
    try {
      await t.step("control: the library keeps root when not asked to drop it", async () => {
        const script = `import { trace } from ${JSON.stringify(MOD_PATH)};
          for await (const e of trace(${JSON.stringify(c.target4)},
              { method: "icmp", resolveNames: false, maxHops: 10 })) {
            if (e.type === "start") console.log("privileges " + e.settings.privileges);
            if (e.type === "hop") console.log(" " + e.hop.ttl + " ms ms ms");
          }`;
        const { states, output } = await statesDuringRun(
          lab,
          c.source,
          [Deno.execPath(), "eval", "--quiet", script],
          twoHops,
        );
        assertOk(output.startsWith("privileges kept\n"), output);
        assertEquals(states.filter(privileged).length, states.length);
      });

      await t.step("root: -I becomes nobody", async () => {
        await assertDropsTo(NOBODY, hopwiseArgv(["-I", "-n", "-m", "10", c.target4]));
      });

      await t.step("root under sudo: -T becomes SUDO_UID", async () => {
        await assertDropsTo(4242, hopwiseArgv(["-T", "-n", "-m", "10", c.target6]), {
          env: { SUDO_UID: "4242", SUDO_GID: "4243" },
        });
      });

      for (
        const [name, flag, privileges] of [
          ["root: the JSON settings say the privileges were dropped", "-I", "dropped"],
          ["root with --fwmark and a socket per probe: kept, and said", "--fwmark=7", "kept"],
        ] as const
      ) {
        await t.step(name, async () => {
          const argv = ["--json", flag, "-n", "-m", "2", "-q", "1", c.target4];
          const r = await lab.exec(c.source, hopwiseArgv(argv));
          assertEquals(r.code, 0, r.stderr);
          assertEquals(JSON.parse(r.stdout).settings.privileges, privileges);
        });
      }

      await t.step("file capabilities: uid 65534 with cap_net_raw+ep clears them", async () => {
        const set = await new Deno.Command("setcap", { args: ["cap_net_raw+ep", copy.deno] })
          .output();
        assertOk(set.success, new TextDecoder().decode(set.stderr));
        try {
          await asNobody();
        } finally {
          await new Deno.Command("setcap", { args: ["-r", copy.deno] }).output();
        }
      });

      await t.step("setuid root: uid 65534 runs it and goes back to 65534", async () => {
        await Deno.chmod(copy.deno, 0o4755);
        try {
          await asNobody();
        } finally {
          await Deno.chmod(copy.deno, 0o755);
        }
      });
    } finally {
      await Deno.remove(copy.dir, { recursive: true });
    }
  },
});
