/**
 * The options of what a trace learns of its responders besides names: `-A`'s
 * whois server (`asLookups`), where AS numbers come from (`asSource`) and
 * the place database (`geoip`), resolved and checked.
 *
 * @module
 */
import { OptionError, OptionTypeError } from "../core/errors.ts";
import { type AsSourceSpec, parseAsSource } from "../lookup/identity_sources.ts";

/** The trace options read here (see TraceOptions, options.ts). */
export interface LookupOptions {
  /** `-A`: true for the default whois server, or the server to ask. */
  asLookups?: boolean | { server: string; service?: string };
  /** `whois`, `dns`, `dns:ZONE`, or an ASN database's path. */
  asSource?: string;
  /** A City or Country database's path. */
  geoip?: string;
}

/** The default whois server of Linux traceroute's -A, and its service. */
export const DEFAULT_WHOIS = { server: "whois.radb.net", service: "nicname" } as const;

function resolveAsLookups(
  value: LookupOptions["asLookups"],
): { server: string; service: string } | null {
  if (!value) return null;
  if (value === true) return { ...DEFAULT_WHOIS };
  if (typeof value.server !== "string" || value.server === "") {
    throw new OptionTypeError(
      "asLookups.server",
      `Option "asLookups.server" must be a host name or address`,
    );
  }
  return { server: value.server, service: value.service ?? DEFAULT_WHOIS.service };
}

/** Where AS numbers come from: `asSource`, else `asLookups`'s whois server. */
function resolveAsSource(options: LookupOptions): AsSourceSpec | null {
  const { asSource } = options;
  if (asSource === undefined) {
    const whois = resolveAsLookups(options.asLookups);
    return whois ? { kind: "whois", ...whois } : null;
  }
  if (typeof asSource !== "string") {
    throw new OptionTypeError("asSource", `Option "asSource" must be whois, dns[:ZONE] or a path`);
  }
  const parsed = parseAsSource(asSource);
  if (!parsed) {
    throw new OptionError(
      "asSource",
      `--as-source: bad source "${asSource}" (whois, dns[:ZONE] or a path)`,
    );
  }
  if (parsed.kind === "whois") {
    return { kind: "whois", ...resolveAsLookups(options.asLookups || true)! };
  }
  return parsed;
}

/**
 * `asLookups`, `asSource` and `geoip` resolved: the whois server when AS
 * numbers come from whois, the source, the place database's path.
 *
 * @throws {OptionError | OptionTypeError} for a source or path of the wrong form
 */
export function resolveLookupOptions(options: LookupOptions): {
  asLookups: { server: string; service: string } | null;
  asSource: AsSourceSpec | null;
  geoip: string | null;
} {
  const asSource = resolveAsSource(options);
  if (options.geoip !== undefined && (typeof options.geoip !== "string" || options.geoip === "")) {
    throw new OptionTypeError("geoip", `Option "geoip" must be a database's path`);
  }
  return {
    asLookups: asSource?.kind === "whois"
      ? { server: asSource.server, service: asSource.service }
      : null,
    asSource,
    geoip: options.geoip ?? null,
  };
}
