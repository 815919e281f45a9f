/**
 * The settings every probe socket gets, in the order Linux traceroute's
 * tune_socket applies them, so that the same failure reports the same call.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { ResolvedOptions } from "../config/options.ts";
import { MtuDiscover, type Socket } from "../core/transport.ts";

/** What tuneSocket needs beyond the options. */
export interface TuneSettings {
  /** IP version of the trace. */
  family: Family;
  /** IP_OPTIONS / IPV6_RTHDR bytes (`-g`), or null. */
  ipOptions: Uint8Array | null;
  /** The target's address bytes (the IPv6 flow label is leased for it). */
  target: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * Applies interface, source address, fragmentation, TOS, timestamps and
 * reply-TTL reporting to `socket`.
 *
 * @throws {SystemError} naming the call that failed (`bind`, `setsockopt ...`)
 */
export function tuneSocket(socket: Socket, options: ResolvedOptions, settings: TuneSettings): void {
  const { family } = settings;
  if (options.debug) socket.setInt("debug", 1);
  if (options.mark) socket.setInt("mark", options.mark);
  if (settings.ipOptions) socket.setBytes("ipOptions", settings.ipOptions);
  if (options.interface !== null) {
    socket.setBytes("bindToDevice", encoder.encode(options.interface + "\0"));
  }
  socket.bind({
    address: options.source ?? (family === 4 ? "0.0.0.0" : "::"),
    port: options.sourcePort,
  });
  try {
    socket.setInt("mtuDiscover", options.dontFragment ? MtuDiscover.probe : MtuDiscover.dont);
  } catch (e) {
    if (!options.dontFragment) throw e;
    socket.setInt("mtuDiscover", MtuDiscover.do);
  }
  if (family === 4) {
    if (options.tos) socket.setInt("tos", options.tos);
  } else {
    if (options.flowLabel) {
      const request = new Uint8Array(20);
      new DataView(request.buffer).setUint32(0, options.flowLabel, true);
      request.set(settings.target, 4);
      socket.setBytes("flowLabelManager", request);
    }
    if (options.tos) socket.setInt("tos", options.tos);
    if (options.tos || options.flowLabel) socket.setInt("flowInfoSend", 1);
  }
  if (options.dontRoute) socket.setInt("dontRoute", 1);
  // Kernel receive timestamps and reply TTLs: failures are not fatal (as in Linux).
  for (const option of ["timestamp", "recvTtl"] as const) {
    try {
      socket.setInt(option, 1);
    } catch {
      // Without them hopwise falls back to its own clock and prints no reply TTL.
    }
  }
}
