/**
 * Numbers read as Linux traceroute reads them: C's strtoul, strtol and strtod
 * (base 0: decimal, 0x hex, 0 octal), with their wrap-around and saturation,
 * and printf's %g for messages that quote numbers.
 *
 * @module
 */

/** The longest prefix of `text` that C's strtoul/strtol (base 0) reads, and its value. */
function cInteger(text: string): { value: bigint; negative: boolean; used: number } | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return null;
  const digits = m[2]!;
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith("0")) value = BigInt("0o" + digits.slice(1));
  else value = BigInt(digits);
  return { value, negative: m[1] === "-", used: m[0].length };
}

/** strtoul's result cut to an unsigned int: negatives wrap, overflow saturates first. */
function toUnsigned32(r: { value: bigint; negative: boolean }): number {
  const ULONG_MAX = (1n << 64n) - 1n;
  let v = r.value > ULONG_MAX ? ULONG_MAX : r.value;
  if (r.negative && r.value <= ULONG_MAX) v = (ULONG_MAX + 1n - v) & ULONG_MAX;
  return Number(v & 0xffffffffn);
}

/**
 * C's `(unsigned int) strtoul(text, &end, 0)` requiring the whole word to be
 * read (CLIF_set_uint): negative numbers wrap, overflow saturates and is then
 * cut to 32 bits. Null when the word is not a whole number.
 */
export function parseCUnsigned(text: string): number | null {
  const r = cInteger(text);
  return r && r.used === text.length ? toUnsigned32(r) : null;
}

/**
 * C's `strtoul(text, &end, 0)` as Linux traceroute's set_port reads it: the
 * word need only start with a number. Null when it does not.
 */
export function parseCUnsignedPrefix(text: string): number | null {
  const r = cInteger(text);
  return r ? toUnsigned32(r) : null;
}

/**
 * C's `(int) strtol(text, &end, 0)` requiring the whole word (CLIF_arg_int).
 * Null when the word is not a whole number.
 */
export function parseCInt(text: string): number | null {
  const r = cInteger(text);
  if (!r || r.used !== text.length) return null;
  const LONG_MAX = (1n << 63n) - 1n;
  let v = r.negative ? -r.value : r.value;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < -LONG_MAX - 1n) v = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, v));
}

/** The longest prefix C's strtod reads: its value and length, or null. */
export function cDoublePrefix(text: string): { value: number; used: number } | null {
  const m =
    /^[ \t\n\v\f\r]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)/i
      .exec(text);
  if (!m) return null;
  const body = m[0].trim().toLowerCase();
  let value: number;
  if (body.includes("inf")) value = body.startsWith("-") ? -Infinity : Infinity;
  else if (body.includes("nan")) value = NaN;
  else value = Number(body);
  return { value, used: m[0].length };
}

/** C's `strtod` requiring the whole word (CLIF_set_double); null otherwise. */
export function parseCDouble(text: string): number | null {
  const r = cDoublePrefix(text);
  return r && r.used === text.length ? r.value : null;
}

/** printf's `%g` (precision 6), for messages that quote numbers. */
export function formatG(value: number): string {
  if (Number.isNaN(value)) return value < 0 ? "-nan" : "nan";
  if (!Number.isFinite(value)) return value < 0 ? "-inf" : "inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(6)))));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, exp] = value.toExponential(5).split("e") as [string, string];
    const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    const e = Number(exp);
    return `${trimmed}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const fixed = value.toFixed(Math.max(0, 5 - exponent));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
