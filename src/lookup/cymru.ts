/**
 * Team Cymru's IP-to-ASN service over DNS (`--as-source=dns[:ZONE]`, mtr's
 * `-z`, trippy's default): a TXT record at `<reversed address>.origin.ZONE`
 * (`origin6.ZONE` for IPv6, by nibbles) gives the origin AS and its prefix,
 * one at `AS<n>.ZONE` the AS's name. ZONE is `asn.cymru.com` unless
 * replaced (a mirror). The answers are text anyone can write: one that
 * does not parse is "unknown", never an error.
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import { parseIPv4, parseIPv6 } from "../packet/address.ts";

/** Team Cymru's zone. */
export const CYMRU_ZONE = "asn.cymru.com";

/** The longest AS name kept (Cymru's are well under it). */
const MAX_AS_NAME = 128;

/** The TXT name that gives `address`'s origin, or null for text that is no address. */
export function originQuery(address: string, zone: string = CYMRU_ZONE): string | null {
  const v4 = parseIPv4(address);
  if (v4) return `${[...v4].reverse().join(".")}.origin.${zone}`;
  const v6 = parseIPv6(address);
  if (!v6) return null;
  const nibbles: string[] = [];
  for (const byte of v6) nibbles.push((byte >> 4).toString(16), (byte & 15).toString(16));
  return `${nibbles.reverse().join(".")}.origin6.${zone}`;
}

/** The TXT name that gives AS `asn`'s name. */
export function asNameQuery(asn: number, zone: string = CYMRU_ZONE): string {
  return `AS${asn}.${zone}`;
}

/** Splits a Cymru TXT answer into its `|`-separated fields, trimmed. */
function fields(txt: string): string[] {
  return txt.split("|").map((f) => f.trim());
}

/** An AS number from text, or null. */
function asNumber(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n <= 0xffffffff ? n : null;
}

/** A prefix `address/length`, when it is one. */
function prefix(text: string): { text: string; length: number } | null {
  const m = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(text);
  if (!m) return null;
  const bytes = parseIPv4(m[1]!) ?? parseIPv6(m[1]!);
  const length = Number(m[2]);
  if (!bytes || length > bytes.length * 8) return null;
  return { text, length };
}

/**
 * The origin AS and prefix from the TXT records of an origin query
 * (`"64501 | 198.18.0.0/15 | ZZ | arin | 2006-01-01"`): of the records that
 * parse, the most specific prefix's. When several ASes announce it (`"64501
 * 64502 | ..."`), the identity has the first, and `origins` all of them, in
 * the record's order: the ties the classic output shows as whois's are
 * (`AS64501/AS64502`). `{}` and `[]` when none parses.
 */
export function parseOrigin(
  records: readonly string[],
): { identity: AddressIdentity; origins: number[] } {
  let best: { origins: number[]; prefix: string; length: number } | null = null;
  for (const record of records) {
    const [asText = "", prefixText = ""] = fields(record);
    const origins = asText.split(/\s+/).map(asNumber);
    const found = prefix(prefixText);
    if (origins[0] === null || !found) continue;
    if (!best || found.length > best.length) {
      // A later AS that does not parse is left out; the first decides whether the record counts.
      const known = origins.filter((asn): asn is number => asn !== null);
      best = { origins: [...new Set(known)], prefix: found.text, length: found.length };
    }
  }
  return best
    ? { identity: { asn: best.origins[0]!, prefix: best.prefix }, origins: best.origins }
    : { identity: {}, origins: [] };
}

/**
 * The AS name from the TXT record of an AS query (`"64501 | ZZ | arin |
 * 2006-01-01 | EXAMPLE-TRANSIT - Example Transit, ZZ"`): the last field,
 * when the record is about `asn`; null otherwise. Control characters are
 * dropped (the text is printed).
 */
export function parseAsName(records: readonly string[], asn: number): string | null {
  for (const record of records) {
    const parts = fields(record);
    if (parts.length < 5 || asNumber(parts[0]!) !== asn) continue;
    // deno-lint-ignore no-control-regex
    const name = parts.slice(4).join("|").replace(/[\x00-\x1f\x7f-\x9f]/g, "").trim();
    if (name !== "") return name.slice(0, MAX_AS_NAME);
  }
  return null;
}

/** TXT lookups: each record's strings joined (the system resolver's own questions, else {@linkcode denoTxt}). */
export type TxtLookup = (name: string, signal: AbortSignal) => Promise<string[]>;

/** Deno's own resolver (resolv.conf's name servers), TXT records joined. */
export async function denoTxt(name: string, signal: AbortSignal): Promise<string[]> {
  try {
    const records = await Deno.resolveDns(name, "TXT", { signal });
    return records.map((chunks) => chunks.join(""));
  } catch (e) {
    // No such name, or no TXT there: an answer (nothing known), not a failure.
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}
