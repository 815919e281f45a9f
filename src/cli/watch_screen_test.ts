import { assertEquals, assertMatch, assertOk, assertRejects } from "../../tests/assert.ts";
import type { WatchEvent, WatchSnapshot } from "../core/watch_model.ts";
import { DEFAULT_COLUMNS } from "../stats/columns.ts";
import { RunStats } from "../stats/mod.ts";
import type { TraceStart } from "../core/model.ts";
import { watchSettings } from "../../tests/helpers/snapshot_fixture.ts";
import {
  AS_COLUMNS,
  type IdentityColumn,
  lookedUpColumns,
  parseReportColumns,
  type ReportColumn,
} from "../output/columns.ts";
import { runWatchScreen, type ScreenTerminal, type WatchControls } from "./watch_screen.ts";

const start = {
  target: { host: "198.18.2.2", address: "198.18.2.2", family: 4 },
  firstHop: 1,
  maxHops: 30,
  queries: 1,
  packetSize: 60,
  startedAt: "2024-01-01T00:00:00.000Z",
  settings: { resolveNames: false },
} as unknown as TraceStart;

const settings = watchSettings({
  cycles: Infinity,
  interval: 100,
  simultaneous: 256,
  snapshots: true,
});

function snapshot(cycles: number): WatchSnapshot {
  const run = new RunStats();
  run.hop(1);
  run.hop(2);
  for (let c = 0; c < cycles; c++) {
    for (const ttl of [1, 2]) {
      run.hop(ttl).sent(c, 0);
      run.hop(ttl).answered(c, 0, `198.18.${ttl}.2`, ttl);
    }
  }
  return {
    cycles,
    paused: false,
    destination: 2,
    at: "2024-01-01T00:00:00.000Z",
    hops: run.toJSON(),
    names: {},
    asPaths: {},
    faults: [],
  };
}

/** A queue of values, read as an async iterable. */
class Channel<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (true) {
      while (this.#items.length > 0) yield this.#items.shift()!;
      if (this.#closed) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}

/** A run that yields what the test pushes, and records its controls. */
class FakeWatch implements WatchControls {
  readonly events = new Channel<WatchEvent | Error>();
  readonly calls: string[] = [];
  paused = false;
  current: WatchSnapshot | null = null;
  pause(): void {
    this.paused = true;
    this.calls.push("pause");
  }
  resume(): void {
    this.paused = false;
    this.calls.push("resume");
  }
  reset(): void {
    this.calls.push("reset");
    this.current = snapshot(0);
  }
  stop(): void {
    this.calls.push("stop");
  }
  snapshot(): WatchSnapshot | null {
    return this.current;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent, void, undefined> {
    try {
      for await (const e of this.events) {
        if (e instanceof Error) throw e;
        yield e;
      }
    } finally {
      this.calls.push("closed");
    }
  }
}

/** A terminal that records its frames and what happened, in order. */
class FakeTerminal implements ScreenTerminal {
  readonly keyInput = new Channel<string>();
  readonly log: string[] = [];
  frames: string[][] = [];
  resize: (() => void) | null = null;
  size() {
    return { columns: 100, rows: 20 };
  }
  draw(lines: readonly string[]): void {
    this.frames.push([...lines]);
  }
  clear(): void {
    this.log.push("clear");
  }
  onResize(listener: () => void): void {
    this.resize = listener;
  }
  keys(): AsyncIterable<string> {
    return this.keyInput;
  }
  leave(): void {
    if (!this.log.includes("leave")) this.log.push("leave");
    this.keyInput.close();
  }
  get frame(): string {
    return this.frames.at(-1)?.join("\n") ?? "";
  }
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function setup(
  signal?: AbortSignal,
  columns: readonly ReportColumn[] = DEFAULT_COLUMNS,
  first: WatchSnapshot = snapshot(3),
  identityColumns?: readonly IdentityColumn[],
) {
  const session = new FakeWatch();
  const terminal = new FakeTerminal();
  const out: string[] = [];
  const log = terminal.log;
  const status = runWatchScreen(session, {
    columns,
    numeric: true,
    out: {
      stdout: (text) => {
        log.push("stdout");
        out.push(text);
      },
      stderr: (text) => out.push(text),
    },
    terminal,
    unicode: false,
    host: "vm",
    ...(signal ? { signal } : {}),
    ...(identityColumns ? { identityColumns } : {}),
  });
  session.events.push({ type: "start", start, watch: settings });
  session.events.push({ type: "snapshot", snapshot: first });
  return { session, terminal, out, status };
}

Deno.test("runWatchScreen: a run that ends by itself: the terminal back, then the report", async () => {
  const { session, terminal, out, status } = setup();
  await tick(60); // the snapshot came right after the start's frame: drawn 40 ms after it
  assertMatch(terminal.frame, /^hopwise \S+: 198\.18\.2\.2 {2}cycles 3 {2}every 0\.1 s/);
  assertMatch(terminal.frame, /\n {2}2\. 198\.18\.2\.2 +0\.0% +3 /);
  session.events.push({ type: "end", reason: "done", snapshot: snapshot(5) });
  session.events.close();
  assertEquals(await status, 0);
  assertEquals(terminal.log, ["leave", "stdout"]);
  assertMatch(out.join(""), /^Start: 2024-01-01T00:00:00\+0000\nHOST: vm +Loss%/);
  assertMatch(out.join(""), / {2}2\.\|-- 198\.18\.2\.2 +0\.0% +5 /);
});

Deno.test("runWatchScreen: q gives the terminal back at once and ends the run at its next event", async () => {
  const { session, terminal, out, status } = setup();
  await tick();
  terminal.keyInput.push("q");
  await tick();
  assertEquals(terminal.log, ["leave"]);
  assertEquals(session.calls, ["stop"]);
  const frames = terminal.frames.length;
  session.events.push({ type: "snapshot", snapshot: snapshot(4) });
  assertEquals(await status, 0);
  assertEquals(session.calls, ["stop", "closed"], "the run closed without waiting for its end");
  assertEquals(terminal.frames.length, frames, "nothing drawn after q");
  assertEquals(out, []);
});

Deno.test("runWatchScreen: Ctrl-C is 130, SIGTERM 143, SIGINT 130", async () => {
  const ctrlC = setup();
  await tick();
  ctrlC.terminal.keyInput.push("C-c");
  await tick();
  ctrlC.session.events.close();
  assertEquals(await ctrlC.status, 130);
  for (const [reason, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    const stop = new AbortController();
    const run = setup(stop.signal);
    await tick();
    stop.abort(reason);
    assertEquals(run.terminal.log, ["leave"], "left at once");
    run.session.events.push({ type: "end", reason: "aborted", snapshot: snapshot(3) });
    run.session.events.close();
    assertEquals(await run.status, code);
    assertEquals(run.out, []);
  }
});

Deno.test("runWatchScreen: p, r, n, j, h, Esc, Ctrl-L and an unknown key", async () => {
  const { session, terminal, status } = setup();
  await tick();
  const press = async (key: string) => {
    const before = terminal.frames.length;
    terminal.keyInput.push(key);
    await tick();
    assertEquals(terminal.frames.length, before + 1, `a frame at once after ${key}`);
    return terminal.frame;
  };
  assertMatch(await press("p"), /\[paused\][^]*paused: no new cycles/);
  assertMatch(await press("p"), /^(?![^\n]*\[paused\])[^]*resumed/);
  assertMatch(await press("r"), /statistics reset/);
  assertMatch(await press("r"), /\n {2}1\. \?\?\? +0\.0% +0 /);
  assertEquals(session.calls, ["pause", "resume", "reset", "reset"]);
  assertMatch(await press("n"), /names were not looked up \(-n\): addresses shown/);
  assertMatch(await press("n"), /addresses shown/);
  assertMatch(await press("j"), /Drop +Rcv +Avg +Gmean +Jttr +Javg +Jmax +Jint/);
  assertMatch(await press("j"), /Loss% +Snt +Last/);
  assertMatch(await press("h"), /Markers/);
  assertOk(!(await press("escape")).includes("Markers"));
  assertMatch(await press("?"), /Markers/);
  assertOk(!(await press("h")).includes("Markers"));
  await press("C-l");
  assertEquals(terminal.log, ["clear"]);
  assertMatch(await press("x"), /key "x" does nothing: h for help/);
  terminal.resize?.();
  assertEquals(terminal.frames.length > 0, true);
  session.events.push({ type: "end", reason: "done", snapshot: snapshot(3) });
  session.events.close();
  assertEquals(await status, 0);
});

Deno.test("runWatchScreen: an error gives the terminal back, then goes on", async () => {
  const { session, terminal, status } = setup();
  await tick();
  session.events.push(new Error("boom"));
  await assertRejects(() => status, Error, "boom");
  assertEquals(terminal.log, ["leave"]);
});

Deno.test("runWatchScreen: snapshots close together are drawn at most every 40 ms", async () => {
  const { session, terminal, status } = setup();
  await tick();
  const before = terminal.frames.length;
  for (let i = 4; i < 10; i++) session.events.push({ type: "snapshot", snapshot: snapshot(i) });
  await tick();
  assertOk(terminal.frames.length - before <= 1, `${terminal.frames.length - before} frames`);
  await new Promise((r) => setTimeout(r, 60));
  assertMatch(terminal.frame, /cycles 9 /, "the latest one drawn");
  session.events.close();
  assertEquals(await status, 1, "no end event: a failure");
});

Deno.test("runWatchScreen: z shows and hides the AS and place columns", async () => {
  const identities = {
    "198.18.1.2": { asn: 64501, asName: "Example-Access", country: "DE", city: "Berlin" },
    "198.18.2.2": { asn: 64502, asName: "Example-Transit", country: "NL" },
  };
  const press = async (terminal: FakeTerminal, key: string) => {
    terminal.keyInput.push(key);
    await tick();
    return terminal.frame;
  };
  // None given: z adds ASN and AS Name, as mtr's z shows the AS.
  const plain = setup(undefined, DEFAULT_COLUMNS, { ...snapshot(3), identities });
  await tick(60);
  assertOk(!plain.terminal.frame.includes("AS64501"), "hidden at first");
  assertMatch(plain.terminal.frame, /Keys:.* z AS/);
  let frame = await press(plain.terminal, "z");
  assertMatch(frame, /Host +ASN +AS Name +Loss%/);
  assertMatch(frame, /\n {2}1\. 198\.18\.1\.2 +AS64501 Example-Access +0\.0%/);
  assertMatch(frame, /AS and place columns shown/);
  frame = await press(plain.terminal, "z");
  assertOk(!frame.includes("AS64501"), "hidden again");
  plain.session.events.close();
  await plain.status;
  // None given, places looked up (--geoip): z adds the place columns after the AS's.
  const placed = setup(undefined, DEFAULT_COLUMNS, { ...snapshot(3), identities }, [
    ...AS_COLUMNS,
    ...lookedUpColumns({ as: null, places: true }),
  ]);
  await tick(60);
  assertMatch(await press(placed.terminal, "z"), /Host +ASN +AS Name +CC +City +Loss%/);
  placed.session.events.close();
  await placed.status;
  // Given: shown at first, z hides them, j keeps them beside the jitter set.
  const given = setup(undefined, parseReportColumns("CC,City,Loss%,Snt"), {
    ...snapshot(3),
    identities,
  });
  await tick(60);
  assertMatch(given.terminal.frame, /\n {2}1\. 198\.18\.1\.2 +DE Berlin +0\.0% +3/);
  assertMatch(await press(given.terminal, "j"), /CC +City +Drop +Rcv/);
  assertMatch(await press(given.terminal, "z"), /Host +Drop +Rcv/);
  given.session.events.close();
  await given.status;
});
