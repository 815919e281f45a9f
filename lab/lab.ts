/**
 * Throw-away network labs for hopwise's integration tests, benchmark and demo.
 *
 * A {@linkcode Lab} builds topologies out of Linux network namespaces joined by
 * veth pairs. It needs root and iproute2, ethtool, util-linux (setpriv) and
 * iptables; {@linkcode labSupport} says whether they are there.
 *
 * Safety rules the lab keeps:
 *
 * - Packets are only ever sent from inside the lab's own namespaces.
 * - Only addresses from 198.18.0.0/15 and 2001:db8::/32 are accepted for
 *   interfaces, routes and hosts entries, and routes must lie inside those
 *   ranges, so no default route can be added and nothing else is routable.
 * - Namespace names are `<prefix>-<creator pid>-<random>-<node>`. A lab removes
 *   all of them (and their `/etc/netns/<ns>` directories) when destroyed, when
 *   the process exits or fails, and on SIGINT/SIGTERM (then exits with 130/143).
 *   {@linkcode Lab.create} first removes namespaces of its prefix whose creator
 *   process is dead, and never touches any other namespace.
 * - The kernel's ICMP rate limits are lifted on every node unless asked not to.
 *   On this kernel (6.18) `net.ipv4.icmp_ratelimit`, `net.ipv6.icmp.ratelimit`,
 *   `net.ipv4.icmp_msgs_per_sec` and `net.ipv4.icmp_msgs_burst` are all
 *   per network namespace (verified: writing them inside a namespace leaves
 *   the root namespace's values unchanged, and a new namespace starts from the
 *   kernel defaults 1000, 100, 1000 and 50). The one ICMP limiter that stays
 *   global is the one for route-type rejections (`ip route add unreachable` /
 *   `prohibit`, answered by the kernel's `ip_error`): it is governed by
 *   `net.ipv4.route.error_cost` / `error_burst`, which exist only in the root
 *   namespace (5 answers per source, then one per second). The lab therefore
 *   never relies on route-type rejections for IPv4; topologies use netfilter
 *   REJECT, which is limited only by the per-namespace settings above.
 *
 * @example
 * ```ts ignore
 * await using lab = await Lab.create();
 * await lab.addNode("a");
 * await lab.addNode("b");
 * await lab.link("a", "b", { v4: ["198.18.1.1/24", "198.18.1.2/24"] });
 * const { stdout } = await lab.exec("a", ["ping", "-c1", "198.18.1.2"]);
 * ```
 *
 * @module
 */

/** Result of a command run inside a lab node. */
export interface ExecResult {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** Everything the command wrote to standard output. */
  stdout: string;
  /** Everything the command wrote to standard error. */
  stderr: string;
}

/** Options for {@linkcode Lab.exec}. */
export interface ExecOptions {
  /** Run as this uid and gid (e.g. 65534) with no supplementary groups. */
  user?: number;
  /** Text fed to the command's standard input (otherwise stdin is empty). */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Aborting kills the command. */
  signal?: AbortSignal;
}

/** Options for {@linkcode Lab.spawn}. Standard streams default to `"null"`. */
export interface SpawnOptions {
  /** Run as this uid and gid (e.g. 65534) with no supplementary groups. */
  user?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How to connect standard input. */
  stdin?: "piped" | "inherit" | "null";
  /** How to connect standard output. */
  stdout?: "piped" | "inherit" | "null";
  /** How to connect standard error. */
  stderr?: "piped" | "inherit" | "null";
}

/** Options for {@linkcode Lab.create}. */
export interface LabOptions {
  /**
   * Namespace name prefix: a lowercase letter then up to 11 lowercase letters
   * or digits. Defaults to `"hwl"`.
   */
  prefix?: string;
}

/** Options for {@linkcode Lab.addNode}. */
export interface NodeOptions {
  /** Turn IPv4 and IPv6 forwarding on. */
  router?: boolean;
  /** Keep the kernel's default ICMP rate limits on this node. */
  keepIcmpRateLimit?: boolean;
}

/** Addresses for the two ends of a {@linkcode Lab.link}, as CIDR strings. */
export interface LinkOptions {
  /** IPv4 addresses for end a and end b, e.g. `["198.18.1.1/30", "198.18.1.2/30"]`. */
  v4?: [string, string];
  /** IPv6 addresses for end a and end b, e.g. `["2001:db8:0:1::1/64", "2001:db8:0:1::2/64"]`. */
  v6?: [string, string];
}

/** The interface names a {@linkcode Lab.link} created, one in each node. */
export interface LinkResult {
  /** Interface name in node a (eth0, eth1, ... in order of creation). */
  ifA: string;
  /** Interface name in node b. */
  ifB: string;
}

/** Error thrown when a command the lab runs fails. */
export class LabCommandError extends Error {
  /** The command line that failed. */
  readonly argv: readonly string[];
  /** Its exit code. */
  readonly code: number;
  /** What it wrote to standard error. */
  readonly stderr: string;

  /** Builds the error from the failed command line and its result. */
  constructor(argv: readonly string[], code: number, stderr: string, context = "command") {
    const shown = argv.map((a) => a.length > 80 ? `${a.slice(0, 77)}...` : a).join(" ");
    super(`lab ${context} failed (exit ${code}): ${shown}\n${stderr.trim()}`);
    this.name = "LabCommandError";
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

const DEFAULT_PREFIX = "hwl";
const NETNS_RUN_DIR = "/var/run/netns";
const NETNS_ETC_DIR = "/etc/netns";
const RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
const HOSTS_HEADER = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
/** High enough that the global ICMP token bucket never runs dry in a test. */
const ICMP_MSGS = 1_000_000;
/** First interface index handed out; see {@linkcode Lab.link} for why indices are set. */
const FIRST_IFINDEX = 100;
const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];
const REQUIRED_TOOLS: ReadonlyArray<[tool: string, pkg: string]> = [
  ["sh", "a POSIX shell"],
  ["ip", "iproute2"],
  ["ethtool", "ethtool"],
  ["setpriv", "util-linux"],
  ["iptables", "iptables"],
  ["ip6tables", "iptables"],
  ["iptables-restore", "iptables"],
  ["ip6tables-restore", "iptables"],
];

const decoder = new TextDecoder();
const encoder = new TextEncoder();

// ---------------------------------------------------------------------------
// Addresses

const V4_LAB = 0xc612_0000; // 198.18.0.0/15
const V4_LAB_BITS = 15;
const V6_LAB = 0x2001_0db8n; // 2001:db8::/32, top 32 bits
const V6_LAB_BITS = 32;

function parseV4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const split = (part: string | undefined): string[] => part ? part.split(":") : [];
  const head = split(halves[0]);
  const tail = split(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const group of [...head, ...Array<string>(missing).fill("0"), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/**
 * Whether `address` (no prefix length) is an address the lab may use:
 * inside 198.18.0.0/15 or 2001:db8::/32.
 */
export function isLabAddress(address: string): boolean {
  const v4 = parseV4(address);
  const v4Shift = 2 ** (32 - V4_LAB_BITS);
  if (v4 !== null) return Math.floor(v4 / v4Shift) === V4_LAB / v4Shift;
  const v6 = parseV6(address);
  return v6 !== null && v6 >> BigInt(128 - V6_LAB_BITS) === V6_LAB;
}

interface Cidr {
  family: 4 | 6;
  address: string;
  length: number;
}

function parseCidr(text: string, what: string): Cidr {
  const match = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  const address = match?.[1];
  const length = Number(match?.[2]);
  if (address === undefined) {
    throw new Error(`${what}: expected CIDR like 198.18.1.1/24, got ${text}`);
  }
  const family = parseV4(address) !== null ? 4 : parseV6(address) !== null ? 6 : null;
  if (family === null) throw new Error(`${what}: not an IP address: ${text}`);
  const minLength = family === 4 ? V4_LAB_BITS : V6_LAB_BITS;
  if (length < minLength || length > (family === 4 ? 32 : 128) || !isLabAddress(address)) {
    throw new Error(`${what}: ${text} is not inside 198.18.0.0/15 or 2001:db8::/32`);
  }
  return { family, address, length };
}

function checkLabAddress(address: string, what: string): 4 | 6 {
  if (!isLabAddress(address)) {
    throw new Error(`${what}: ${address} is not an address inside 198.18.0.0/15 or 2001:db8::/32`);
  }
  return address.includes(":") ? 6 : 4;
}

// ---------------------------------------------------------------------------
// Running commands

function toolPath(): string {
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  const dirs = path.split(":");
  return [...dirs, ...SBIN_DIRS.filter((d) => !dirs.includes(d))].join(":");
}

function findTool(tool: string): boolean {
  for (const dir of toolPath().split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
}

async function run(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ExecResult> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PATH: toolPath(), ...options.env },
    ...(options.signal ? { signal: options.signal } : {}),
  }).spawn();
  let writing = Promise.resolve();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    writing = writer.write(encoder.encode(options.stdin))
      .then(() => writer.close())
      .catch(() => {
        // The command exited without reading all of its input; its exit code tells.
      });
  }
  const output = await child.output();
  await writing;
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function runOk(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
  context?: string,
): Promise<ExecResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new LabCommandError([cmd, ...args], result.code, result.stderr, context);
  }
  return result;
}

function userArgs(user: number | undefined): string[] {
  if (user === undefined) return [];
  if (!Number.isInteger(user) || user < 0 || user > 0xffff_fffe) {
    throw new Error(`invalid uid ${user}`);
  }
  return ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", "--"];
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    id = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(id) };
}

// ---------------------------------------------------------------------------
// Namespace removal (shared by destroy, the stale sweep and exit handlers)

/**
 * Shell script: for each namespace argument, kill whatever still runs in it
 * (only ever lab namespaces are passed), delete it and its /etc/netns dir.
 */
const REMOVE_SCRIPT = `rc=0
for ns in "$@"; do
  if [ -e "${NETNS_RUN_DIR}/$ns" ]; then
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then kill -9 $pids 2>/dev/null || true; fi
    ip netns delete "$ns" || rc=1
  fi
  rm -rf "${NETNS_ETC_DIR}/$ns" || rc=1
done
exit $rc`;

async function removeNamespaces(names: readonly string[], strict = true): Promise<void> {
  if (names.length === 0) return;
  const args = ["-c", REMOVE_SCRIPT, "sh", ...names];
  if (strict) await runOk("sh", args, {}, "namespace removal");
  // A concurrent sweep in another process may remove the same names first.
  else await run("sh", args);
}

function removeNamespacesSync(names: readonly string[]): void {
  if (names.length === 0) return;
  try {
    new Deno.Command("sh", {
      args: ["-c", REMOVE_SCRIPT, "sh", ...names],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      env: { PATH: toolPath() },
    }).outputSync();
  } catch {
    // Best effort at exit; the next Lab.create() sweeps what is left.
  }
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function listDir(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

/**
 * Names of namespaces (or leftover /etc/netns dirs) carrying `prefix` whose
 * creator process is no longer alive.
 */
function staleNames(prefix: string): string[] {
  const pattern = new RegExp(`^${prefix}-(\\d+)-`);
  const names = new Set([...listDir(NETNS_RUN_DIR), ...listDir(NETNS_ETC_DIR)]);
  return [...names].filter((name) => {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    return Number.isInteger(pid) && pid !== Deno.pid && !pidAlive(pid);
  });
}

// ---------------------------------------------------------------------------
// Cleanup on exit and on signals

const liveLabs = new Map<Lab, () => void>();
let exiting = false;

function destroyAllSync(): void {
  for (const [lab, destroySync] of [...liveLabs]) {
    destroySync();
    unregister(lab);
  }
}

async function cleanUpAndExit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const timeout = delay(10_000);
  await Promise.race([
    Promise.allSettled([...liveLabs.keys()].map((lab) => lab.destroy())),
    timeout.promise,
  ]);
  timeout.cancel();
  Deno.exit(code); // runs the unload listener, which handles anything left
}

const onSigint = (): void => void cleanUpAndExit(130);
const onSigterm = (): void => void cleanUpAndExit(143);
const onExit = (): void => destroyAllSync();
/**
 * Uncaught errors clean up at once, except while a signal's cleanup runs:
 * then they are the lab operations it interrupted, and are swallowed so the
 * process still exits with 130/143.
 */
const onError = (event: Event): void => {
  if (exiting) event.preventDefault();
  else destroyAllSync();
};

function register(lab: Lab, destroySync: () => void): void {
  if (liveLabs.size === 0) {
    try {
      Deno.addSignalListener("SIGINT", onSigint);
      Deno.addSignalListener("SIGTERM", onSigterm);
    } catch {
      // Signals unsupported here; exit listeners still clean up.
    }
    globalThis.addEventListener("unload", onExit);
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onError);
  }
  liveLabs.set(lab, destroySync);
}

function unregister(lab: Lab): void {
  // While a signal's cleanup runs the listeners stay, until the process exits.
  if (!liveLabs.delete(lab) || liveLabs.size > 0 || exiting) return;
  try {
    Deno.removeSignalListener("SIGINT", onSigint);
    Deno.removeSignalListener("SIGTERM", onSigterm);
  } catch {
    // never added
  }
  globalThis.removeEventListener("unload", onExit);
  globalThis.removeEventListener("error", onError);
  globalThis.removeEventListener("unhandledrejection", onError);
}

// ---------------------------------------------------------------------------
// Support check

/**
 * Whether labs can be built here: `null` when they can, otherwise a one-line
 * reason such as `"needs root"` or `"needs iproute2 (ip)"`.
 */
export function labSupport(): string | null {
  if (Deno.build.os !== "linux") return "needs Linux";
  const permissions: ReadonlyArray<[Deno.PermissionDescriptor, string]> = [
    [{ name: "run" }, "--allow-run"],
    [{ name: "read" }, "--allow-read"],
    [{ name: "write" }, "--allow-write"],
    [{ name: "env" }, "--allow-env"],
    [{ name: "sys" }, "--allow-sys"],
  ];
  for (const [descriptor, flag] of permissions) {
    if (Deno.permissions.querySync(descriptor).state !== "granted") return `needs ${flag}`;
  }
  if (Deno.uid() !== 0) return "needs root";
  for (const [tool, pkg] of REQUIRED_TOOLS) {
    if (!findTool(tool)) return `needs ${pkg} (${tool})`;
  }
  try {
    Deno.statSync("/proc/self/ns/net");
  } catch {
    return "needs network namespace support";
  }
  return null;
}

// ---------------------------------------------------------------------------
// The lab

interface Spawned {
  child: Deno.ChildProcess;
  stdout: boolean;
  stderr: boolean;
}

function nodeScript(options: NodeOptions): string {
  const settings: Array<[string, number]> = [
    // IPv6 addresses usable at once, on every interface created later too.
    ["net/ipv6/conf/all/accept_dad", 0],
    ["net/ipv6/conf/default/accept_dad", 0],
    ["net/ipv6/conf/all/dad_transmits", 0],
    ["net/ipv6/conf/default/dad_transmits", 0],
    // No router solicitations: keeps packet captures in the lab quiet.
    ["net/ipv6/conf/default/router_solicitations", 0],
  ];
  if (options.router) {
    settings.push(
      ["net/ipv4/ip_forward", 1],
      ["net/ipv6/conf/all/forwarding", 1],
      ["net/ipv6/conf/default/forwarding", 1],
    );
  }
  if (!options.keepIcmpRateLimit) {
    // All four are per network namespace on this kernel; see the module doc.
    settings.push(
      ["net/ipv4/icmp_ratelimit", 0],
      ["net/ipv6/icmp/ratelimit", 0],
      ["net/ipv4/icmp_msgs_per_sec", ICMP_MSGS],
      ["net/ipv4/icmp_msgs_burst", ICMP_MSGS],
    );
  }
  return [
    ...settings.map(([key, value]) => `echo ${value} > /proc/sys/${key}`),
    "ip link set lo up",
  ].join("\n");
}

function linkEndScript(ifname: string, addresses: readonly string[]): string {
  const ipCommands = [
    ...addresses.map((a) => `addr add ${a} dev ${ifname}${a.includes(":") ? " nodad" : ""}`),
    `link set ${ifname} up`,
  ];
  // Wait until the kernel has processed the carrier change: operstate up and
  // IPv6 configured (a link-local address exists), so the first probes that a
  // test sends are neither dropped nor delayed by neighbour discovery.
  return `ip -batch - <<'EOF'
${ipCommands.join("\n")}
EOF
ethtool -K ${ifname} tx off >/dev/null
n=0
while :; do
  read -r state < /sys/class/net/${ifname}/operstate
  if [ "$state" = up ] && grep -q '^fe80.* ${ifname}$' /proc/net/if_inet6; then break; fi
  n=$((n + 1))
  if [ $n -ge 2500 ]; then echo "${ifname} did not come up (operstate $state)" >&2; exit 1; fi
  sleep 0.002
done`;
}

function hostsText(lines: ReadonlyArray<readonly [string, string]>): string {
  return HOSTS_HEADER + lines.map(([address, name]) => `${address}\t${name}\n`).join("");
}

/**
 * A throw-away topology of network namespaces. Create with
 * {@linkcode Lab.create}, tear down with {@linkcode Lab.destroy} or
 * `await using`.
 */
export class Lab {
  /** The namespace name prefix of this lab. */
  readonly prefix: string;
  /** Common stem of this lab's namespace names: `<prefix>-<pid>-<random>`. */
  readonly id: string;
  /** Node name to namespace name, for every node added so far. */
  readonly names: ReadonlyMap<string, string>;

  readonly #names = new Map<string, string>();
  readonly #interfaceCount = new Map<string, number>();
  readonly #spawned: Spawned[] = [];
  #nextIfindex = FIRST_IFINDEX;
  #destroying: Promise<void> | undefined;

  private constructor(prefix: string, id: string) {
    this.prefix = prefix;
    this.id = id;
    this.names = this.#names;
  }

  /**
   * Makes an empty lab. First removes namespaces (and /etc/netns dirs) named
   * with the same prefix whose creator process is dead. Throws when
   * {@linkcode labSupport} reports a problem.
   */
  static async create(options: LabOptions = {}): Promise<Lab> {
    const unsupported = labSupport();
    if (unsupported !== null) throw new Error(`cannot build a lab: ${unsupported}`);
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (!/^[a-z][a-z0-9]{0,11}$/.test(prefix)) {
      throw new Error(`invalid lab prefix ${JSON.stringify(prefix)}: use [a-z][a-z0-9]{0,11}`);
    }
    await removeNamespaces(staleNames(prefix), false);
    const random = crypto.getRandomValues(new Uint8Array(3));
    const token = [...random].map((b) => b.toString(16).padStart(2, "0")).join("");
    const lab = new Lab(prefix, `${prefix}-${Deno.pid}-${token}`);
    register(lab, () => lab.#destroySync());
    return lab;
  }

  /** Whether {@linkcode Lab.destroy} has been called. */
  get destroyed(): boolean {
    return this.#destroying !== undefined;
  }

  /** The namespace name of `node`; throws for an unknown node. */
  ns(node: string): string {
    const ns = this.#names.get(node);
    if (ns === undefined) throw new Error(`no lab node named ${JSON.stringify(node)}`);
    return ns;
  }

  /**
   * Adds a node: a namespace with /etc/netns/<ns>/hosts and resolv.conf
   * (nameserver 127.0.0.1, so reverse lookups fail fast inside the lab), lo
   * up, IPv6 duplicate address detection off, and the ICMP rate limits
   * lifted unless `keepIcmpRateLimit`. Routers forward IPv4 and IPv6.
   * Names: a letter or digit then letters, digits, `_`, `.` or `-`, at most 32.
   */
  async addNode(name: string, options: NodeOptions = {}): Promise<void> {
    this.#assertUsable();
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(name)) {
      throw new Error(`invalid node name ${JSON.stringify(name)}`);
    }
    if (this.#names.has(name)) throw new Error(`lab node ${name} already exists`);
    const ns = `${this.id}-${name}`;
    this.#names.set(name, ns);
    this.#interfaceCount.set(name, 0);
    let failed = false;
    let failure: unknown;
    try {
      // The files must exist before the first `ip netns exec` into the namespace.
      const dir = `${NETNS_ETC_DIR}/${ns}`;
      await Deno.mkdir(dir, { recursive: true });
      await Promise.all([
        Deno.writeTextFile(`${dir}/hosts`, hostsText([])),
        Deno.writeTextFile(`${dir}/resolv.conf`, RESOLV_CONF),
      ]);
      const script = 'ip netns add "$1" && exec ip netns exec "$1" sh -ec "$2"';
      await runOk("sh", ["-c", script, "sh", ns, nodeScript(options)], {}, `addNode(${name})`);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (this.#destroying !== undefined) {
      // Destroyed meanwhile: what this call made may postdate the teardown.
      await this.#destroying.catch(() => {});
      await removeNamespaces([ns], false);
      throw new Error(`lab destroyed while adding node ${name}`);
    }
    if (failed) throw failure;
  }

  /**
   * Joins nodes `a` and `b` with a veth pair created directly in both
   * namespaces. Interfaces are named eth0, eth1, ... per node in order of
   * creation. Addresses are CIDR strings inside the lab ranges. Transmit
   * checksum offload is turned off on both ends, both are brought up, and the
   * call returns once both are operationally up with IPv6 configured.
   *
   * Every interface of the lab gets its own ifindex: when both ends of a veth
   * pair share an ifindex (likely in fresh namespaces) the kernel treats the
   * carrier change as non-urgent and delays it up to a second, which delays
   * the first IPv6 neighbour discovery by a second.
   */
  async link(a: string, b: string, options: LinkOptions): Promise<LinkResult> {
    this.#assertUsable();
    if (a === b) throw new Error(`cannot link node ${a} to itself`);
    const nsA = this.ns(a);
    const nsB = this.ns(b);
    const addressesA: string[] = [];
    const addressesB: string[] = [];
    for (const [family, pair] of [[4, options.v4], [6, options.v6]] as const) {
      if (pair === undefined) continue;
      for (const [i, cidr] of pair.entries()) {
        if (parseCidr(cidr, "link address").family !== family) {
          throw new Error(`link address ${cidr} given as IPv${family}`);
        }
        (i === 0 ? addressesA : addressesB).push(cidr);
      }
    }
    // Allocate names and indices before the first await, so concurrent calls
    // number interfaces in call order.
    const ifA = this.#nextInterface(a);
    const ifB = this.#nextInterface(b);
    const indexA = this.#nextIfindex++;
    const indexB = this.#nextIfindex++;
    await runOk("ip", [
      "link",
      "add",
      ifA,
      "index",
      String(indexA),
      "netns",
      nsA,
      "type",
      "veth",
      "peer",
      "name",
      ifB,
      "index",
      String(indexB),
      "netns",
      nsB,
    ]);
    await Promise.all([
      runOk(
        "ip",
        ["netns", "exec", nsA, "sh", "-ec", linkEndScript(ifA, addressesA)],
        {},
        `link ${a}`,
      ),
      runOk(
        "ip",
        ["netns", "exec", nsB, "sh", "-ec", linkEndScript(ifB, addressesB)],
        {},
        `link ${b}`,
      ),
    ]);
    return { ifA, ifB };
  }

  /**
   * Adds (or replaces) a route to `prefix` via `via` on `node`. The family
   * follows the addresses; both must be inside the lab ranges, so a default
   * route cannot be added.
   */
  async route(node: string, prefix: string, via: string): Promise<void> {
    await this.routes(node, [[prefix, via]]);
  }

  /** Like {@linkcode Lab.route} for several routes, in one process. */
  async routes(
    node: string,
    routes: ReadonlyArray<readonly [prefix: string, via: string]>,
  ): Promise<void> {
    this.#assertUsable();
    const ns = this.ns(node);
    const lines = routes.map(([prefix, via]) => {
      const { family } = parseCidr(prefix, "route prefix");
      if (checkLabAddress(via, "route gateway") !== family) {
        throw new Error(`route ${prefix} via ${via}: address families differ`);
      }
      return `route replace ${prefix} via ${via}`;
    });
    if (lines.length === 0) return;
    await runOk(
      "ip",
      ["-n", ns, "-batch", "-"],
      { stdin: lines.join("\n") + "\n" },
      `routes on ${node}`,
    );
  }

  /**
   * Runs `argv` inside `node` (via `ip netns exec`) and collects its output.
   * With `user`, drops to that uid and gid with
   * `setpriv --reuid=N --regid=N --clear-groups` inside the namespace.
   * Does not throw when the command fails; see {@linkcode Lab.sh} for that.
   */
  async exec(
    node: string,
    argv: readonly string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    this.#assertUsable();
    if (argv.length === 0) throw new Error("exec: empty argv");
    const runOptions: RunOptions = {};
    if (options.stdin !== undefined) runOptions.stdin = options.stdin;
    if (options.env !== undefined) runOptions.env = options.env;
    if (options.signal !== undefined) runOptions.signal = options.signal;
    return await run(
      "ip",
      ["netns", "exec", this.ns(node), ...userArgs(options.user), ...argv],
      runOptions,
    );
  }

  /**
   * Runs a shell script (`sh -ec`, so it stops at the first failing command)
   * inside `node`. Returns its standard output; throws a
   * {@linkcode LabCommandError} carrying standard error when it fails.
   */
  async sh(node: string, script: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(node, ["sh", "-ec", script], options);
    if (result.code !== 0) {
      throw new LabCommandError(
        ["sh", "-ec", script],
        result.code,
        result.stderr,
        `script on ${node}`,
      );
    }
    return result.stdout;
  }

  /**
   * Starts a long-running process inside `node`. Its streams default to
   * `"null"`; pass `"piped"` to read them. {@linkcode Lab.destroy} kills it
   * (SIGTERM, then SIGKILL after half a second) and cancels unread piped
   * output streams.
   */
  spawn(node: string, argv: readonly string[], options: SpawnOptions = {}): Deno.ChildProcess {
    this.#assertUsable();
    if (argv.length === 0) throw new Error("spawn: empty argv");
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", this.ns(node), ...userArgs(options.user), ...argv],
      stdin: options.stdin ?? "null",
      stdout: options.stdout ?? "null",
      stderr: options.stderr ?? "null",
      env: { PATH: toolPath(), ...options.env },
    }).spawn();
    this.#spawned.push({
      child,
      stdout: options.stdout === "piped",
      stderr: options.stderr === "piped",
    });
    return child;
  }

  /**
   * Writes /etc/netns/<ns>/hosts for `node` (seen as /etc/hosts by commands
   * started afterwards): the localhost lines, then one line per entry.
   * Addresses must be inside the lab ranges. Names must be host names,
   * unless `options.hostile` allows any characters but whitespace and `#`
   * (to test how names with control characters are printed).
   */
  async setHosts(
    node: string,
    lines: ReadonlyArray<readonly [address: string, name: string]>,
    options: { hostile?: boolean } = {},
  ): Promise<void> {
    this.#assertUsable();
    const ns = this.ns(node);
    const valid = options.hostile ? /^[^\s#]+$/ : /^[A-Za-z0-9][A-Za-z0-9.-]*$/;
    for (const [address, name] of lines) {
      checkLabAddress(address, "hosts entry");
      if (!valid.test(name)) {
        throw new Error(`invalid host name ${JSON.stringify(name)}`);
      }
    }
    await Deno.writeTextFile(`${NETNS_ETC_DIR}/${ns}/hosts`, hostsText(lines));
  }

  /**
   * Tears the lab down: kills spawned processes, deletes every namespace and
   * /etc/netns dir it made. Idempotent; later calls return the same promise.
   */
  destroy(): Promise<void> {
    this.#destroying ??= this.#destroy();
    return this.#destroying;
  }

  /** Same as {@linkcode Lab.destroy}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }

  #assertUsable(): void {
    if (this.#destroying !== undefined) throw new Error("lab already destroyed");
  }

  #nextInterface(node: string): string {
    const count = this.#interfaceCount.get(node) ?? 0;
    this.#interfaceCount.set(node, count + 1);
    return `eth${count}`;
  }

  async #destroy(): Promise<void> {
    try {
      await Promise.all(this.#spawned.map((spawned) => stopChild(spawned)));
      await removeNamespaces([...this.#names.values()]);
    } finally {
      unregister(this);
    }
  }

  #destroySync(): void {
    this.#destroying ??= Promise.resolve();
    for (const { child } of this.#spawned) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    removeNamespacesSync([...this.#names.values()]);
  }
}

async function stopChild({ child, stdout, stderr }: Spawned): Promise<void> {
  const kill = (signal: Deno.Signal): void => {
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  kill("SIGTERM");
  const grace = delay(500);
  const exited = await Promise.race([
    child.status.then(() => true),
    grace.promise.then(() => false),
  ]);
  grace.cancel();
  if (!exited) kill("SIGKILL");
  await child.status;
  for (
    const [piped, stream] of [[stdout, () => child.stdout], [stderr, () => child.stderr]] as const
  ) {
    if (!piped) continue;
    const readable = stream();
    if (!readable.locked) await readable.cancel().catch(() => {});
  }
}
