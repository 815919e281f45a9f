/**
 * Run by leak_test.ts inside a lab namespace: traces `target` many times in
 * this one process, through every method and through the paths that end
 * early (an abort mid-trace, a failing bind, a breaking consumer), and
 * prints the open descriptors and the JavaScript heap after a warm-up and
 * after each of two equal stretches of traces, as JSON.
 *
 * Usage: leak_child.ts <mod.ts> <IPv4 target> <IPv6 target> <warm-up rounds> <rounds>
 */
import type * as Hopwise from "../../mod.ts";

const [modPath, target4, target6, warmupText, roundsText] = Deno.args;
const { trace, traceAll } = (await import(modPath!)) as typeof Hopwise;
const warmup = Number(warmupText);
const rounds = Number(roundsText);
const gc = (globalThis as { gc?: () => void }).gc;

const quick = { resolveNames: false, queries: 1, maxHops: 4, wait: { max: 500 } };

async function round(): Promise<void> {
  for (const method of ["default", "udp", "icmp", "tcp", "tcpconn", "raw"] as const) {
    for (const target of [target4!, target6!]) {
      await traceAll(target, { ...quick, method });
    }
  }
  // Aborted after the first hop.
  const stop = new AbortController();
  const events = trace(target4!, { ...quick, signal: stop.signal });
  for await (const event of events) {
    if (event.type === "hop") stop.abort();
  }
  // The consumer stops reading after the first hop (return() on the generator).
  for await (const event of trace(target6!, { ...quick, method: "icmp" })) {
    if (event.type === "hop") break;
  }
  // Opening fails after some sockets exist: a source address that is not local.
  try {
    await traceAll(target4!, { ...quick, source: "198.18.250.1" });
    throw new Error("a foreign source address was accepted");
  } catch (e) {
    if (!(e instanceof Error) || !("code" in e) || e.code !== "EADDRNOTAVAIL") throw e;
  }
}

/**
 * The descriptors hopwise could leak, as "fd:target": everything but
 * unix-domain sockets and anonymous inodes, which hopwise never opens and
 * the runtime opens lazily (a socketpair appears once, after some thousand
 * traces, and stays).
 */
function descriptors(): string[] {
  const unix = new Set(
    Deno.readTextFileSync("/proc/self/net/unix").split("\n").slice(1)
      .map((line) => line.trim().split(/\s+/)[6]).filter((inode) => inode !== undefined),
  );
  const out: string[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    let target;
    try {
      target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
    } catch {
      continue; // the descriptor readDirSync itself used, closed by now
    }
    const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
    if ((inode && unix.has(inode)) || target.startsWith("anon_inode:")) continue;
    out.push(`${entry.name}:${target}`);
  }
  return out.sort();
}

function measure(): { fds: string[]; heap: number } {
  gc?.();
  return { fds: descriptors(), heap: Deno.memoryUsage().heapUsed };
}

// Warm up (JIT, caches that fill once), then two equal stretches.
for (let i = 0; i < warmup; i++) await round();
const start = measure();
for (let i = 0; i < rounds; i++) await round();
const middle = measure();
for (let i = 0; i < rounds; i++) await round();
const end = measure();
console.log(
  JSON.stringify({ start, middle, end, tracesPerStretch: rounds * 15, gc: gc !== undefined }),
);
