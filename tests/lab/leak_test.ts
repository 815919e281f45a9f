/**
 * Long runs do not leak: one process traces a lab topology thousands of
 * times (every method, both families, and the paths that end early: abort,
 * a consumer that stops reading, a failing bind) and keeps the descriptors it
 * had after warming up, with a JavaScript heap that does not grow with the
 * number of traces.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lab } from "../../lab/lab.ts";
import { chain } from "../../lab/topologies.ts";
import { labSkipReason, MOD_PATH } from "../../lab/harness.ts";

const reason = labSkipReason("leak lab tests");
const CHILD = decodeURIComponent(new URL("leak_child.ts", import.meta.url).pathname);
const WARMUP = 100;
const ROUNDS = 100;
// A leak of one small object per probe (a probe record is a few hundred
// bytes, and a trace sends at least three) is well above this; V8's warm-up
// after the first thousand traces is well below (about 50 bytes per trace).
const MAX_BYTES_PER_TRACE = 200;

Deno.test({
  name: "many traces in one process: no descriptor or memory growth",
  ignore: reason !== null,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await Lab.create();
    const c = await chain(lab, { routers: 2 });
    const r = await lab.exec(c.source, [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-lock",
      "--allow-all",
      "--v8-flags=--expose-gc",
      CHILD,
      MOD_PATH,
      c.target4,
      c.target6,
      String(WARMUP),
      String(ROUNDS),
    ]);
    assertEquals(r.code, 0, r.stderr);
    const { start, middle, end, tracesPerStretch, gc } = JSON.parse(r.stdout);
    assertOk(gc, "the child could not collect garbage before measuring");
    assertEquals(tracesPerStretch, ROUNDS * 15);
    // Every socket, pipe and memfd of every trace was closed.
    assertEquals(middle.fds, start.fds);
    assertEquals(end.fds, start.fds);
    // The second stretch must not grow the heap as a leak would.
    const perTrace = (end.heap - middle.heap) / tracesPerStretch;
    // deno-lint-ignore no-console
    console.log(
      `leak: ${start.fds.length} descriptors throughout; heap ${start.heap} -> ${middle.heap} -> ` +
        `${end.heap} bytes over 2 x ${tracesPerStretch} traces (${perTrace.toFixed(1)} B/trace)`,
    );
    assertOk(perTrace < MAX_BYTES_PER_TRACE, `heap grew ${perTrace.toFixed(1)} bytes per trace`);
  },
});
