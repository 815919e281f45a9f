/**
 * DCCP Request probes, half-open (`-D`, `-M dccp`): Linux traceroute's dccp
 * module. Needs CAP_NET_RAW.
 *
 * Linux traceroute reserves each source port with a DCCP socket, so it fails
 * on kernels without DCCP (removed in Linux 6.16). hopwise does the same
 * where it can, and elsewhere picks ports itself: with no DCCP stack on this
 * host there is nothing to collide with.
 *
 * @module
 */
import { parseCUnsigned } from "../core/c_numbers.ts";
import { DCCP, decodeDccpPorts, encodeDccpRequest } from "../packet/dccp.ts";
import { HalfOpenSession } from "./half_open.ts";
import type { Method } from "../core/method.ts";

/** DCCP's default service code, as Linux traceroute has it ("pert" in ASCII). */
export const DEFAULT_SERVICE_CODE = 1885957735;

/** DCCP Request probes (`-D`). */
export const dccpMethod: Method = {
  name: "dccp",
  headerLength: 0,
  port: { meaning: "port", default: 33434 },
  paris: false,
  onePerTime: false,
  shares: false,
  privilege: "raw",
  replies: ["dccp-response", "rst"],
  keywords: [{
    name: "service",
    value: "NUM",
    help: `Set DCCP service code to %s (default is ${DEFAULT_SERVICE_CODE})`,
    abbrev: true,
    accepts: (v) => parseCUnsigned(v) !== null,
  }],
  open(context) {
    const service = context.keywords.get("service");
    const serviceCode = service === undefined ? DEFAULT_SERVICE_CODE : parseCUnsigned(service)!;
    const destinationPort = context.port || this.port.default;
    return new HalfOpenSession(context, {
      method: "dccp",
      protocol: DCCP.protocol,
      holdKind: "dccp",
      length: DCCP.request,
      build: (sourcePort, sequence, source, destination) =>
        encodeDccpRequest(
          { sourcePort, destinationPort, sequence, serviceCode },
          source,
          destination,
        ),
      quoted: (bytes) => {
        const ports = decodeDccpPorts(bytes);
        return ports && { ...ports, sequence: null };
      },
      replyPorts: decodeDccpPorts,
      checksumOffset: 6,
      // CsCov (RFC 4340 9.2): 0 covers the packet, n the header and n - 1 words of data.
      checksumCoverage: (bytes) => {
        const coverage = (bytes[5] ?? 0) & 0x0f;
        return coverage === 0 ? bytes.length : (bytes[4] ?? 0) * 4 + (coverage - 1) * 4;
      },
      // A Response or a Reset from the destination: it was reached.
      reply: () => [],
    }, destinationPort);
  },
};
