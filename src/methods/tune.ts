/**
 * The settings every probe socket gets, in the order Linux traceroute's
 * tune_socket applies them, so that the same failure reports the same call.
 *
 * @module
 */
import type { Family } from "../address.ts";
import type { ResolvedOptions } from "../options.ts";
import { MtuDiscover, type Socket } from "../transport.ts";

/** What tuneSocket needs beyond the options. */
export interface TuneSettings {
  /** IP version of the trace. */
  family: Family;
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
  if (options.tos) {
    socket.setInt("tos", options.tos);
    if (family === 6) socket.setInt("flowInfoSend", 1);
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
