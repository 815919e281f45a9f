import { assertEquals } from "../../tests/assert.ts";
import { type CliOutput, lineSafe } from "./io.ts";

/** An output whose two streams meet in one text, as in a terminal or `>log 2>&1`. */
function merged(): CliOutput & { text: string; stderrText: string } {
  const out = {
    text: "",
    stderrText: "",
    stdout(text: string) {
      out.text += text;
    },
    stderr(text: string) {
      out.text += text;
      out.stderrText += text;
    },
  };
  return out;
}

Deno.test("a warning during a hop's line waits for the line to end, then has a line of its own", () => {
  const sink = merged();
  const out = lineSafe(sink);
  out.stdout("traceroute to 198.18.4.2 (198.18.4.2), 30 hops max, 60 byte packets");
  out.stderr("hopwise: --geoip city.mmdb: damaged\n");
  out.stdout("\n 1  198.18.1.2  0.087 ms");
  out.stderr("hopwise: a second\n");
  out.stdout("  0.014 ms");
  out.stdout("\n 2  198.18.2.2  0.026 ms\n");
  assertEquals(sink.text.split("\n"), [
    "traceroute to 198.18.4.2 (198.18.4.2), 30 hops max, 60 byte packets",
    "hopwise: --geoip city.mmdb: damaged",
    " 1  198.18.1.2  0.087 ms  0.014 ms",
    "hopwise: a second",
    " 2  198.18.2.2  0.026 ms",
    "",
  ]);
});

Deno.test("standard error goes at once between whole lines, and flush writes what waits", () => {
  const sink = merged();
  const out = lineSafe(sink);
  out.stderr("hopwise: before anything\n");
  out.stdout("a whole line\n");
  out.stderr("hopwise: between lines\n");
  assertEquals(sink.text, "hopwise: before anything\na whole line\nhopwise: between lines\n");
  out.stdout("a line cut short by an error");
  out.stderr("hopwise: the error\n");
  assertEquals(sink.stderrText, "hopwise: before anything\nhopwise: between lines\n");
  out.flush();
  assertEquals(sink.stderrText.endsWith("hopwise: the error\n"), true);
});
