/**
 * The shim's symbol table, typed for Deno.dlopen. It mirrors
 * native/hopwise.h, native/privileges.h and native/outbox.h; `hw_abi_version` guards against a
 * stale build.
 *
 * @module
 */

/** The ABI version this table matches (HW_ABI_VERSION in native/hopwise.h). */
export const ABI_VERSION = 8;

/** Deno FFI signatures of every shim function. */
export const symbols = {
  hw_abi_version: { parameters: [], result: "i32" },
  hw_now: { parameters: [], result: "f64" },
  hw_socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  hw_close: { parameters: ["i32"], result: "i32" },
  hw_setopt_int: { parameters: ["i32", "i32", "i32", "i32"], result: "i32" },
  hw_getopt_int: { parameters: ["i32", "i32", "i32"], result: "i32" },
  hw_tcp_rtt: { parameters: ["i32"], result: "i32" },
  hw_setopt_bytes: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  hw_bind: { parameters: ["i32", "buffer"], result: "i32" },
  hw_connect: { parameters: ["i32", "buffer"], result: "i32" },
  hw_getsockname: { parameters: ["i32", "buffer"], result: "i32" },
  hw_take_error: { parameters: ["i32"], result: "i32" },
  hw_send: {
    parameters: ["i32", "buffer", "u32", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
  hw_recv: { parameters: ["i32", "buffer", "u32", "buffer", "i32"], result: "i32" },
  // The outbox: batches sent by the shim's own thread (native/outbox.h).
  hw_outbox_push: { parameters: ["buffer", "u32", "buffer", "u32", "u32"], result: "i32" },
  hw_outbox_times: { parameters: [], result: "pointer" },
  hw_outbox_results: { parameters: [], result: "pointer" },
  hw_outbox_tags: { parameters: [], result: "pointer" },
  hw_outbox_done: { parameters: [], result: "u32" },
  hw_outbox_wait_done: { parameters: ["u32"], result: "i32" },
  hw_outbox_drain: { parameters: [], result: "i32" },
  // The one call that waits: it runs on another thread so JavaScript never blocks.
  hw_poll: { parameters: ["buffer", "u32", "i32"], result: "i32", nonblocking: true },
  hw_pipe: { parameters: ["buffer"], result: "i32" },
  hw_write: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  hw_read: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  hw_strerror: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  hw_errno_table: { parameters: ["buffer", "u32"], result: "i32" },
  hw_drop_to: { parameters: ["i32", "i32"], result: "i32" },
  hw_drop_caps: { parameters: [], result: "i32" },
  hw_privileged_threads: { parameters: [], result: "i32" },
  hw_privileged_self: { parameters: [], result: "i32" },
  hw_ids: { parameters: ["buffer"], result: "i32" },
  hw_raise_nofile: { parameters: ["u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library's functions. */
export type Shim = Deno.DynamicLibrary<typeof symbols>["symbols"];

/**
 * The functions a trace always calls; the others (TCP, ICMP datagram
 * sockets, interfaces, error texts, dropping privileges) are bound on first
 * use: Deno compiles a trampoline for each bound function, which costs a
 * program's start-up about 0.3 ms apiece.
 */
export const CORE_SYMBOLS: ReadonlySet<keyof typeof symbols> = new Set([
  "hw_abi_version",
  "hw_now",
  "hw_socket",
  "hw_close",
  "hw_setopt_int",
  "hw_bind",
  "hw_connect",
  "hw_send",
  "hw_recv",
  "hw_poll",
  "hw_pipe",
  "hw_write",
  "hw_read",
  "hw_privileged_self",
  "hw_errno_table",
]);

/** Socket kinds (HW_SOCK_*). */
export const SOCK = { dgram: 1, raw: 2, stream: 3, dccp: 4 } as const;

/** Integer option ids (HW_OPT_*). */
export const INT_OPTION = {
  ttl: 1,
  tos: 2,
  recvErr: 3,
  recvTtl: 4,
  timestamp: 5,
  mtuDiscover: 6,
  dontRoute: 7,
  debug: 8,
  mark: 9,
  flowInfoSend: 10,
  reuseAddr: 11,
  rcvBuf: 12,
  hdrIncl: 13,
  recvTos: 14,
  udpliteSendCoverage: 15,
  udpliteRecvCoverage: 16,
  mtu: 17,
  icmpFilter: 18,
  rcvBufForce: 19,
} as const;

/** Byte-string option ids (HW_OPT_*). */
export const BYTES_OPTION = {
  bindToDevice: 20,
  ipOptions: 21,
  flowLabelManager: 22,
  icmp6Filter: 23,
} as const;

/** Sizes of the fixed layouts. */
export const SIZE = { addr: 32, meta: 128, poll: 8, send: 48 } as const;

/** Slots of the outbox's time and result rings (HW_OUTBOX_RING). */
export const OUTBOX_RING = 131072;

/** hw_meta flag bits. */
export const META = {
  timestamp: 0x01,
  ttl: 0x02,
  exterr: 0x04,
  offender: 0x08,
  trunc: 0x10,
  ctrunc: 0x20,
  from: 0x40,
  tos: 0x80,
} as const;

/** poll(2) event bits (HW_POLLIN, HW_POLLERR). */
export const POLL = { in: 0x01, out: 0x04, err: 0x08, hup: 0x10 } as const;

/** hw_recv flags. */
export const RECV = { errqueue: 0x01 } as const;
