/**
 * Which text format a scrape gets: Prometheus's Go client's negotiation of
 * the Accept header, between the text format 0.0.4 and OpenMetrics 1.0.0.
 *
 * @module
 */

/** One entry of an Accept header. */
interface MediaRange {
  type: string;
  version: string | null;
  q: number;
  /** Its place in the header, for a stable order. */
  index: number;
}

/** The entries of an Accept header (type lowercased, parameters read, quotes removed). */
function mediaRanges(accept: string): MediaRange[] {
  return accept.split(",").map((entry, index) => {
    const [type = "", ...params] = entry.split(";").map((p) => p.trim());
    let version: string | null = null;
    let q = 1;
    for (const param of params) {
      const eq = param.indexOf("=");
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const text = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
      if (key === "version") version = text;
      else if (key === "q") q = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(text) ? Number(text) : 0;
    }
    return { type: type.toLowerCase(), version, q, index };
  });
}

/**
 * Whether a scrape whose Accept header is `accept` (null: none) should get
 * OpenMetrics text, as Prometheus's Go client negotiates: the entries are
 * taken by quality (then wildcards last, then in order), and the first that
 * names a format served decides: `application/openmetrics-text` of version
 * 1.0.0 (or no version) is OpenMetrics, `text/plain` of version 0.0.4 (or no
 * version) the text format. When none names either, the text format.
 *
 * @example
 * ```ts
 * import { wantsOpenMetrics } from "./accept.ts";
 *
 * wantsOpenMetrics("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"); // true
 * wantsOpenMetrics("text/plain"); // false
 * wantsOpenMetrics(null); // false
 * ```
 */
export function wantsOpenMetrics(accept: string | null): boolean {
  if (accept === null) return false;
  const wildcards = (r: MediaRange) => (r.type === "*/*" ? 2 : r.type.endsWith("/*") ? 1 : 0);
  const ranges = mediaRanges(accept).filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || wildcards(a) - wildcards(b) || a.index - b.index);
  for (const range of ranges) {
    if (range.type === "text/plain" && (range.version === null || range.version === "0.0.4")) {
      return false;
    }
    if (
      range.type === "application/openmetrics-text" &&
      (range.version === null || range.version === "1.0.0")
    ) {
      return true;
    }
  }
  return false;
}
