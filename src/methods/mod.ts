/**
 * The probe methods by name: the registry every list of methods and every
 * fact about one is read from.
 *
 * @module
 */
import type { MethodName } from "../core/model.ts";
import { dccpMethod } from "./dccp.ts";
import { icmpMethod } from "./icmp.ts";
import type { Method } from "../core/method.ts";
import { rawMethod } from "./raw.ts";
import { tcpMethod } from "./tcp.ts";
import { tcpconnMethod } from "./tcpconn.ts";
import { defaultMethod, udpliteMethod, udpMethod } from "./udp.ts";

export type {
  Arrival,
  Match,
  Method,
  MethodContext,
  MethodKeyword,
  MethodSession,
} from "../core/method.ts";

/** Every method, in Linux traceroute's order of `-M` names. */
const METHODS: Readonly<Record<MethodName, Method>> = {
  default: defaultMethod,
  icmp: icmpMethod,
  udp: udpMethod,
  tcp: tcpMethod,
  tcpconn: tcpconnMethod,
  udplite: udpliteMethod,
  dccp: dccpMethod,
  raw: rawMethod,
};

/** The method called `name` (case-insensitive, as Linux traceroute matches), or null. */
export function findMethod(name: string): Method | null {
  const key = name.toLowerCase();
  return Object.hasOwn(METHODS, key) ? METHODS[key as MethodName] : null;
}

/** The method called `name` (exactly). */
export function method(name: MethodName): Method {
  return METHODS[name];
}

/**
 * Names of every method.
 *
 * @example
 * ```ts
 * import { methodNames } from "./mod.ts";
 * methodNames(); // ["default", "icmp", "udp", "tcp", "tcpconn", "udplite", "dccp", "raw"]
 * ```
 */
export function methodNames(): MethodName[] {
  return Object.keys(METHODS) as MethodName[];
}

/** Names of the methods that can keep every probe on one flow (`--paris`, `--flows`, `--mda`). */
export function parisMethodNames(): MethodName[] {
  return methodNames().filter((name) => METHODS[name].paris);
}
