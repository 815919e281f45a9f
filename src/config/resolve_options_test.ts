import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { ADAPTIVE, DEFAULTS } from "./options.ts";
import { resolveOptions } from "./resolve_options.ts";

Deno.test("classic timing: Linux traceroute's defaults", () => {
  const o = resolveOptions({ timing: "classic" });
  assertEquals(
    [o.method, o.firstHop, o.maxHops, o.queries, o.simultaneous, o.sendWait, o.port],
    ["default", 1, 30, 3, 16, 0, 0],
  );
  assertEquals(o.wait, { max: 5000, here: 3, near: 10, min: 0 });
  assertEquals(o.resolveNames, true);
  assertEquals(o.privateHops, 0);
  assertEquals(DEFAULTS.maxPacketLength, 65000);
});

Deno.test("timing: adaptive by default, classic as soon as -N, -w or -z is given", () => {
  const adaptive = resolveOptions({});
  assertEquals(adaptive.timing, "adaptive");
  assertEquals(adaptive.simultaneous, ADAPTIVE.simultaneous);
  assertEquals(adaptive.wait, ADAPTIVE.wait);
  for (
    const given of [{ simultaneous: 16 }, { wait: { max: 5000 } }, { sendWait: 0 }] as const
  ) {
    const o = resolveOptions(given);
    assertEquals(o.timing, "classic", JSON.stringify(given));
    assertEquals(o.wait.min, 0);
  }
  // A given value in classic timing keeps the others at Linux's defaults.
  assertEquals(resolveOptions({ wait: { max: 1000 } }).wait, {
    max: 1000,
    here: 3,
    near: 10,
    min: 0,
  });
  assertEquals(resolveOptions({ simultaneous: 4 }).simultaneous, 4);
  // Asked for explicitly, adaptive timing takes given values over its own.
  assertEquals(resolveOptions({ timing: "adaptive", simultaneous: 4 }).simultaneous, 4);
  assertThrows(
    () => resolveOptions({ timing: "fast" as "adaptive" }),
    RangeError,
    `"timing" must be`,
  );
});

Deno.test("out-of-range values are RangeErrors that name the option and value", () => {
  assertThrows(
    () => resolveOptions({ maxHops: 0 }),
    RangeError,
    `"maxHops" must be from 1 to 255, got 0`,
  );
  assertThrows(() => resolveOptions({ maxHops: 256 }), RangeError, "got 256");
  assertThrows(() => resolveOptions({ firstHop: 6, maxHops: 5 }), RangeError, `"firstHop"`);
  assertThrows(() => resolveOptions({ queries: 11 }), RangeError, `"queries"`);
  assertThrows(() => resolveOptions({ wait: { max: -1 } }), RangeError, `"wait.max"`);
  assertThrows(() => resolveOptions({ port: 65536 }), RangeError, `"port"`);
  assertThrows(() => resolveOptions({ privateHops: 256 }), RangeError, `"privateHops"`);
  assertThrows(() => resolveOptions({ packetLength: 65001 }), RangeError, `"packetLength"`);
  assertThrows(() => resolveOptions({ tos: 256 }), RangeError, `"tos"`);
  assertThrows(
    () => resolveOptions({ method: "bogus" as "default" }),
    RangeError,
    `"method" must be one of`,
  );
  assertThrows(
    () => resolveOptions({ source: "198.18.0.1", family: 6 }),
    RangeError,
    `"source" is IPv4`,
  );
});

Deno.test("values of the wrong type are TypeErrors", () => {
  assertThrows(() => resolveOptions({ queries: 1.5 }), TypeError, `"queries" must be an integer`);
  assertThrows(() => resolveOptions({ sendWait: Number.NaN }), TypeError, `"sendWait"`);
  assertThrows(() => resolveOptions({ source: "dst.lab" }), TypeError, "address literal");
  assertThrows(() => resolveOptions({ interface: "no/slash" }), TypeError, "interface");
  assertThrows(() => resolveOptions({ privateHops: 1.5 }), TypeError, `"privateHops"`);
});
