/**
 * The privilege policy, in one place: once every socket of a run is open,
 * the process drops every privilege it has (when asked, and when no socket
 * opened later still needs one), before any reply is read. How a drop is
 * done (every thread, uid and capabilities) is the shim's, through the
 * transport.
 *
 * @module
 */
import type { Method } from "../core/method.ts";
import type { ResolvedOptions } from "../config/options.ts";
import type { Transport } from "../core/transport.ts";
import type { TraceSettings } from "../core/model.ts";

/** What became of the process's privileges: none, dropped, or kept. */
export type PrivilegeState = TraceSettings["privileges"];

/** A session's part in the decision. */
export interface PrivilegeNeeds {
  /** Its method opens a socket per probe. */
  socketPerProbe: boolean;
  /** Its options. */
  options: Pick<ResolvedOptions, "mark" | "debug" | "gateways" | "sourcePort" | "interface">;
}

/**
 * Whether sockets a method opens per probe (`socketPerProbe`) will still
 * need the process's privileges: CAP_NET_ADMIN for a mark or SO_DEBUG,
 * CAP_NET_RAW for source-route options (-g), CAP_NET_BIND_SERVICE for a
 * source port below 1024, and before Linux 5.7 CAP_NET_RAW for an interface.
 */
export function privilegesNeededLater(needs: PrivilegeNeeds): boolean {
  const { options } = needs;
  return needs.socketPerProbe &&
    (options.mark !== 0 || options.debug || options.gateways.length > 0 ||
      (options.sourcePort > 0 && options.sourcePort < 1024) ||
      (options.interface !== null && !bindToDeviceUnprivileged()));
}

/** SO_BINDTODEVICE needs no privilege from Linux 5.7 on (false when unknown). */
function bindToDeviceUnprivileged(): boolean {
  let release;
  try {
    release = Deno.osRelease();
  } catch {
    return false; // no --allow-sys: assume an old kernel and keep the privilege
  }
  const [major = 0, minor = 0] = release.split(".").map((part) => parseInt(part, 10));
  return major > 5 || (major === 5 && minor >= 7);
}

/** What settling did. */
export interface PrivilegeOutcome {
  /** What became of them. */
  state: PrivilegeState;
  /** The user the process runs as after a drop, when the transport says. */
  uid: number | null;
}

/**
 * Settles the process's privileges once every session of a run is open:
 * drops them all when `drop` is asked and no session's later sockets need
 * them, else keeps them.
 *
 * @throws {SystemError} when a drop leaves a thread privileged
 */
export function settlePrivileges(
  transport: Transport,
  sessions: readonly PrivilegeNeeds[],
  drop: boolean,
): PrivilegeOutcome {
  if (!(transport.privileged?.() ?? false)) return { state: "none", uid: null };
  const stillNeeded = sessions.some(privilegesNeededLater);
  if (!drop || stillNeeded || !transport.dropPrivileges) return { state: "kept", uid: null };
  const uid = transport.dropPrivileges();
  return { state: "dropped", uid: typeof uid === "number" ? uid : null };
}

/** What a method lacking privileges needs, in a few words. */
export function privilegeHint(method: Method): string {
  return method.privilege === "raw-or-ping"
    ? "needs CAP_NET_RAW, or ping sockets allowed by net.ipv4.ping_group_range"
    : "needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on the hopwise binary)";
}
