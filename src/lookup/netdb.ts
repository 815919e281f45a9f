/**
 * getservbyname(3) and getprotobyname(3): names from /etc/services (for `-p`
 * and `--sport`) and /etc/protocols (for `-P` and `-O protocol=`). Without
 * permission to read them, only numbers are accepted; Deno is never asked to
 * prompt.
 *
 * @module
 */

const tables = new Map<string, Map<string, number>>();

/** Reads a netdb file: the first column and every alias map to the number in `column`. */
function table(path: string, number: (words: string[]) => number | null): Map<string, number> {
  let found = tables.get(path);
  if (found) return found;
  found = new Map();
  let text = "";
  try {
    const read = Deno.permissions.querySync({ name: "read", path });
    if (read.state === "granted") text = Deno.readTextFileSync(path);
  } catch {
    // No database: only numbers are accepted.
  }
  for (const line of text.split("\n")) {
    const words = line.replace(/#.*/, "").trim().split(/\s+/);
    const n = number(words);
    if (!words[0] || n === null) continue;
    for (const name of [words[0], ...words.slice(2)]) if (!found.has(name)) found.set(name, n);
  }
  tables.set(path, found);
  return found;
}

/** The port of a service name (any protocol), or null when unknown. */
export function servicePort(name: string): number | null {
  const services = table("/etc/services", (w) => {
    const m = /^(\d+)\//.exec(w[1] ?? "");
    return m ? Number(m[1]) : null;
  });
  return services.get(name) ?? null;
}

/** The number of an IP protocol name (`gre` gives 47), or null when unknown. */
export function protocolNumber(name: string): number | null {
  const protocols = table("/etc/protocols", (w) => /^\d+$/.test(w[1] ?? "") ? Number(w[1]) : null);
  return protocols.get(name) ?? null;
}
