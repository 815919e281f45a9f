/**
 * AS path lookups for `-A`: ask a routing registry's whois server (RADb by
 * default) for the route objects covering an address, and take the origin
 * of the most specific ones, as Linux traceroute's get_as_path does.
 *
 * @module
 */
import { ResolveError } from "../core/errors.ts";
import { servicePort } from "./netdb.ts";
import type { Resolver } from "./resolver.ts";

/** What Linux traceroute keeps of an answer: 511 characters. */
const MAX_PATH = 511;

/**
 * The AS path from a whois answer, exactly as get_as_path builds it: each
 * `route:` / `route6:` line sets the prefix length that the next `origin:`
 * belongs to; a longer prefix replaces the result, an equal one appends
 * `/origin` unless the origin already stands in it (found by substring,
 * followed by the end or a `/`). `*` when no origin is taken.
 */
export function asPathFromWhois(answer: string): string {
  let result = "*";
  let taken = false;
  let prefix = 0;
  let best = 0;
  for (const raw of answer.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.startsWith("route:") || line.startsWith("route6:")) {
      const slash = line.indexOf("/");
      prefix = slash === -1 ? 0 : Number(/^\d*/.exec(line.slice(slash + 1))![0] || 0);
    } else if (line.startsWith("origin:")) {
      const origin = /^\S*/.exec(line.slice("origin:".length).trimStart())![0];
      if (prefix > best) {
        best = prefix;
        result = origin;
        taken = true;
      } else if (prefix === best) {
        const at = taken ? result.indexOf(origin) : -1;
        const after = at === -1 ? "" : result[at + origin.length];
        if (at === -1 || (after !== undefined && after !== "/")) {
          result = taken ? `${result}/${origin}` : origin;
          taken = true;
        }
      }
      result = result.slice(0, MAX_PATH);
    }
  }
  return result;
}

/** A whois client (its answers are cached by the caller, hop_lookups.ts). */
export class WhoisClient {
  #server: string;
  #service: string;
  #resolver: Resolver;
  #endpoint: Promise<{ hostname: string; port: number }> | null = null;

  /**
   * A client for `server` (name or address) and `service` (name or port
   * number), resolving the server through `resolver`.
   */
  constructor(server: string, service: string, resolver: Resolver) {
    this.#server = server;
    this.#service = service;
    this.#resolver = resolver;
  }

  /**
   * Resolves the server once. Failure is fatal, as in Linux traceroute.
   *
   * @throws {ResolveError} named `server/service`
   */
  endpoint(): Promise<{ hostname: string; port: number }> {
    this.#endpoint ??= (async () => {
      const name = `${this.#server}/${this.#service}`;
      const port = /^\d+$/.test(this.#service) ? Number(this.#service) : servicePort(this.#service);
      if (port === null || port > 65535) {
        throw new ResolveError(name, "Servname not supported for ai_socktype");
      }
      try {
        const { address } = await this.#resolver.lookupHost(this.#server, 0);
        return { hostname: address, port };
      } catch (e) {
        if (e instanceof ResolveError) throw new ResolveError(name, e.reason);
        throw e;
      }
    })();
    return this.#endpoint;
  }

  /**
   * Asks the server for the AS path of `address`: `AS...`, or `*` when it
   * knows no origin. Gives up when `signal` aborts (the caller's deadline:
   * hop_lookups.ts gives whois 10 s).
   *
   * @throws {Error} when the server cannot be asked, or `signal` aborted (shown as `!!`)
   */
  async ask(address: string, signal: AbortSignal): Promise<string> {
    const { hostname, port } = await this.endpoint();
    let connection: Deno.TcpConn | null = null;
    let stopped = false;
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        stopped = true;
        try {
          connection?.close();
        } catch {
          // Already closed.
        }
        reject(new Error("whois: no answer in time"));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    const connecting = Deno.connect({ hostname, port });
    // A connection that completes after the deadline is closed at once.
    connecting.then((c) => stopped && c.close(), () => {});
    try {
      connection = await Promise.race([connecting, aborted]);
      await Promise.race([connection.write(new TextEncoder().encode(`${address}\r\n`)), aborted]);
      const answer = await Promise.race([new Response(connection.readable).text(), aborted]);
      connection = null; // reading to the end closed it
      return asPathFromWhois(answer);
    } finally {
      signal.removeEventListener("abort", onAbort);
      try {
        connection?.close();
      } catch {
        // Already closed.
      }
    }
  }
}
