/**
 * The pieces the service's configuration is read with: its error (one line,
 * the file and the place first), a TOML table whose keys are checked one by
 * one, each mistake a {@linkcode ConfigError}, and file names taken beside
 * the configuration.
 *
 * @module
 */
import { TomlDate } from "smol-toml";
import { OptionError } from "../core/errors.ts";

/**
 * A configuration (or a `--serve` argument) that cannot be taken: one line,
 * the file and the place first. The command line reports it as bad input.
 */
export class ConfigError extends OptionError {
  /** The file it is about, or null for the command line's `--serve` argument. */
  readonly file: string | null;

  /** Makes an error about `option` (a key's place: `target.port`, `web.tls_cert`, `listen`). */
  constructor(option: string, message: string, file: string | null = null) {
    super(option, message);
    this.name = "ConfigError";
    this.file = file;
  }
}

/** A TOML value in words, for "got ...". */
export function describe(value: unknown): string {
  if (value instanceof TomlDate) return `a date (${value.toISOString()})`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "a table";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/** Whether a TOML value is a table. */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** Reads one table's keys, each error one line with the file and the place. */
export class Table {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly option: string,
    readonly values: Record<string, unknown>,
    known: readonly string[],
  ) {
    const unknown = Object.keys(values).find((key) => !known.includes(key));
    if (unknown !== undefined) {
      throw this.error(unknown, `unknown key "${unknown}" (known: ${known.join(", ")})`);
    }
  }

  /** The ConfigError of `key`. */
  error(key: string, message: string): ConfigError {
    const option = this.option === "" ? key : `${this.option}.${key}`;
    return new ConfigError(option, `${this.file}: ${this.where}${message}`, this.file);
  }

  /** A string, or undefined when not given. */
  string(key: string, what = "a string"): string | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "") {
      throw this.error(key, `"${key}" must be ${what}, got ${describe(value)}`);
    }
    return value;
  }

  /** A number above 0 (or, `zero`, at least 0), finite, or undefined when not given. */
  number(key: string, zero = false): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || (zero ? value < 0 : value <= 0)) {
      const words = zero ? "a number of at least 0" : "a number above 0";
      throw this.error(key, `"${key}" must be ${words}, got ${describe(value)}`);
    }
    return value;
  }

  /** An integer from `min` to `max`, or undefined when not given. */
  integer(key: string, min: number, max: number): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      const range = `${Number.isInteger(value) ? "" : "an integer "}from ${min} to ${max}`;
      throw this.error(key, `"${key}" must be ${range}, got ${describe(value)}`);
    }
    return value;
  }

  /** A sub-table, or undefined when not given. */
  table(key: string, known: readonly string[], where: string): Table | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (!isTable(value)) throw this.error(key, `"${key}" must be a table, got ${describe(value)}`);
    const option = this.option === "" ? key : `${this.option}.${key}`;
    return new Table(this.file, where, option, value, known);
  }
}

/** `file`'s path, relative to the directory of `configPath` unless absolute. */
export function besideConfig(configPath: string, file: string): string {
  if (file.startsWith("/")) return file;
  const slash = configPath.lastIndexOf("/");
  return slash === -1 ? file : configPath.slice(0, slash + 1) + file;
}

/** A file name under `key` of `table`, taken beside the configuration unless absolute; null when not given. */
export function fileOf(table: Table | undefined, key: string, path: string): string | null {
  const name = table?.string(key, "a file name");
  return name === undefined ? null : besideConfig(path, name);
}
