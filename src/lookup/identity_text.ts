/**
 * An address's identity (its AS, its place) in words, the same in every
 * output that shows it: the findings (`AS64502 Example-Transit, DE`), the
 * classic text's place (` {DE, Frankfurt}`), the report's and the screen's
 * columns. AS names and cities come from a database or a DNS zone, so they
 * are untrusted text: control characters and backslashes are escaped as
 * reverse names are ({@linkcode sanitizeName}), and braces too, so that
 * the classic place stays parseable.
 *
 * @module
 */
import type { AddressIdentity } from "../core/identity.ts";
import { sanitizeName } from "./names.ts";

/** Untrusted text made safe to print: `sanitizeName`'s escapes, and `{` `}` as `\x7b` `\x7d`. */
export function identityWord(text: string): string {
  return sanitizeName(text).replace(/[{}]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

/** The AS as a word: `AS64502`, or null when unknown. */
export function asnText(identity: AddressIdentity | undefined): string | null {
  return identity?.asn === undefined ? null : `AS${identity.asn}`;
}

/**
 * The network in words: `AS64502 Example-Transit`, `AS64502`, or the name
 * alone; null when neither is known.
 *
 * @example
 * ```ts
 * import { networkText } from "./identity_text.ts";
 * networkText({ asn: 64502, asName: "Example-Transit" }); // "AS64502 Example-Transit"
 * ```
 */
export function networkText(identity: AddressIdentity | undefined): string | null {
  const parts = [asnText(identity), identity?.asName ? identityWord(identity.asName) : null]
    .filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(" ");
}

/**
 * The place in words: `DE, Frankfurt`, `DE`, or `??, Frankfurt` when only
 * the city is known; null when neither is.
 *
 * @example
 * ```ts
 * import { placeText } from "./identity_text.ts";
 * placeText({ country: "DE", city: "Frankfurt am Main" }); // "DE, Frankfurt am Main"
 * ```
 */
export function placeText(identity: AddressIdentity | undefined): string | null {
  const country = identity?.country ? identityWord(identity.country) : null;
  const city = identity?.city ? identityWord(identity.city) : null;
  if (city === null) return country;
  return `${country ?? "??"}, ${city}`;
}

/**
 * Everything known in words, network then place: `AS64502 Example-Transit,
 * DE, Frankfurt`; null when nothing is known. What a finding says after an
 * address.
 */
export function identityText(identity: AddressIdentity | undefined): string | null {
  const parts = [networkText(identity), placeText(identity)].filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(", ");
}
