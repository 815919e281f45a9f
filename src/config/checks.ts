/**
 * The range and type checks of every option, written once: each says what
 * is allowed in words a person reads ("a positive integer", "from 1 to
 * 4096") and throws the library's option errors (OptionTypeError for a value
 * of the wrong type, OptionError, a RangeError, for one out of range).
 *
 * @module
 */
import { OptionError, OptionTypeError } from "../core/errors.ts";

/** What an integer range allows, in words. */
export function integerRangeWords(min: number, max: number): string {
  if (max >= Number.MAX_SAFE_INTEGER) {
    return min === 1 ? "a positive integer" : `an integer of at least ${min}`;
  }
  return `from ${min} to ${max}`;
}

/**
 * An integer option: `fallback` when not given, else an integer from `min`
 * to `max`. A number that is not an integer (1.5, NaN) is out of range,
 * unless `strictType` makes it a value of the wrong type (the trace
 * options' rule).
 *
 * @throws {OptionTypeError} when it is not a number (or, `strictType`, not an integer)
 * @throws {OptionError} when it is out of range
 */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  strictType = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || (strictType && !Number.isInteger(value))
  ) {
    throw new OptionTypeError(
      name,
      `Option "${name}" must be an integer, got ${JSON.stringify(value)}`,
    );
  }
  if (!Number.isInteger(value)) {
    throw new OptionError(
      name,
      `Option "${name}" must be an integer ${integerRangeWords(min, max)}, got ${value}`,
    );
  }
  if (value < min || value > max) {
    throw new OptionError(
      name,
      `Option "${name}" must be ${integerRangeWords(min, max)}, got ${value}`,
    );
  }
  return value;
}

/**
 * A number option: `fallback` when not given, else a number at least 0 (or,
 * `positive`, above 0 and finite; `finite`, finite); `unit` words it. NaN is
 * out of range, unless `strictType` makes it a value of the wrong type.
 *
 * @throws {OptionTypeError} when it is not a number
 * @throws {OptionError} when it is out of range
 */
export function numberOption(
  name: string,
  value: number | undefined,
  fallback: number,
  limits: { positive?: boolean; finite?: boolean; unit?: string; strictType?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || (limits.strictType && Number.isNaN(value))) {
    throw new OptionTypeError(
      name,
      `Option "${name}" must be a number, got ${JSON.stringify(value)}`,
    );
  }
  const unit = limits.unit ?? "";
  const finite = limits.finite || limits.positive;
  const outside = Number.isNaN(value) || (limits.positive ? !(value > 0) : value < 0);
  if (outside || (finite && !Number.isFinite(value))) {
    throw new OptionError(
      name,
      `Option "${name}" must be a number${unit}, ${
        limits.positive ? "above 0" : "at least 0"
      }, got ${value}`,
    );
  }
  return value;
}

/**
 * A number option strictly between `low` and `high`.
 *
 * @throws {OptionError} when it is not
 */
export function openRangeOption(
  name: string,
  value: number | undefined,
  fallback: number,
  low: number,
  high: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > low && value < high)) {
    throw new OptionError(
      name,
      `Option "${name}" must lie between ${low} and ${high}, not ${value}`,
    );
  }
  return value;
}
