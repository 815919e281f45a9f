/**
 * Where a run's sockets and names come from: the caller's transport and
 * resolver, or the kernel's (through the shim) and the system's. The one
 * place below the library's entry that reaches ffi/.
 *
 * @module
 */
import { FfiTransport } from "../../ffi/ffi_transport.ts";
import { type Resolver, SystemResolver } from "../lookup/resolver.ts";
import type { Transport } from "../core/transport.ts";

export { ShimLoadError } from "../../ffi/library.ts";
export { dropTarget } from "../../ffi/privileges.ts";

/** A transport for a run, and how to let it go. */
export interface RunTransport {
  /** The transport. */
  transport: Transport;
  /** Frees it, when the run made it. */
  close(): void;
}

/**
 * The caller's transport, or a new one over the kernel's sockets. Made
 * before the host is resolved: its timestamp keeper needs a moment (see
 * FfiTransport).
 */
export function openTransport(given: Transport | undefined): RunTransport {
  if (given) return { transport: given, close: () => {} };
  const transport = new FfiTransport();
  return { transport, close: () => transport.close() };
}

let system: Resolver | null = null;

/**
 * The system resolver: one a process, so its lookups' caches are too
 * (hop_lookups.ts); its own reverse lookups have a transport of their own.
 */
export function systemResolver(): Resolver {
  system ??= new SystemResolver({ transport: () => new FfiTransport() });
  return system;
}
