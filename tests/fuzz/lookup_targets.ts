/**
 * Fuzz targets for what the lookups read from outside: DNS answers (a
 * resolver may answer anything), Team Cymru's TXT records, and MaxMind
 * databases (a file cut short, or damaged). Each runs `count` cases from a
 * seeded generator, half random bytes and half mutations of genuine inputs,
 * and throws on the first broken invariant, naming the seed and case:
 *
 * - the DNS readers never throw; a name they give is a host name by
 *   glibc's rule; an AS number read from a TXT record is one (0 to 2^32 - 1)
 *   and an AS name holds no control character;
 * - a damaged database either opens or is refused with an OptionError (the
 *   one line and exit 2 of bad input), never another error; an open one
 *   answers each lookup with fields of their types, or throws an Error (the
 *   lookups' cache reports it once and goes on).
 *
 * @module
 */
import { OptionError } from "../../src/core/errors.ts";
import { parsePtrAnswer, parseTxtAnswer } from "../../src/lookup/dns_message.ts";
import { parseAsName, parseOrigin } from "../../src/lookup/cymru.ts";
import { type DatabaseUse, openDatabase } from "../../src/lookup/mmdb.ts";
import { answerBytes, soaRecord, type TestAnswer } from "../helpers/dns_answers.ts";
import { fail, mutate, Rng } from "./targets.ts";

const PTR_Q = "2.1.18.198.in-addr.arpa";
const TXT_Q = "2.1.18.198.origin.asn.cymru.com";

/** Genuine answers, and what the readers must find in each when it is not mutated. */
const DNS_SAMPLES: Array<{ answer: TestAnswer; ptr?: string | null; records?: string[] }> = [
  {
    answer: { id: 1, question: PTR_Q, records: [{ owner: PTR_Q, type: 12, target: "r1.lab" }] },
    ptr: "r1.lab",
  },
  {
    answer: {
      id: 2,
      question: PTR_Q,
      records: [
        { owner: PTR_Q, type: 5, target: "2.0-25.1.18.198.in-addr.arpa" },
        { owner: "2.0-25.1.18.198.in-addr.arpa", type: 12, target: "a_b.lab" },
      ],
    },
    ptr: "a_b.lab",
  },
  {
    answer: {
      id: 3,
      question: PTR_Q,
      rcode: 3,
      authority: [soaRecord("18.198.in-addr.arpa", 60, 30)],
    },
    ptr: null,
  },
  {
    answer: { id: 4, question: PTR_Q, records: [{ owner: PTR_Q, type: 12, target: "-bad.lab" }] },
    ptr: null,
  },
  {
    answer: {
      id: 5,
      question: TXT_Q,
      records: [{
        owner: TXT_Q,
        type: 16,
        target: txtRdata("64501 64502 | 198.18.0.0/15 | ZZ | lab | 2026-01-01"),
      }],
    },
    records: ["64501 64502 | 198.18.0.0/15 | ZZ | lab | 2026-01-01"],
  },
  {
    answer: {
      id: 6,
      question: "as64501.asn.cymru.com",
      records: [{
        owner: "as64501.asn.cymru.com",
        type: 16,
        target: txtRdata("64501 | ZZ | lab | 2026-01-01 | LAB-ONE - Lab One"),
      }],
    },
    records: ["64501 | ZZ | lab | 2026-01-01 | LAB-ONE - Lab One"],
  },
];

/** A TXT record's data: `text` as character-strings of at most 255 bytes. */
function txtRdata(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += 255) {
    const chunk = bytes.subarray(at, at + 255);
    out.push(chunk.length, ...chunk);
  }
  return new Uint8Array(out);
}

/** glibc's host name rule as the reader applies it: name characters, the first not `-`. */
const HOST_NAME = /^(?:[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)?$/;

/**
 * DNS answers and Cymru's TXT records, random and mutated: see the module's
 * invariants. Returns how many unmutated samples read as expected (a test
 * checks the target is not vacuous).
 */
export function fuzzDnsAnswers(seed: number, count: number): { genuine: number; cases: number } {
  const rng = new Rng(seed);
  const samples = DNS_SAMPLES.map((s) => ({ ...s, bytes: answerBytes(s.answer) }));
  let genuine = 0;
  for (let i = 0; i < count; i++) {
    const kind = rng.below(4);
    const sample = samples[rng.below(samples.length)]!;
    const input = kind === 0
      ? rng.bytes(rng.below(200))
      : kind === 1
      ? sample.bytes
      : mutate(rng, sample.bytes);
    let ptr, txt;
    try {
      ptr = parsePtrAnswer(input);
      txt = parseTxtAnswer(input);
    } catch (e) {
      fail("dns answers", seed, i, `threw ${e} on ${[...input].join(",")}`);
    }
    if (ptr?.name != null && !HOST_NAME.test(ptr.name)) {
      fail("dns answers", seed, i, `gave ${JSON.stringify(ptr.name)}, not a host name`);
    }
    const records = txt?.records ?? [];
    let origin, asName;
    try {
      origin = parseOrigin(records);
      asName = parseAsName(records, origin.identity.asn ?? 64501);
    } catch (e) {
      fail("cymru records", seed, i, `threw ${e} on ${JSON.stringify(records)}`);
    }
    for (const asn of [origin.identity.asn, ...origin.origins]) {
      if (asn !== undefined && !(Number.isInteger(asn) && asn >= 0 && asn <= 0xffffffff)) {
        fail("cymru records", seed, i, `AS number ${asn} from ${JSON.stringify(records)}`);
      }
    }
    // deno-lint-ignore no-control-regex
    if (asName !== null && /[\x00-\x1f\x7f-\x9f]/.test(asName)) {
      fail("cymru records", seed, i, `AS name ${JSON.stringify(asName)} holds a control character`);
    }
    if (kind === 1) {
      const expected = "ptr" in sample
        ? ptr?.name === sample.ptr
        : JSON.stringify(txt?.records) === JSON.stringify(sample.records);
      if (!expected) {
        fail("dns answers", seed, i, `a genuine answer read wrong: ${sample.answer.id}`);
      }
      genuine++;
    }
  }
  return { genuine, cases: count };
}

/** What an open database's answer may hold, and what each field must be. */
const IDENTITY_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  asn: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff,
  asName: (v) => typeof v === "string",
  prefix: (v) => typeof v === "string",
  country: (v) => typeof v === "string",
  city: (v) => typeof v === "string",
  location: (v) => {
    const { latitude, longitude } = (v ?? {}) as { latitude?: unknown; longitude?: unknown };
    return Number.isFinite(latitude) && Number.isFinite(longitude);
  },
};

/**
 * MaxMind databases damaged from `sample` (a genuine file's bytes), each
 * written under `dir` and opened for `use`: see the module's invariants.
 * Returns how many opened, and how many lookups answered.
 */
export async function fuzzDatabase(
  seed: number,
  count: number,
  sample: Uint8Array,
  use: DatabaseUse,
  dir: string,
  addresses: readonly string[],
): Promise<{ opened: number; answered: number }> {
  const rng = new Rng(seed);
  let opened = 0;
  let answered = 0;
  for (let i = 0; i < count; i++) {
    const path = `${dir}/${use}-${seed}-${i}.mmdb`;
    await Deno.writeFile(path, mutate(rng, sample));
    let database;
    try {
      database = await openDatabase(path, use);
    } catch (e) {
      if (!(e instanceof OptionError)) fail("database", seed, i, `open threw ${e}`);
      continue;
    } finally {
      await Deno.remove(path);
    }
    opened++;
    for (const address of addresses) {
      let identity;
      try {
        identity = database.lookup(address, use);
      } catch (e) {
        if (!(e instanceof Error)) fail("database", seed, i, `lookup threw ${e}`);
        continue;
      }
      answered++;
      for (const [key, value] of Object.entries(identity)) {
        if (!IDENTITY_FIELDS[key]?.(value)) {
          fail("database", seed, i, `${address}: ${key} = ${JSON.stringify(value)}`);
        }
      }
    }
  }
  return { opened, answered };
}
