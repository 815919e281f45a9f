/**
 * DNS answers built byte by byte, for the tests of hopwise's own reverse
 * lookups (src/lookup/dns_message.ts, stub_resolver.ts).
 *
 * @module
 */

/** A resource record of an answer: owner, type (5 CNAME, 12 PTR, 1 A), target name. */
export interface TestRecord {
  /** The record's owner name. */
  owner: string;
  /** Its type. */
  type: number;
  /** The name it holds (CNAME, PTR), written uncompressed; or raw rdata bytes. */
  target: string | Uint8Array;
  /** Its class; IN by default. */
  class?: number;
  /** Its TTL, seconds; 3600 by default. */
  ttl?: number;
}

/** What to put in an answer. */
export interface TestAnswer {
  /** Identifier. */
  id: number;
  /** The question's name. */
  question: string;
  /** Response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED). */
  rcode?: number;
  /** Set TC. */
  truncated?: boolean;
  /** Answer records. */
  records?: TestRecord[];
  /** Authority records (a zone's SOA: {@linkcode soaRecord}). */
  authority?: TestRecord[];
}

/** A name in wire form, each label's bytes taken as Latin-1 (so any byte can be written). */
export function wireName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split(".").filter((l) => l !== "")) {
    out.push(label.length, ...[...label].map((ch) => ch.charCodeAt(0) & 0xff));
  }
  out.push(0);
  return out;
}

/** The four bytes of `n`, most significant first. */
function u32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** A zone's SOA record, with its record `ttl` and its MINIMUM field `minimum` (seconds). */
export function soaRecord(zone: string, ttl: number, minimum: number): TestRecord {
  const rdata = [
    ...wireName(`ns.${zone}`),
    ...wireName(`hostmaster.${zone}`),
    ...u32(2026120701), // serial
    ...u32(7200), // refresh
    ...u32(900), // retry
    ...u32(1209600), // expire
    ...u32(minimum),
  ];
  return { owner: zone, type: 6, target: new Uint8Array(rdata), ttl };
}

/** The bytes of an answer. */
export function answerBytes(a: TestAnswer): Uint8Array {
  const records = a.records ?? [];
  const authority = a.authority ?? [];
  const flags = 0x8180 | (a.truncated ? 0x0200 : 0) | (a.rcode ?? 0);
  const out: number[] = [a.id >> 8, a.id & 0xff, flags >> 8, flags & 0xff, 0, 1, 0, records.length];
  out.push(0, authority.length, 0, 0, ...wireName(a.question), 0, 12, 0, 1);
  for (const r of [...records, ...authority]) {
    const rdata = typeof r.target === "string" ? wireName(r.target) : [...r.target];
    const cls = r.class ?? 1;
    out.push(...wireName(r.owner), 0, r.type, cls >> 8, cls & 0xff, ...u32(r.ttl ?? 3600));
    out.push(rdata.length >> 8, rdata.length & 0xff, ...rdata);
  }
  return new Uint8Array(out);
}
