/**
 * getservbyname(3) for `-p` and `--sport`: service names from /etc/services.
 *
 * @module
 */

let table: Map<string, number> | null = null;

/** The port of a service name (any protocol), or null when unknown. */
export function servicePort(name: string): number | null {
  if (!table) {
    table = new Map();
    let text = "";
    try {
      // Never prompt for the permission: without it, only numbers are accepted.
      const read = Deno.permissions.querySync({ name: "read", path: "/etc/services" });
      if (read.state === "granted") text = Deno.readTextFileSync("/etc/services");
    } catch {
      // No services database: only numbers are accepted.
    }
    for (const line of text.split("\n")) {
      const words = line.replace(/#.*/, "").trim().split(/\s+/);
      const m = /^(\d+)\//.exec(words[1] ?? "");
      if (!words[0] || !m) continue;
      const port = Number(m[1]);
      for (const n of [words[0], ...words.slice(2)]) if (!table.has(n)) table.set(n, port);
    }
  }
  return table.get(name) ?? null;
}
