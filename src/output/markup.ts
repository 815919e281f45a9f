/**
 * Text made safe inside markup: HTML, SVG, and Graphviz's HTML-like labels.
 * Whatever a name, an AS name or a place holds (quotes, angle brackets,
 * ampersands, braces, backslashes, newlines, control characters, broken
 * UTF-16), it comes out as text that shows what it was and cannot end an
 * element, an attribute or a label.
 *
 * @module
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "\\": "&#92;",
};

/**
 * `text` as markup text, for element content and quoted attribute values:
 * `& < > " ' \` as character references; control characters (C0, DEL, C1),
 * which XML forbids even as references, shown as `\xNN`; lone surrogates
 * as U+FFFD.
 *
 * @example
 * ```ts
 * import { markupText } from "./markup.ts";
 * markupText('a"b<c>\n'); // "a&quot;b&lt;c&gt;&#92;x0a"
 * ```
 */
export function markupText(text: string): string {
  return text.toWellFormed().replace(
    // deno-lint-ignore no-control-regex -- control characters are what it looks for
    /[&<>"'\\\u0000-\u001f\u007f-\u009f]/g,
    (c) => ENTITIES[c] ?? `&#92;x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
