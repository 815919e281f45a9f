/**
 * The configuration's keys of what the service learns of its responders:
 * `as_source` (`--as-source`'s words) and `geoip` (`--geoip`'s database),
 * checked as the command line's are, and the databases they name opened at
 * start. docs/service.md#configuration and docs/identity.md say what they
 * do.
 *
 * @module
 */
import { OptionError } from "../core/errors.ts";
import { parseAsSource } from "../lookup/identity_sources.ts";
import { openDatabase } from "../lookup/mmdb.ts";
import { besideConfig, ConfigError, describe, type Table } from "./config_table.ts";

/** `as_source`, checked as `--as-source` is; a database's path taken beside the configuration. */
export function asSourceOf(top: Table, path: string): string | null {
  const text = top.string("as_source", "whois, dns, dns:ZONE or a database's path");
  if (text === undefined) return null;
  const source = parseAsSource(text);
  if (source === null) {
    throw top.error(
      "as_source",
      `"as_source": bad source ${describe(text)} (whois, dns[:ZONE] or a path)`,
    );
  }
  return source.kind === "mmdb" ? besideConfig(path, text) : text;
}

/**
 * Opens the databases `config` names (once a process: the run takes the
 * same), so that one missing, unreadable, not an MMDB or without the fields
 * asked for stops the service at start as `--as-source` and `--geoip` do,
 * in one line naming the file and the key.
 */
export async function openDatabases(
  config: { asSource: string | null; geoip: string | null },
  path: string,
): Promise<void> {
  const source = config.asSource === null ? null : parseAsSource(config.asSource);
  const asked = [
    ["as_source", source?.kind === "mmdb" ? source.path : null, "as"],
    ["geoip", config.geoip, "geo"],
  ] as const;
  for (const [key, file, use] of asked) {
    if (file === null) continue;
    try {
      await openDatabase(file, use);
    } catch (e) {
      if (!(e instanceof OptionError)) throw e;
      // The reader's words name the flag: the file's key is named instead.
      const why = e.message.replace(/^--[a-z-]+: /, "");
      throw new ConfigError(key, `${path}: "${key}": ${why}`, path);
    }
  }
}
