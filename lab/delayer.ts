/**
 * Latency for lab links without `tc netem`: every packet that leaves a node
 * through a non-loopback interface goes to an NFQUEUE queue, where the small
 * C program `delayer.c` holds it for a fixed time before accepting it.
 *
 * {@linkcode addDelay} builds the program (into `build/delayer`, again only
 * when the source is newer), starts it in the node's namespace with
 * {@linkcode Lab.spawn} (so the lab stops it at teardown) and installs, in
 * that namespace, the rules
 *
 * ```text
 * iptables  -t mangle -A POSTROUTING ! -o lo -j NFQUEUE --queue-num 7 --queue-bypass
 * ip6tables -t mangle -A POSTROUTING -p ipv6-icmp --icmpv6-type neighbour-solicitation -j RETURN
 * ip6tables -t mangle -A POSTROUTING -p ipv6-icmp --icmpv6-type neighbour-advertisement -j RETURN
 * ip6tables -t mangle -A POSTROUTING ! -o lo -j NFQUEUE --queue-num 7 --queue-bypass
 * ```
 *
 * POSTROUTING sees forwarded packets, locally generated ones and ICMP errors
 * alike, so with a delay `d` on every node of a chain the round trip to hop k
 * is 2 × k × d. Neighbour discovery is not delayed, as ARP (not IP) is not:
 * otherwise the first IPv6 packets over each link would take 2 × d longer
 * than the first IPv4 ones.
 *
 * Precision, measured with ping on a 2-vCPU virtual machine: each delayed
 * pass adds about 0.07 to 0.15 ms to `d` (waking the delayer, the netlink
 * round trip and the verdict), so with 10 ms a link hop 4 answers in 80.6 to
 * 80.9 ms and hop 16 in about 323 ms. The release itself is within about
 * 10 µs of its due time on average: the program learns how late its timer
 * wakes, wakes that much earlier and spins the rest, at real-time priority
 * so that a busy machine does not add to the delay.
 *
 * `--queue-bypass` lets packets through undelayed whenever no delayer is
 * bound, and the queue fails open when full, so a dead delayer never
 * blackholes a lab. Queues are per network namespace: each node's delayer
 * binds the same queue number in its own namespace.
 *
 * A packet held on the node that sent it still counts against its socket's
 * send buffer until released, as it would in a qdisc: a sender that sizes
 * its buffer for a few packets (ping does; `ping -l 150` stalls unless given
 * `-S`) sees a full buffer sooner than on a real network.
 *
 * Needs gcc, Debian's libnetfilter-queue-dev and the kernel's
 * nfnetlink_queue; {@linkcode delayReason} says which is missing.
 *
 * @module
 */
import type { Lab } from "./lab.ts";
import { pathExists } from "./netns/command.ts";

const root = new URL("../", import.meta.url);
/** Path of the delayer's C source. */
export const DELAYER_SOURCE: string = decodeURIComponent(
  new URL("lab/delayer.c", root).pathname,
);
/** Path of the built delayer. */
export const DELAYER_PATH: string = decodeURIComponent(new URL("build/delayer", root).pathname);

/** The NFQUEUE queue number the delayer binds in each node's namespace. */
export const DELAYER_QUEUE = 7;

const HEADER = "libnetfilter_queue/libnetfilter_queue.h";
const INCLUDE_DIRS = ["/usr/include", "/usr/local/include"];
const PACKAGE = "libnetfilter-queue-dev";
const CFLAGS = ["-O2", "-Wall", "-Wextra", "-Werror"];
const LIBS = ["-lnetfilter_queue"];
/** How long a delayer may take to bind its queue and say `ready`. */
const READY_TIMEOUT_MS = 5_000;

function mtime(path: string): number | null {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}

function onPath(tool: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":");
  return dirs.some((dir) => dir !== "" && pathExists(`${dir}/${tool}`));
}

/** Whether build/delayer exists and is newer than its source. */
function upToDate(): boolean {
  const built = mtime(DELAYER_PATH);
  const source = mtime(DELAYER_SOURCE);
  return built !== null && source !== null && built > source;
}

function missingBuildTool(): string | null {
  if (!onPath("gcc")) return "needs gcc";
  if (!INCLUDE_DIRS.some((dir) => pathExists(`${dir}/${HEADER}`))) {
    return `needs ${PACKAGE} (${HEADER})`;
  }
  return null;
}

/** Whether the kernel has NFQUEUE support (built in, loaded or loadable). */
function hasNfqueue(): boolean {
  if (
    pathExists("/proc/net/netfilter/nfnetlink_queue") || pathExists("/sys/module/nfnetlink_queue")
  ) {
    return true;
  }
  let release = "";
  try {
    release = Deno.readTextFileSync("/proc/sys/kernel/osrelease").trim();
  } catch {
    return false;
  }
  const modules = `/lib/modules/${release}`;
  try {
    const text = Deno.readTextFileSync(`${modules}/modules.dep`) +
      Deno.readTextFileSync(`${modules}/modules.builtin`);
    return /\/nfnetlink_queue\.ko/.test(text);
  } catch {
    return false;
  }
}

/**
 * Why packet delays cannot be used here (no gcc, no libnetfilter_queue
 * header, no nfnetlink_queue in the kernel), or null when they can. gcc and
 * the header are only needed while build/delayer is missing or older than
 * its source. Lab support itself (root, iproute2, iptables) is
 * {@linkcode labSupport}'s business.
 */
export function delayReason(): string | null {
  if (Deno.build.os !== "linux") return "needs Linux";
  if (!upToDate()) {
    const missing = missingBuildTool();
    if (missing !== null) return missing;
  }
  if (!hasNfqueue()) return "needs the kernel's nfnetlink_queue (NFQUEUE)";
  return null;
}

let building: Promise<string> | undefined;

/**
 * Builds build/delayer from lab/delayer.c unless it is newer than the
 * source; returns its path. Builds at most once per process at a time, and
 * renames the result into place so that concurrent processes never run a
 * half-written binary.
 */
export function buildDelayer(): Promise<string> {
  if (building === undefined) {
    building = build();
    building.catch(() => {
      building = undefined;
    });
  }
  return building;
}

async function build(): Promise<string> {
  if (upToDate()) return DELAYER_PATH;
  const missing = missingBuildTool();
  if (missing !== null) throw new Error(`cannot build the lab delayer: ${missing}`);
  await Deno.mkdir(new URL("build/", root), { recursive: true });
  const temporary = `${DELAYER_PATH}.${Deno.pid}.tmp`;
  const args = [...CFLAGS, "-o", temporary, DELAYER_SOURCE, ...LIBS];
  const result = await new Deno.Command("gcc", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!result.success) {
    await Deno.remove(temporary).catch(() => {});
    const stderr = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`cannot build the lab delayer: gcc ${args.join(" ")} failed\n${stderr}`);
  }
  await Deno.rename(temporary, DELAYER_PATH);
  return DELAYER_PATH;
}

const delayed = new WeakMap<Lab, Set<string>>();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  try {
    return (await new Response(stream).text()).trim();
  } catch {
    return "";
  }
}

/**
 * Waits for `ready` on the delayer's standard output. Resolves true when it
 * came, false when the stream ended first; rejects after the timeout. The
 * stream is left unlocked, so that the lab cancels it at teardown.
 */
async function waitReady(stdout: ReadableStream<Uint8Array>): Promise<boolean> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no 'ready' within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) return false;
      text += decoder.decode(value, { stream: true });
      if (text.split("\n").includes("ready")) return true;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/**
 * Delays every packet leaving `node` through a non-loopback interface by
 * `ms` milliseconds (fractions allowed): forwarded packets, locally
 * generated ones and ICMP errors alike. Starts the delayer in the node's
 * namespace (the lab stops it at teardown), waits until it has bound its
 * queue, then installs the iptables and ip6tables mangle POSTROUTING rules.
 * Once per node.
 */
export async function addDelay(lab: Lab, node: string, ms: number): Promise<void> {
  if (!Number.isFinite(ms) || ms < 0 || ms > 3_600_000) {
    throw new RangeError(`Delay must be 0 to 3600000 ms, got ${ms}`);
  }
  lab.ns(node); // throws for an unknown node
  const nodes = delayed.get(lab) ?? new Set<string>();
  delayed.set(lab, nodes);
  if (nodes.has(node)) throw new Error(`lab node ${node} already has a delay`);
  nodes.add(node);
  const path = await buildDelayer();
  const child = lab.spawn(node, [path, String(DELAYER_QUEUE), String(ms)], {
    stdout: "piped",
    stderr: "piped",
  });
  let ready: boolean;
  try {
    ready = await waitReady(child.stdout);
  } catch (error) {
    throw new Error(`delayer on ${node}: ${(error as Error).message}`);
  }
  if (!ready) {
    const { code } = await child.status;
    const stderr = await readAll(child.stderr);
    throw new Error(`delayer on ${node} exited (${code}) before binding its queue: ${stderr}`);
  }
  const queue = `-A POSTROUTING ! -o lo -j NFQUEUE --queue-num ${DELAYER_QUEUE} --queue-bypass`;
  const nd = ["neighbour-solicitation", "neighbour-advertisement"].map((type) =>
    `-A POSTROUTING -p ipv6-icmp --icmpv6-type ${type} -j RETURN`
  );
  await lab.sh(
    node,
    `iptables-restore --noflush <<'EOF'\n*mangle\n${queue}\nCOMMIT\nEOF\n` +
      `ip6tables-restore --noflush <<'EOF'\n*mangle\n${[...nd, queue].join("\n")}\nCOMMIT\nEOF\n`,
  );
}
