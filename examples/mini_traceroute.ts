/**
 * A small traceroute built on hopwise's library alone (mod.ts): one line per
 * hop with its responders, how many probes were lost, and the RTT range.
 *
 *   deno run --allow-ffi --allow-net --allow-read examples/mini_traceroute.ts <host> [max_hops]
 *
 * Output, for each hop:
 *
 *   3  198.18.3.2        3/3  0.012 .. 0.051 ms
 *   4  *                 0/3
 *
 * @module
 */
import { PrivilegeError, ResolveError, trace, type TraceEvent } from "../mod.ts";

const [host, maxHops] = Deno.args;
if (!host) {
  console.error("usage: mini_traceroute <host> [max_hops]");
  Deno.exit(2);
}

const stop = new AbortController();
Deno.addSignalListener("SIGINT", () => stop.abort());

let events: AsyncGenerator<TraceEvent>;
try {
  events = trace(host, {
    maxHops: maxHops ? Number(maxHops) : 30,
    resolveNames: false,
    signal: stop.signal,
  });
  for await (const event of events) {
    if (event.type === "start") {
      console.log(`to ${event.target.address} (${event.target.host}), ${event.method} probes`);
    } else if (event.type === "hop") {
      const answered = event.hop.probes.filter((p) => p.address !== null);
      const who = [...new Set(answered.map((p) => p.address))].join(",") || "*";
      const rtts = answered.map((p) => p.rtt!).sort((a, b) => a - b);
      const range = rtts.length ? `  ${rtts[0]!.toFixed(3)} .. ${rtts.at(-1)!.toFixed(3)} ms` : "";
      const notes = [...new Set(answered.map((p) => p.annotation).filter(Boolean))].join(" ");
      console.log(
        `${String(event.hop.ttl).padStart(2)}  ${who.padEnd(16)}  ` +
          `${answered.length}/${event.hop.probes.length}${range}${notes ? ` ${notes}` : ""}`,
      );
    } else if (event.type === "end") {
      console.log(`(${event.reason})`);
    }
  }
} catch (e) {
  if (e instanceof ResolveError || e instanceof PrivilegeError || e instanceof RangeError) {
    console.error(e.message);
    Deno.exit(2);
  }
  throw e;
}
