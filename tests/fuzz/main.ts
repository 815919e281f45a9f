/**
 * Runs the fuzz targets longer than the test suite does:
 *
 *   deno task fuzz [cases per target] [seed]
 *
 * With no seed it picks one and prints it, so a failure can be replayed.
 * The damaged databases get a tenth of the cases (each is a file written
 * and opened), and are left out, with the reason, where they cannot be
 * made (MaxMind's writer is missing).
 *
 * @module
 */
import { fuzzDecoders, fuzzIcmpMatcher, fuzzTcpMatcher } from "./targets.ts";
import { fuzzDatabase, fuzzDnsAnswers } from "./lookup_targets.ts";
import { writeLookupDatabases } from "./lookup_samples.ts";
import { mmdbSkipReason } from "../helpers/mmdb_writer.ts";

const count = Number(Deno.args[0] ?? 200_000);
const seed = Number(Deno.args[1] ?? crypto.getRandomValues(new Uint32Array(1))[0]);
console.log(`fuzz: ${count} cases per target, seed ${seed}`);

/** Runs `target`, then says how long it took. */
async function timed(name: string, target: () => unknown): Promise<void> {
  const started = performance.now();
  await target();
  console.log(`  ${name}: ok (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

await timed("decoders", () => fuzzDecoders(seed, count));
await timed("icmp matcher", () => fuzzIcmpMatcher(seed, count));
await timed("tcp matcher", () => fuzzTcpMatcher(seed, count));
await timed("dns answers", () => fuzzDnsAnswers(seed, count));
const noDatabases = mmdbSkipReason();
if (noDatabases) {
  console.log(`  damaged databases: left out: ${noDatabases}`);
} else {
  const dir = await Deno.makeTempDir({ prefix: "hopwise-fuzz-" });
  try {
    for (const { use, path, addresses } of await writeLookupDatabases(dir)) {
      const sample = await Deno.readFile(path);
      const cases = Math.max(1, Math.round(count / 10));
      await timed(
        `damaged ${use} databases`,
        () => fuzzDatabase(seed, cases, sample, use, dir, addresses),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
