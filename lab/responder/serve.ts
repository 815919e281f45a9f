/**
 * The responder's loop: capture, tell probes to answer, send the hostile
 * packets and the genuine answer; and the warm-up before it.
 *
 * @module
 */

import { formatAddress } from "../../src/packet/address.ts";
import type { ResponderConfig } from "./config.ts";
import { expired } from "./expired.ts";
import { hostilePackets } from "./hostile.ts";
import { PACKET_HOST, type Sockets } from "./sockets.ts";
import { timeExceeded } from "./time_exceeded.ts";

/** The router's own addresses, read again when older than a second. */
class LocalAddresses {
  #addresses = new Set<string>();
  #read = -Infinity;

  has(address: Uint8Array): boolean {
    const now = performance.now();
    if (now - this.#read > 1000) {
      this.#addresses = new Set(Deno.networkInterfaces().map((i) => canonical(i.address)));
      this.#read = now;
    }
    return this.#addresses.has(formatAddress(address));
  }
}

function canonical(text: string): string {
  if (!text.includes(":")) return text;
  const [head = "", tail] = text.split("::") as [string, string | undefined];
  const part = (s: string | undefined): number[] =>
    s ? s.split(":").map((g) => parseInt(g, 16)) : [];
  const h = part(head);
  const t = part(tail);
  const groups = tail === undefined
    ? h
    : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return formatAddress(bytes);
}

const PROTOCOLS: Readonly<Record<number, string>> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6" };

/** Builds answers to made-up probes, so that the first real one is not slowed by compiling. */
export function warmUp(config: ResponderConfig): void {
  const probe4 = new Uint8Array(60);
  probe4.set([0x45, 0, 0, 60, 0, 0, 0, 0, 1, 17, 0, 0, 198, 18, 1, 1, 198, 18, 4, 2]);
  const probe6 = new Uint8Array(80);
  probe6.set([0x60, 0, 0, 0, 0, 40, 17, 1, 0x20, 0x01, 0x0d, 0xb8]);
  probe6.set([0x20, 0x01, 0x0d, 0xb8], 24);
  for (let i = 0; i < 200; i++) {
    for (const [family, probe] of [[4, probe4], [6, probe6]] as const) {
      const found = expired(probe, () => false);
      if (found) timeExceeded(family, found.packet, config);
      if (found && config.hostile !== null) {
        hostilePackets(config.hostile, found, config, found.destination, i);
      }
      formatAddress(found?.source ?? probe4.subarray(12, 16));
    }
  }
}

/** Answers probes until the process is stopped. */
export async function serve(sockets: Sockets, config: ResponderConfig): Promise<never> {
  const buffer = new Uint8Array(65536);
  const local = new LocalAddresses();
  const mode = config.mode === "malformed" ? `malformed ${config.variant}` : config.mode;
  let count = 0;
  for (;;) {
    await sockets.wait(200);
    for (;;) {
      const got = sockets.receive(buffer);
      if (got === null) break;
      if (got.pkttype !== PACKET_HOST) continue;
      const probe = expired(got.packet, (address) => local.has(address));
      if (probe === null) continue;
      const what = `${formatAddress(probe.source)} > ${formatAddress(probe.destination)} ` +
        `${PROTOCOLS[probe.protocol] ?? `proto ${probe.protocol}`} ${probe.packet.length} bytes`;
      if (config.hostile !== null) {
        const router = sockets.sourceFor(probe.family, probe.source);
        const packets = hostilePackets(config.hostile, probe, config, router, ++count);
        for (const packet of packets) {
          const error = packet.kind === "icmp"
            ? sockets.send(probe.family, packet.message, probe.source, probe.tos)
            : sockets.sendPacket(probe.family, packet.packet, probe.source);
          const size = packet.kind === "icmp" ? packet.message.length : packet.packet.length;
          if (error !== null) {
            console.error(`icmp_responder: hostile ${packet.label} for ${what}: ${error}`);
          } else if (config.verbose) {
            console.error(
              `hostile ${config.hostile} ${packet.label} (${packet.kind}, ${size} bytes) for ${what}`,
            );
          }
        }
      }
      if (!config.genuine) continue;
      const message = timeExceeded(probe.family, probe.packet, config);
      const error = sockets.send(probe.family, message, probe.source, probe.tos);
      if (error !== null) console.error(`icmp_responder: answering ${what}: ${error}`);
      else if (config.verbose) {
        console.error(`answered ${what}: time exceeded of ${message.length} bytes (${mode})`);
      }
    }
  }
}
