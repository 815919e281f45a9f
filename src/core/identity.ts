/**
 * Who an address belongs to and where it is: what the AS and geography
 * lookups (`--as-source`, `--geoip`) learn of a responder. Every output that
 * shows a hop shows it where it is known (classic `--geoip` place, report
 * and screen columns, JSON and CSV fields, the service's address series,
 * the findings' words).
 *
 * @module
 */

/** A point on the earth, from a geography database. */
export interface GeoLocation {
  /** Degrees north (negative: south). */
  latitude: number;
  /** Degrees east (negative: west). */
  longitude: number;
  /** The database's accuracy radius in kilometres, when it gives one. */
  accuracyKm?: number;
}

/**
 * What is known of one address. Every field is optional: a source gives
 * what it has (Team Cymru's DNS gives the AS and prefix, an ASN database the
 * AS and its name, a City database the place).
 */
export interface AddressIdentity {
  /** The origin AS number (the first, when several announce the prefix). */
  asn?: number;
  /** The AS's name (`EXAMPLE-TRANSIT`, or the organisation's). */
  asName?: string;
  /** The routed prefix the address is in (`198.18.0.0/15`). */
  prefix?: string;
  /** ISO 3166-1 alpha-2 country code (`DE`). */
  country?: string;
  /** City name, in English where the database has it. */
  city?: string;
  /** Coordinates, where the database has them. */
  location?: GeoLocation;
}
