/**
 * A small whois server for the -A tests: it answers a query (an address on
 * one line) with every route object of its table whose prefix covers the
 * address, in RPSL form, as a routing registry would.
 *
 *   deno run --allow-net lab/whois_server.ts <address> <port> '<json routes>'
 *
 * routes: [{ "prefix": "198.18.1.0/24", "origin": "AS64501" }, ...]
 * Prints "ready" once listening.
 *
 * @module
 */
import { addressBytes } from "../src/packet/address.ts";

/** One route object. */
export interface RouteObject {
  /** The prefix, `address/length`. */
  prefix: string;
  /** Its origin AS. */
  origin: string;
}

/** Whether `prefix` covers `address` (same family). */
export function covers(prefix: string, address: string): boolean {
  const [net, lengthText] = prefix.split("/") as [string, string];
  const a = addressBytes(address);
  const n = addressBytes(net);
  if (a.length !== n.length) return false;
  let bits = Number(lengthText);
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (n[i]! & mask)) return false;
  }
  return true;
}

/** The answer to a query: the covering route objects, separated by blank lines. */
export function answer(routes: readonly RouteObject[], query: string): string {
  const address = query.trim();
  let text = "";
  for (const route of routes) {
    let hit = false;
    try {
      hit = covers(route.prefix, address);
    } catch {
      hit = false;
    }
    if (!hit) continue;
    const key = route.prefix.includes(":") ? "route6" : "route";
    text += `${key}:${" ".repeat(Math.max(1, 12 - key.length))}${route.prefix}\n` +
      `descr:       hopwise lab\norigin:      ${route.origin}\nsource:      LAB\n\n`;
  }
  return text;
}

if (import.meta.main) {
  const [hostname, port, json] = Deno.args as [string, string, string];
  const routes: RouteObject[] = JSON.parse(json);
  const listener = Deno.listen({ hostname, port: Number(port) });
  console.log("ready");
  for await (const connection of listener) {
    (async () => {
      const reader = connection.readable.getReader();
      let query = "";
      while (!query.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        query += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      await connection.write(new TextEncoder().encode(answer(routes, query)));
      connection.close();
    })().catch(() => {});
  }
}
