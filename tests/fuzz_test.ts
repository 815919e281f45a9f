/**
 * The fuzz targets with a fixed seed and a bounded count (a few seconds);
 * `deno task fuzz [cases] [seed]` runs them longer with any seed.
 */
import { assertOk } from "./assert.ts";
import { fuzzDecoders, fuzzIcmpMatcher, fuzzTcpMatcher } from "./fuzz/targets.ts";
import { fuzzDatabase, fuzzDnsAnswers } from "./fuzz/lookup_targets.ts";
import { writeLookupDatabases } from "./fuzz/lookup_samples.ts";
import { mmdbSkipReason } from "./helpers/mmdb_writer.ts";

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

Deno.test("fuzz: DNS answers and Cymru's records never throw, and give only host names and AS numbers", () => {
  const { genuine, cases } = fuzzDnsAnswers(SEED, 4000);
  // Unmutated genuine answers (a quarter of the cases) must read as they say.
  assertOk(genuine > cases / 5, `only ${genuine} of ${cases} genuine answers`);
});

const noDatabases = mmdbSkipReason();
// deno-lint-ignore no-console
if (noDatabases) console.log(`fuzz of damaged databases ignored: ${noDatabases}`);

Deno.test({
  name: "fuzz: a damaged database is refused in one line or answers lookups, never crashes",
  ignore: noDatabases !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hopwise-fuzz-" });
    try {
      const samples = await writeLookupDatabases(dir);
      for (const { use, path, addresses } of samples) {
        const sample = await Deno.readFile(path);
        const { opened, answered } = await fuzzDatabase(SEED, 400, sample, use, dir, addresses);
        // Mutations that spare what is read (a flipped bit in a name, bytes added at the end)
        // leave a database that opens and answers: the target reaches the lookups.
        assertOk(
          opened > 40 && answered > opened,
          `${use}: ${opened} opened, ${answered} answered`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
