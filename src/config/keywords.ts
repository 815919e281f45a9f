/**
 * `-O` keywords, parsed once, as Linux traceroute parses them (CLIF's
 * keyword mode: `name` or `name=value`, some abbreviable, one exclusive
 * group), against the method's table. A method without keywords ignores
 * `-O`, as Linux traceroute's do.
 *
 * @module
 */
import { type ClifOption, parseClif } from "../core/command_line_parser.ts";
import type { Method } from "../core/method.ts";

/** The keywords given, checked. */
export interface MethodKeywords {
  /** Name to value ("" for plain flags), in the order given. */
  map: Map<string, string>;
  /** The keywords as given, abbreviations expanded (`name` or `name=value`). */
  words: string[];
}

/**
 * Checks `-O` words against a method's table.
 *
 * @throws {ClifError} (a RangeError) with Linux traceroute's message for an
 * unknown keyword, a missing, unexpected or unacceptable value, or two
 * keywords of one exclusive group
 */
export async function parseKeywords(
  method: Method,
  words: readonly string[],
): Promise<MethodKeywords> {
  const map = new Map<string, string>();
  const expanded: string[] = [];
  if (method.keywords.length === 0 || words.length === 0) return { map, words: expanded };
  const options: ClifOption[] = method.keywords.map((k) => ({
    long: k.name,
    ...(k.value ? { arg: k.value } : {}),
    ...(k.exclusive ? { exclusive: true } : {}),
    ...(k.abbrev ? { abbrev: true } : {}),
    handle: (value: string | null) => {
      if (value !== null && k.accepts && !k.accepts(value)) return false;
      map.set(k.name, value ?? "");
      expanded.push(value === null ? k.name : `${k.name}=${value}`);
      return true;
    },
  }));
  await parseClif([method.name, ...words], options, false, { keyword: true });
  return { map, words: expanded };
}
