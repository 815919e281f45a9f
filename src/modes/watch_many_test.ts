import { assertEquals, assertOk } from "../../tests/assert.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import type { CycleResult } from "../core/watch_model.ts";
import { type WatchedTarget, WatchMany } from "./watch_many.ts";

/** A network where 198.18.9.9 and 198.18.8.8 are two hops away. */
function network(): FakeTransport {
  return new FakeTransport({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [{ address: "198.18.1.1", rtt: 1 }, { address: "198.18.9.9", rtt: 2 }],
    routes: {
      "198.18.8.8": [{ address: "198.18.1.1", rtt: 1 }, { address: "198.18.8.8", rtt: 2 }],
    },
  }, { concurrent: true });
}

/** Waits until `test` holds (real time; the fake network's clock runs apart). */
async function until(test: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const method of ["default", "icmp"] as const) {
  Deno.test(`watchMany ${method}: targets up and down, cycles heard, a target added and removed`, async () => {
    const fake = network();
    const cycles = new Map<string, CycleResult[]>();
    const states: string[] = [];
    const many = await WatchMany.open(
      [{ host: "198.18.9.9" }, { host: "nowhere.lab" }],
      { interval: 50, resolveNames: false, retryInterval: 60000, method },
      {
        cycle: (t, c) => cycles.set(t.entry.host, [...(cycles.get(t.entry.host) ?? []), c]),
        state: (t) => states.push(`${t.entry.host} ${t.state}`),
      },
      { transport: fake, resolver: new TableResolver() },
    );
    try {
      const [up, down] = many.targets as [WatchedTarget, WatchedTarget];
      assertEquals([up.state, down.state], ["up", "down"]);
      assertOk(down.reason?.includes("nowhere.lab"), down.reason ?? "no reason");
      await until(() => (cycles.get("198.18.9.9")?.length ?? 0) >= 3, "three cycles");
      const last = cycles.get("198.18.9.9")!.at(-1)!;
      assertEquals(last.probes.map((p) => p.address), ["198.18.1.1", "198.18.9.9"]);
      const added = await many.add({ host: "198.18.8.8" });
      assertEquals(added.state, "up");
      await until(() => (cycles.get("198.18.8.8")?.length ?? 0) >= 1, "a cycle of the added one");
      many.remove(up);
      assertEquals(many.targets.map((t) => t.entry.host), ["nowhere.lab", "198.18.8.8"]);
      const heard = cycles.get("198.18.9.9")!.length;
      await until(() => (cycles.get("198.18.8.8")?.length ?? 0) >= 4, "more cycles");
      assertOk(cycles.get("198.18.9.9")!.length <= heard + 1, "the removed target went on");
      assertEquals(states.slice(0, 2), ["nowhere.lab down", "198.18.9.9 up"]);
    } finally {
      await many.close();
    }
    assertEquals(fake.opened.filter((s) => !s.closed).length, 0);
    // ICMP shares one socket among every target; UDP opens its own.
    if (method === "icmp") assertEquals(fake.opened.length, 1);
  });
}

Deno.test("watchMany: a name whose address changes is followed to the new address", async () => {
  const fake = network();
  const resolver = new TableResolver({ "moving.lab": ["198.18.9.9"] });
  const seen: Array<string | null> = [];
  const many = await WatchMany.open(
    [{ host: "moving.lab" }],
    { interval: 50, resolveNames: false, resolveInterval: 100 },
    { cycle: (_t, c) => seen.push(c.probes.at(-1)?.address ?? null) },
    { transport: fake, resolver },
  );
  try {
    await until(() => seen.includes("198.18.9.9"), "the first address");
    resolver.set("moving.lab", ["198.18.8.8"]);
    await until(() => seen.includes("198.18.8.8"), "the new address");
    assertEquals(many.targets[0]?.target?.address, "198.18.8.8");
  } finally {
    await many.close();
  }
  assertEquals(fake.opened.filter((s) => !s.closed).length, 0);
});
