/**
 * The responder's sockets, libc through Deno FFI: capturing packets,
 * sending ICMP messages and whole IP packets, and finding this router's
 * source address toward a destination.
 *
 * @module
 */

import { formatAddress } from "../../src/packet/address.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const AF_PACKET = 17;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ALL_BE = 0x0300; // htons(ETH_P_ALL)
const SOL_SOCKET = 1;
const SO_MARK = 36;
const SOL_IP = 0;
const IP_TOS = 1;
const IP_MTU_DISCOVER = 10;
const IP_PMTUDISC_DONT = 0;
const SOL_RAW = 255;
const ICMP_FILTER = 1;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_RAW = 255;
const ICMP6_FILTER = 1;
const MSG_DONTWAIT = 0x40;
/** `sll_pkttype` of a packet addressed to this host. */
export const PACKET_HOST = 0;
const POLLIN = 1;
const EAGAIN = 11;
const EINTR = 4;
const IPTOS_TOS_MASK = 0x1e;
const IPTOS_PREC_INTERNETCONTROL = 0xc0;

const LIBC_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // Waits on another thread, so the event loop (and signal handling) goes on.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The libc functions the responder calls. */
export type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

function errno(libc: Libc): number {
  const pointer = libc.__errno_location();
  return pointer === null ? 0 : new Deno.UnsafePointerView(pointer).getInt32();
}

function errorText(libc: Libc, code: number): string {
  const pointer = libc.strerror(code);
  return pointer === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(pointer);
}

function int32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}

/** A sockaddr_in / sockaddr_in6 for `address` and `port`. */
function sockaddr(family: 4 | 6, address: Uint8Array, port = 0): Uint8Array {
  const out = new Uint8Array(family === 4 ? 16 : 28);
  const view = new DataView(out.buffer);
  view.setUint16(0, family === 4 ? AF_INET : AF_INET6, true);
  view.setUint16(2, port);
  out.set(address, family === 4 ? 4 : 8);
  return out;
}

/** libc, loaded through FFI with the functions the responder calls. */
export function loadLibc(): Libc {
  return Deno.dlopen("libc.so.6", LIBC_SYMBOLS).symbols;
}

/**
 * The responder's sockets: the AF_PACKET capture socket, the raw ICMP /
 * ICMPv6 sockets for answers and the IPPROTO_RAW ones for whole packets.
 */
export class Sockets {
  readonly #libc: Libc;
  readonly packet: number;
  readonly raw4: number;
  readonly raw6: number;
  /** IPPROTO_RAW sockets for whole packets (IP_HDRINCL), opened on first use. */
  #whole: { 4: number | null; 6: number | null } = { 4: null, 6: null };
  readonly #mark: number;
  /** This router's source address toward each destination, by `${family} ${address}`. */
  readonly #sources = new Map<string, Uint8Array>();

  constructor(libc: Libc, mark: number) {
    this.#mark = mark;
    this.#libc = libc;
    const open = (domain: number, type: number, protocol: number, what: string): number => {
      const fd = libc.socket(domain, type | SOCK_CLOEXEC, protocol);
      if (fd < 0) this.#fail(`socket(${what})`);
      return fd;
    };
    this.packet = open(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, ETH_P_ALL_BE, "AF_PACKET");
    this.raw4 = open(AF_INET, SOCK_RAW, IPPROTO_ICMP, "AF_INET, SOCK_RAW, IPPROTO_ICMP");
    this.raw6 = open(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "AF_INET6, SOCK_RAW, IPPROTO_ICMPV6");
    for (const fd of [this.raw4, this.raw6]) this.#option(fd, SOL_SOCKET, SO_MARK, int32(mark));
    this.#option(this.raw4, SOL_IP, IP_MTU_DISCOVER, int32(IP_PMTUDISC_DONT));
    // Receive nothing on the sending sockets: block every ICMP type.
    this.#option(this.raw4, SOL_RAW, ICMP_FILTER, new Uint8Array(4).fill(0xff));
    this.#option(this.raw6, IPPROTO_ICMPV6, ICMP6_FILTER, new Uint8Array(32).fill(0xff));
  }

  #fail(what: string): never {
    const code = errno(this.#libc);
    throw new Error(`icmp_responder: ${what}: ${errorText(this.#libc, code)}`);
  }

  #option(fd: number, level: number, name: number, value: Uint8Array): void {
    if (this.#libc.setsockopt(fd, level, name, value, value.length) < 0) {
      this.#fail(`setsockopt(${level}, ${name})`);
    }
  }

  /** Waits up to `ms` for the packet socket to be readable. */
  async wait(ms: number): Promise<void> {
    const pollfd = new Uint8Array(8);
    const view = new DataView(pollfd.buffer);
    view.setInt32(0, this.packet, true);
    view.setInt16(4, POLLIN, true);
    await this.#libc.poll(pollfd, 1n, ms);
  }

  /** One captured packet and its sll_pkttype, or null when none is waiting. */
  receive(buffer: Uint8Array): { packet: Uint8Array; pkttype: number } | null {
    const address = new Uint8Array(20);
    const addressLength = int32(address.length);
    for (;;) {
      const n = Number(
        this.#libc.recvfrom(
          this.packet,
          buffer,
          BigInt(buffer.length),
          MSG_DONTWAIT,
          address,
          addressLength,
        ),
      );
      if (n >= 0) return { packet: buffer.subarray(0, n), pkttype: address[10]! };
      const code = errno(this.#libc);
      if (code === EINTR) continue;
      if (code === EAGAIN) return null;
      this.#fail("recvfrom(AF_PACKET)");
    }
  }

  /** Sends `message` (an ICMP message) to `destination`; returns an error text or null. */
  send(family: 4 | 6, message: Uint8Array, destination: Uint8Array, tos: number): string | null {
    let address: Uint8Array;
    let fd: number;
    if (family === 4) {
      const kernelTos = (tos & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL;
      this.#option(this.raw4, SOL_IP, IP_TOS, int32(kernelTos));
      address = new Uint8Array(16);
      new DataView(address.buffer).setUint16(0, AF_INET, true);
      address.set(destination, 4);
      fd = this.raw4;
    } else {
      address = new Uint8Array(28);
      new DataView(address.buffer).setUint16(0, AF_INET6, true);
      address.set(destination, 8);
      fd = this.raw6;
    }
    const n = Number(
      this.#libc.sendto(fd, message, BigInt(message.length), 0, address, address.length),
    );
    if (n === message.length) return null;
    return n < 0 ? errorText(this.#libc, errno(this.#libc)) : `short send (${n} bytes)`;
  }

  /** Sends a whole IP packet (header included) to `destination`; an error text or null. */
  sendPacket(family: 4 | 6, packet: Uint8Array, destination: Uint8Array): string | null {
    let fd = this.#whole[family];
    if (fd === null) {
      fd = this.#libc.socket(
        family === 4 ? AF_INET : AF_INET6,
        SOCK_RAW | SOCK_CLOEXEC,
        IPPROTO_RAW,
      );
      if (fd < 0) return `socket(IPPROTO_RAW): ${errorText(this.#libc, errno(this.#libc))}`;
      this.#whole[family] = fd;
      this.#option(fd, SOL_SOCKET, SO_MARK, int32(this.#mark));
    }
    const address = sockaddr(family, destination);
    const n = Number(
      this.#libc.sendto(fd, packet, BigInt(packet.length), 0, address, address.length),
    );
    if (n === packet.length) return null;
    return n < 0 ? errorText(this.#libc, errno(this.#libc)) : `short send (${n} bytes)`;
  }

  /**
   * The address this host sends from toward `destination` (what the kernel
   * puts in its own answers): a UDP socket connected there, read back.
   */
  sourceFor(family: 4 | 6, destination: Uint8Array): Uint8Array {
    const key = `${family} ${formatAddress(destination)}`;
    const known = this.#sources.get(key);
    if (known) return known;
    const fd = this.#libc.socket(family === 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) this.#fail("socket(SOCK_DGRAM)");
    try {
      const address = sockaddr(family, destination, 9);
      if (this.#libc.connect(fd, address, address.length) < 0) this.#fail("connect");
      const local = new Uint8Array(28);
      const length = int32(local.length);
      if (this.#libc.getsockname(fd, local, length) < 0) this.#fail("getsockname");
      const source = family === 4 ? local.slice(4, 8) : local.slice(8, 24);
      this.#sources.set(key, source);
      return source;
    } finally {
      this.#libc.close(fd);
    }
  }

  close(): void {
    for (const fd of [this.packet, this.raw4, this.raw6, this.#whole[4], this.#whole[6]]) {
      if (fd !== null) this.#libc.close(fd);
    }
  }
}
