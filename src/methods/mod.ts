/**
 * The probe methods by name.
 *
 * @module
 */
import type { MethodName } from "../types.ts";
import { dccpMethod } from "./dccp.ts";
import { icmpMethod } from "./icmp.ts";
import type { Method } from "./method.ts";
import { rawMethod } from "./raw.ts";
import { tcpMethod } from "./tcp.ts";
import { tcpconnMethod } from "./tcpconn.ts";
import { defaultMethod, udpliteMethod, udpMethod } from "./udp.ts";

export type { Method, MethodContext, MethodKeyword, MethodSession, RawReply } from "./method.ts";

const METHODS: ReadonlyMap<string, Method> = new Map(
  [
    defaultMethod,
    icmpMethod,
    udpMethod,
    udpliteMethod,
    tcpMethod,
    tcpconnMethod,
    dccpMethod,
    rawMethod,
  ]
    .map((m) => [m.name, m]),
);

/** The method called `name` (case-insensitive, as Linux traceroute matches), or null. */
export function findMethod(name: string): Method | null {
  return METHODS.get(name.toLowerCase()) ?? null;
}

/** Names of the methods this build implements. */
export function methodNames(): MethodName[] {
  return [...METHODS.keys()] as MethodName[];
}
