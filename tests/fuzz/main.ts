/**
 * Runs the fuzz targets longer than the test suite does:
 *
 *   deno task fuzz [cases per target] [seed]
 *
 * With no seed it picks one and prints it, so a failure can be replayed.
 *
 * @module
 */
import { fuzzDecoders, fuzzIcmpMatcher, fuzzTcpMatcher } from "./targets.ts";

const count = Number(Deno.args[0] ?? 200_000);
const seed = Number(Deno.args[1] ?? crypto.getRandomValues(new Uint32Array(1))[0]);
console.log(`fuzz: ${count} cases per target, seed ${seed}`);
for (
  const [name, target] of [["decoders", fuzzDecoders], ["icmp matcher", fuzzIcmpMatcher], [
    "tcp matcher",
    fuzzTcpMatcher,
  ]] as const
) {
  const started = performance.now();
  target(seed, count);
  console.log(`  ${name}: ok (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
