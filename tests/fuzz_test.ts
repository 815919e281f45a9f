/**
 * The fuzz targets with a fixed seed and a bounded count (a few seconds);
 * `deno task fuzz [cases] [seed]` runs them longer with any seed.
 */
import { assertOk } from "./assert.ts";
import { fuzzDecoders, fuzzIcmpMatcher, fuzzTcpMatcher } from "./fuzz/targets.ts";

const SEED = 20261121;

Deno.test("fuzz: packet decoders and text parsers never throw", () => fuzzDecoders(SEED, 3000));

Deno.test("fuzz: the ICMP matcher takes only exact replies to its probes", () => {
  const { matched, cases } = fuzzIcmpMatcher(SEED, 4000);
  // Unmutated genuine replies (a quarter of the cases) must be taken: the test is not vacuous.
  assertOk(matched > cases / 5, `only ${matched} of ${cases} matched`);
});

Deno.test("fuzz: the TCP matcher takes only exact replies to its probes", () => {
  const { matched, cases } = fuzzTcpMatcher(SEED, 4000);
  assertOk(matched > cases / 5, `only ${matched} of ${cases} matched`);
});
