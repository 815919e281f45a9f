/**
 * Where an address's AS comes from (`--as-source`: a whois server, Team
 * Cymru's DNS, a local ASN database) and its place (`--geoip`: a local
 * City or Country database), each as one kind of source: ask it about an
 * address, get what it knows. The caching, deadlines and sharing are
 * hop_lookups.ts's.
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import { privateSpace } from "../packet/address.ts";
import { asNameQuery, CYMRU_ZONE, originQuery, parseAsName, parseOrigin } from "./cymru.ts";
import type { TxtLookup } from "./cymru.ts";
import { type Database, type DatabaseUse, openDatabase, reopenDatabase } from "./mmdb.ts";
import { sanitizeName } from "./names.ts";
import type { Resolver } from "./resolver.ts";
import type { WhoisClient } from "./whois.ts";

/** Where AS numbers come from. */
export type AsSourceSpec =
  | { readonly kind: "whois"; readonly server: string; readonly service: string }
  | { readonly kind: "dns"; readonly zone: string }
  | { readonly kind: "mmdb"; readonly path: string };

/**
 * `--as-source`'s word: `whois`, `dns`, `dns:ZONE`, or else a database's
 * path (`./dns` for a file named so); null for `dns:` with no zone.
 */
export function parseAsSource(
  text: string,
): { kind: "whois" } | { kind: "dns"; zone: string } | { kind: "mmdb"; path: string } | null {
  if (text === "whois") return { kind: "whois" };
  if (text === "dns") return { kind: "dns", zone: CYMRU_ZONE };
  if (text.startsWith("dns:")) {
    const zone = text.slice(4).replace(/\.$/, "");
    return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(zone) ? { kind: "dns", zone } : null;
  }
  return text === "" ? null : { kind: "mmdb", path: text };
}

/** The one text that names a source, for the `start` event and the cache's key. */
export function asSourceLabel(spec: AsSourceSpec): string {
  switch (spec.kind) {
    case "whois":
      return `${spec.server}/${spec.service}`;
    case "dns":
      return `dns:${spec.zone}`;
    case "mmdb":
      return spec.path;
  }
}

/** What a source knows of an address: who it is, and (whois) Linux traceroute's AS path text. */
export interface SourceAnswer {
  /** What is known (`{}` when nothing). */
  identity: AddressIdentity;
  /** The AS path as whois gives it (`AS64501/AS64502`, `*`). */
  asPath?: string;
}

/** One source of AS numbers or places. */
export interface IdentitySource {
  /** What it gives: AS numbers, or places. */
  readonly use: DatabaseUse;
  /** Readies it (resolves the whois server, opens a database); throws when it cannot be used. */
  ready(): Promise<void>;
  /**
   * What it knows of `address`; throws when it cannot be asked (reported
   * once through `warn`, shown as `!!` for AS numbers).
   */
  ask(address: string, signal: AbortSignal): Promise<SourceAnswer>;
  /** A local source answers at once, once ready (throws as `ask` does). */
  now?(address: string): SourceAnswer;
  /**
   * A local database reads its file again if it has changed: true when it
   * did (its answers are then the new file's).
   *
   * @throws {OptionError} when the new file cannot be used (the one read before stays)
   */
  reopen?(): Promise<boolean>;
}

/** Text from a source, made safe to print. */
function safe(identity: AddressIdentity): AddressIdentity {
  if (identity.asName !== undefined) identity.asName = sanitizeName(identity.asName);
  if (identity.city !== undefined) identity.city = sanitizeName(identity.city);
  return identity;
}

/** A whois server, as `-A` asks it. */
function whoisSource(
  spec: { server: string; service: string },
  resolver: Resolver,
): IdentitySource {
  // Loaded when -A asks whois: a plain trace loads none of it.
  let client: Promise<WhoisClient> | null = null;
  const open = () =>
    client ??= import("./whois.ts").then(({ WhoisClient }) =>
      new WhoisClient(spec.server, spec.service, resolver)
    );
  return {
    use: "as",
    ready: async () => void await (await open()).endpoint(),
    async ask(address, signal) {
      const asPath = await (await open()).ask(address, signal);
      const first = /^AS(\d+)/i.exec(asPath)?.[1];
      return { identity: first !== undefined ? { asn: Number(first) } : {}, asPath };
    },
  };
}

/** Team Cymru's DNS interface under `zone`; AS names kept once an AS. */
function dnsSource(zone: string, txt: TxtLookup): IdentitySource {
  const names = new Map<number, Promise<string | null>>();
  const MAX_NAMES = 10_000;
  const nameOf = (asn: number, signal: AbortSignal): Promise<string | null> => {
    let found = names.get(asn);
    if (!found) {
      if (names.size >= MAX_NAMES) names.clear();
      found = txt(asNameQuery(asn, zone), signal).then((records) => parseAsName(records, asn));
      names.set(asn, found);
      // A failure is asked again next time.
      found.catch(() => names.delete(asn));
    }
    return found;
  };
  return {
    use: "as",
    ready: () => Promise.resolve(),
    async ask(address, signal) {
      const query = originQuery(address, zone);
      // Team Cymru's own zone knows nothing of private, shared or link-local space: nothing is
      // asked of it (the question would tell a third party the inside of the network). A mirror
      // (dns:ZONE) may know them, and is asked.
      if (query === null || (zone === CYMRU_ZONE && privateSpace(address) !== null)) {
        return { identity: {} };
      }
      const { identity, origins } = parseOrigin(await txt(query, signal));
      if (identity.asn !== undefined) {
        const asName = await nameOf(identity.asn, signal);
        if (asName !== null) identity.asName = asName;
      }
      const answer: SourceAnswer = { identity: safe(identity) };
      // Several origins show as whois's ties do; the identity keeps the first (its name, too).
      if (origins.length > 1) answer.asPath = origins.map((asn) => `AS${asn}`).join("/");
      return answer;
    },
  };
}

/** A local database for `use`. */
function databaseSource(path: string, use: DatabaseUse): IdentitySource {
  let database: Database | null = null;
  return {
    use,
    async ready() {
      database ??= await openDatabase(path, use);
    },
    async ask(address) {
      database ??= await openDatabase(path, use);
      return { identity: safe(database.lookup(address, use)) };
    },
    now(address) {
      if (!database) throw new Error(`${path} is not open`);
      return { identity: safe(database.lookup(address, use)) };
    },
    async reopen() {
      const next = database && await reopenDatabase(database, use);
      if (next) database = next;
      return next !== null;
    },
  };
}

/** What making a source may need. */
export interface SourceTools {
  /** The resolver of the whois server's name. */
  resolver: Resolver;
  /** TXT lookups for Team Cymru's DNS. */
  txt: TxtLookup;
}

/** The source of AS numbers `spec` names. */
export function asSource(spec: AsSourceSpec, tools: SourceTools): IdentitySource {
  switch (spec.kind) {
    case "whois":
      return whoisSource(spec, tools.resolver);
    case "dns":
      return dnsSource(spec.zone, tools.txt);
    case "mmdb":
      return databaseSource(spec.path, "as");
  }
}

/** The source of places at `path` (`--geoip`). */
export function geoSource(path: string): IdentitySource {
  return databaseSource(path, "geo");
}

/** The line a failing source says once (it goes on without it). */
export function failureLine(what: string, why: string): string {
  return `hopwise: ${what}: ${why}; going on without it where it fails`;
}
