/**
 * C's printf conversions that mtr's columns use, digit for digit.
 *
 * @module
 */

/**
 * C's `%W.Pf` (glibc): `value` with `precision` decimals, right-aligned in
 * `width`. It differs from `toFixed` on exact ties: glibc rounds the exact
 * binary value, so a tie (0.25 to one decimal) goes to the even digit
 * ("0.2"), where `toFixed` goes up ("0.3").
 *
 * @example
 * ```ts
 * import { printfFixed } from "./printf.ts";
 *
 * printfFixed(0.25, 1, 5); // "  0.2"
 * printfFixed(12.345, 1, 5); // " 12.3"
 * ```
 */
export function printfFixed(value: number, precision: number, width: number = 0): string {
  if (!Number.isInteger(precision) || precision < 0 || precision > 20) {
    throw new RangeError(`Precision must be an integer from 0 to 20, got "${precision}"`);
  }
  let text: string;
  if (Number.isNaN(value)) text = "nan";
  else if (!Number.isFinite(value)) text = value > 0 ? "inf" : "-inf";
  else {
    const sign = value < 0 || Object.is(value, -0) ? "-" : "";
    const magnitude = Math.abs(value);
    // A tie at `precision` decimals is exactly an odd multiple of 2^-(precision + 1)
    // (x.x5 = (2n + 1) / (2·10^p) is a binary fraction only when 5^p divides 2n + 1).
    const halves = magnitude * 2 ** (precision + 1);
    if (Number.isSafeInteger(halves) && halves % 2 === 1) {
      // magnitude·10^p = halves·5^p / 2, exactly k + 1/2: take the even one of k, k + 1.
      const below = (BigInt(halves) * 5n ** BigInt(precision) - 1n) / 2n;
      text = sign + fixedDigits(below % 2n === 0n ? below : below + 1n, precision);
    } else {
      text = sign + magnitude.toFixed(precision);
    }
  }
  return text.padStart(width);
}

/** C's `%Wd`: an integer right-aligned in `width`. */
export function printfInteger(value: number, width: number = 0): string {
  return String(Math.trunc(value)).padStart(width);
}

/** The integer `n` shown with `precision` decimals (`n` / 10^precision). */
function fixedDigits(n: bigint, precision: number): string {
  if (precision === 0) return String(n);
  const digits = String(n).padStart(precision + 1, "0");
  return `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
}
