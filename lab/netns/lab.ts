/**
 * The {@linkcode Lab} class: a throw-away topology of network namespaces
 * (see lab/lab.ts, which re-exports it, for the safety rules it keeps).
 *
 * @module
 */

import { checkLabAddress, parseCidr } from "./addresses.ts";
import { type Spawned, stopChild } from "./children.ts";
import { register, unregister } from "./cleanup.ts";
import { LabCommandError, run, runOk, type RunOptions, toolPath, userArgs } from "./command.ts";
import { NETNS_ETC_DIR, removeNamespaces, removeNamespacesSync, staleNames } from "./namespaces.ts";
import { hostsText, linkEndScript, nodeScript, RESOLV_CONF } from "./setup_scripts.ts";
import { labSupport } from "./support.ts";
import type {
  ExecOptions,
  ExecResult,
  LabOptions,
  LinkOptions,
  LinkResult,
  NodeOptions,
  SpawnOptions,
} from "./types.ts";

const DEFAULT_PREFIX = "hwl";
/** First interface index handed out; see {@linkcode Lab.link} for why indices are set. */
const FIRST_IFINDEX = 100;

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
