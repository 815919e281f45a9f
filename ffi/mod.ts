/**
 * The only place that talks to the C shim: loading it, its byte layouts, and
 * the socket and transport built on it.
 *
 * @module
 */
export { FfiTransport } from "./ffi_transport.ts";
export { FfiSocket } from "./socket.ts";
export { shim, SHIM_ENV, shimCandidates, ShimLoadError } from "./library.ts";
