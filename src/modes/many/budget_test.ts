import { assertEquals } from "../../../tests/assert.ts";
import { budget, DESCRIPTOR_RESERVE, descriptorsWanted, SHARED_IN_FLIGHT } from "./budget.ts";

Deno.test("budget: a shared socket takes as many targets as asked while sequences stay distinct", () => {
  assertEquals(budget({ parallel: 64, simultaneous: 32 }, { kind: "shared" }), {
    parallel: 64,
    simultaneous: 32,
    note: null,
  });
  const sequences = Math.floor(SHARED_IN_FLIGHT / 16);
  assertEquals(budget({ parallel: sequences, simultaneous: 16 }, { kind: "shared" }).note, null);
});

Deno.test("budget: a shared socket caps targets at its sequence space, and says so", () => {
  assertEquals(budget({ parallel: 4096, simultaneous: 16 }, { kind: "shared" }), {
    parallel: 4062,
    simultaneous: 16,
    note: "one ICMP socket tells 65000 probes in flight apart: 4062 targets at once",
  });
});

Deno.test("budget: descriptors wanted are a reserve and, per trace, its probes and 4 more", () => {
  assertEquals(descriptorsWanted({ parallel: 10, simultaneous: 32 }), DESCRIPTOR_RESERVE + 360);
});

Deno.test("budget: sockets per trace, a limit that holds them all: as asked", () => {
  const asked = { parallel: 10, simultaneous: 32 };
  const limit = descriptorsWanted(asked);
  assertEquals(budget(asked, { kind: "per-trace", limit, inUse: null }), {
    ...asked,
    note: null,
  });
});

Deno.test("budget: sockets per trace, a lower limit: fewer targets at once, and why", () => {
  const asked = { parallel: 10, simultaneous: 32 };
  assertEquals(budget(asked, { kind: "per-trace", limit: 64 + 2 * 36, inUse: null }), {
    parallel: 2,
    simultaneous: 32,
    note: "10 targets at once would need 424 descriptors; the limit is 136: 2 at once",
  });
});

Deno.test("budget: descriptors in use below the reserve leave room for more traces", () => {
  // 10 held, and 8 more: 18 kept instead of 64.
  const b = budget({ parallel: 10, simultaneous: 32 }, {
    kind: "per-trace",
    limit: 136,
    inUse: 10,
  });
  assertEquals(b.parallel, 3);
  assertEquals(b.simultaneous, 32);
});

Deno.test("budget: not even one trace fits: one at a time, with fewer probes of it in flight", () => {
  assertEquals(
    budget({ parallel: 4, simultaneous: 32 }, { kind: "per-trace", limit: 80, inUse: null }),
    {
      parallel: 1,
      simultaneous: 12,
      note: "4 targets at once would need 208 descriptors; the limit is 80: " +
        "1 at once, 12 probes of it in flight",
    },
  );
  // One target asked: no note, but still fewer probes in flight.
  assertEquals(
    budget({ parallel: 1, simultaneous: 32 }, { kind: "per-trace", limit: 66, inUse: null }),
    {
      parallel: 1,
      simultaneous: 1,
      note: null,
    },
  );
});
