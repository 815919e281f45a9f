import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import {
  ENTER_SEQUENCE,
  frameText,
  LEAVE_SEQUENCE,
  parseKeys,
  Terminal,
  type TerminalDevice,
  terminalSupport,
  utf8Locale,
} from "./terminal.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A terminal that records what is done to it; `input` chunks are read in turn. */
function fakeDevice(input: string[] = [], size = { columns: 80, rows: 24 }) {
  const log: string[] = [];
  let raw = false;
  let wake: (() => void) | null = null;
  const device: TerminalDevice & { log: string[]; raw: () => boolean; end: () => void } = {
    log,
    raw: () => raw,
    write: (text) => void log.push(text),
    setRaw: (on) => {
      raw = on;
      log.push(`raw ${on}`);
    },
    read: async (buffer) => {
      if (input.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (input.length === 0) return null;
      }
      const chunk = bytes(input.shift()!);
      buffer.set(chunk);
      return chunk.length;
    },
    size: () => size,
    end: () => wake?.(),
  };
  return device;
}

Deno.test("parseKeys: characters, control keys, escapes and sequences", () => {
  assertEquals(parseKeys(bytes("qpr")), ["q", "p", "r"]);
  assertEquals(parseKeys(new Uint8Array([3, 12, 13, 9, 127])), [
    "C-c",
    "C-l",
    "enter",
    "tab",
    "backspace",
  ]);
  assertEquals(parseKeys(bytes("\x1b")), ["escape"]);
  assertEquals(parseKeys(bytes("\x1b[A\x1bOBx\x1b[1;5C\x1b[200~")), [
    "up",
    "down",
    "x",
    "right",
    "unknown",
  ]);
  assertEquals(parseKeys(bytes("\x1bq")), ["escape", "q"]);
  assertEquals(parseKeys(bytes("é")), ["é"]);
});

Deno.test("frameText: lines in place, cleared past their end, the rest cleared", () => {
  const size = { columns: 5, rows: 4 };
  assertEquals(
    frameText(["ab", "abcde"], size),
    "\x1b[1;1Hab\x1b[K\x1b[2;1Habcde\x1b[3;1H\x1b[J",
  );
  assertEquals(frameText(["a", "b", "c", "d"], size, true).startsWith("\x1b[H\x1b[2J"), true);
  assertOk(!frameText(["a", "b", "c", "d"], size).includes("\x1b[J"));
});

Deno.test("Terminal: enters, draws in place, repaints after a resize, leaves once", () => {
  const size = { columns: 80, rows: 24 };
  const device = fakeDevice([], size);
  const terminal = Terminal.enter({ device, signals: false, guards: false });
  assertEquals(device.log, ["raw true", ENTER_SEQUENCE]);
  assertOk(device.raw());
  terminal.draw(["hello"]);
  terminal.draw(["hello"]);
  assertOk(device.log[2]!.includes("\x1b[2J"), "the first frame repaints all");
  assertOk(!device.log[3]!.includes("\x1b[2J"), "the next draws in place");
  size.columns = 60;
  terminal.draw(["hello"]);
  assertOk(device.log[4]!.includes("\x1b[2J"), "a new size repaints all");
  terminal.clear();
  terminal.draw(["hello"]);
  assertOk(device.log[5]!.includes("\x1b[2J"), "after clear()");
  terminal.leave();
  terminal.leave();
  using _again = terminal;
  assertEquals(device.log.slice(6), ["raw false", LEAVE_SEQUENCE]);
  assertOk(!device.raw());
  assertOk(terminal.left);
  terminal.draw(["after"]);
  assertEquals(device.log.length, 8, "nothing drawn once left");
});

Deno.test("Terminal: restored on unload and on an uncaught error event", () => {
  for (const event of [new Event("unload"), new ErrorEvent("error")]) {
    const device = fakeDevice();
    const terminal = Terminal.enter({ device, signals: false });
    globalThis.dispatchEvent(event);
    assertOk(terminal.left, event.type);
    assertEquals(device.log.slice(-2), ["raw false", LEAVE_SEQUENCE]);
    // Its guards are gone with it.
    const count = device.log.length;
    globalThis.dispatchEvent(new Event("unload"));
    assertEquals(device.log.length, count);
  }
});

Deno.test("Terminal: a failure to enter leaves it restored", () => {
  const device = fakeDevice();
  device.write = (text) => {
    if (text === ENTER_SEQUENCE) throw new Deno.errors.BrokenPipe("closed");
    device.log.push(text);
  };
  assertThrows(
    () => Terminal.enter({ device, signals: false, guards: false }),
    Deno.errors.BrokenPipe,
  );
  assertOk(!device.raw());
});

Deno.test("Terminal: keys until it is left", async () => {
  const device = fakeDevice(["p", "\x03q"]);
  const terminal = Terminal.enter({ device, signals: false, guards: false });
  const keys: string[] = [];
  for await (const key of terminal.keys()) {
    keys.push(key);
    if (key === "q") terminal.leave();
  }
  assertEquals(keys, ["p", "C-c", "q"]);
  const ended = fakeDevice(["x"]);
  const other = Terminal.enter({ device: ended, signals: false, guards: false });
  const got: string[] = [];
  const reading = (async () => {
    for await (const key of other.keys()) got.push(key);
  })();
  await new Promise((r) => setTimeout(r, 0));
  ended.end(); // end of input
  await reading;
  assertEquals(got, ["x"]);
  other.leave();
});

Deno.test("terminalSupport: says why not, off a terminal; utf8Locale reads the locale", () => {
  if (!Deno.stdin.isTerminal() || !Deno.stdout.isTerminal()) {
    assertEquals(terminalSupport(), "standard input and output are not both a terminal");
  }
  const saved = ["LC_ALL", "LC_CTYPE", "LANG"].map((k) => [k, Deno.env.get(k)] as const);
  try {
    Deno.env.set("LC_ALL", "");
    Deno.env.set("LC_CTYPE", "en_GB.UTF-8");
    Deno.env.set("LANG", "C");
    assertEquals(utf8Locale(), true);
    Deno.env.set("LC_ALL", "C");
    assertEquals(utf8Locale(), false);
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});
