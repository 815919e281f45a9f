import { assertEquals } from "../../tests/assert.ts";
import { NOTHING_NEAR_WAIT, probeWait, WAIT_PRECISION, type WaitRule } from "./wait.ts";

/** Linux traceroute's default -w 5,3,10. */
const LINUX: WaitRule = { max: 5000, here: 3, near: 10, min: 0, adaptive: false };
/** hopwise's adaptive rule (ADAPTIVE in options.ts). */
const ADAPTIVE: WaitRule = { max: 5000, here: 3, near: 1.5, min: 20, adaptive: true };

const none = { here: null, near: null, largest: 0, reprobed: false };

Deno.test("wait: HERE × (rtt + 1 ms) when a probe of the hop answered", () => {
  assertEquals(WAIT_PRECISION, 1);
  assertEquals(probeWait(LINUX, { ...none, here: 9, largest: 9 }), 30);
  // HERE wins over NEAR.
  assertEquals(probeWait(LINUX, { ...none, here: 9, near: 2, largest: 9 }), 30);
  assertEquals(probeWait({ ...LINUX, here: 0.5 }, { ...none, here: 3, largest: 3 }), 2);
});

Deno.test("wait: NEAR × (rtt + 1 ms) when only a later probe answered", () => {
  assertEquals(probeWait(LINUX, { ...none, near: 4, largest: 4 }), 50);
  // HERE off (-w 5,0,10): the hop's own answer does not count.
  assertEquals(probeWait({ ...LINUX, here: 0 }, { ...none, here: 9, near: 4, largest: 9 }), 50);
});

Deno.test("wait: MAX with nothing to go by, or with both factors off", () => {
  assertEquals(probeWait(LINUX, none), 5000);
  // Linux timing never uses the longest round trip seen.
  assertEquals(probeWait(LINUX, { ...none, largest: 300 }), 5000);
  assertEquals(
    probeWait({ ...LINUX, here: 0, near: 0 }, { here: 1, near: 1, largest: 1, reprobed: false }),
    5000,
  );
});

Deno.test("wait: HERE and NEAR waits are capped at MAX and are at least min", () => {
  assertEquals(probeWait(LINUX, { ...none, here: 2000, largest: 2000 }), 5000);
  assertEquals(probeWait(LINUX, { ...none, near: 600, largest: 600 }), 5000);
  assertEquals(probeWait({ ...LINUX, max: 1000 }, { ...none, here: 400, largest: 400 }), 1000);
  assertEquals(
    probeWait(ADAPTIVE, { ...none, here: 1, largest: 1 }),
    20,
    "3 × 2 ms, raised to min",
  );
  assertEquals(
    probeWait(ADAPTIVE, { ...none, near: 1, largest: 1 }),
    20,
    "1.5 × 2 ms, raised to min",
  );
  assertEquals(probeWait(ADAPTIVE, { ...none, here: 19, largest: 19 }), 60);
  assertEquals(probeWait(ADAPTIVE, { ...none, near: 39, largest: 39 }), 60);
  // min never lifts a wait above MAX.
  assertEquals(probeWait({ ...ADAPTIVE, max: 10 }, { ...none, here: 1, largest: 1 }), 10);
});

Deno.test("wait: adaptive timing with nothing near waits 3 × the longest round trip, a second at least", () => {
  assertEquals(NOTHING_NEAR_WAIT, 1000);
  assertEquals(probeWait(ADAPTIVE, none), 5000, "nothing known yet: MAX");
  assertEquals(probeWait(ADAPTIVE, { ...none, largest: 12 }), 1000);
  assertEquals(probeWait(ADAPTIVE, { ...none, largest: 400 }), 1200);
  assertEquals(probeWait(ADAPTIVE, { ...none, largest: 4000 }), 5000, "capped at MAX");
  // A re-probe goes by this rule even before any round trip is known.
  assertEquals(probeWait(ADAPTIVE, { ...none, reprobed: true }), 1000);
  assertEquals(probeWait(ADAPTIVE, { ...none, largest: 500, reprobed: true }), 1500);
  // HERE and NEAR still come first.
  assertEquals(probeWait(ADAPTIVE, { ...none, here: 30, largest: 400, reprobed: true }), 93);
  // The adaptive rule's floor is its own, not capped below MAX.
  assertEquals(probeWait({ ...ADAPTIVE, max: 300 }, { ...none, largest: 12 }), 300);
});
