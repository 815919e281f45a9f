import { assertEquals } from "../../tests/assert.ts";
import {
  decodeExtensions,
  encodeExtensions,
  findExtensions,
  formatExtensions,
  type IcmpExtensionObject,
  mplsEntries,
} from "./icmp_extension.ts";
import { encodeLooseSourceRoute, encodeRoutingHeader } from "./source_route.ts";
import { addressBytes } from "./address.ts";

const mpls = (label: number, exp: number, s: number, ttl: number) =>
  ((label << 12) | (exp << 9) | (s << 8) | ttl) >>> 0;
const stack: IcmpExtensionObject = {
  classNumber: 1,
  cType: 1,
  words: [mpls(16001, 0, 0, 1), mpls(24002, 5, 1, 254)],
};

Deno.test("MPLS label stacks decode and print as Linux traceroute prints them", () => {
  assertEquals(mplsEntries(stack), [
    { label: 16001, exp: 0, bottom: false, ttl: 1 },
    { label: 24002, exp: 5, bottom: true, ttl: 254 },
  ]);
  assertEquals(formatExtensions([stack]), "MPLS:L=16001,E=0,S=0,T=1/L=24002,E=5,S=1,T=254");
  assertEquals(mplsEntries({ classNumber: 1, cType: 1, words: [] }), null);
});

Deno.test("other objects print as class/ctype and %08x words; objects join with ;", () => {
  const other = { classNumber: 2, cType: 3, words: [0xdeadbeef, 1] };
  assertEquals(
    formatExtensions([stack, other]),
    "MPLS:L=16001,E=0,S=0,T=1/L=24002,E=5,S=1,T=254;2/3:deadbeef,00000001",
  );
  assertEquals(formatExtensions([{ classNumber: 1, cType: 1, words: [] }]), "1/1:");
  assertEquals(formatExtensions([]), "");
});

Deno.test("an encoded structure decodes back; checksum zero is accepted", () => {
  const bytes = encodeExtensions([stack, { classNumber: 2, cType: 3, words: [7] }]);
  assertEquals(decodeExtensions(bytes), [stack, { classNumber: 2, cType: 3, words: [7] }]);
  const unchecked = bytes.slice();
  unchecked[2] = 0;
  unchecked[3] = 0;
  assertEquals(decodeExtensions(unchecked)?.length, 2);
});

Deno.test("malformed structures are rejected, never thrown on", () => {
  const good = encodeExtensions([stack]);
  const variants: Array<[string, (b: Uint8Array) => Uint8Array]> = [
    ["version 1", (b) => (b[0] = 0x10, b)],
    ["bad checksum", (b) => (b[3]! ^= 1, b)],
    ["object length 0", (b) => (b[4] = 0, b[5] = 0, b[2] = 0, b[3] = 0, b)],
    ["object length past the end", (b) => (b[4] = 0, b[5] = 200, b[2] = 0, b[3] = 0, b)],
    ["object length not a whole number of words", (b) => (b[5] = 9, b[2] = 0, b[3] = 0, b)],
    ["trailing bytes", (b) => {
      const longer = new Uint8Array(b.length + 2);
      longer.set(b);
      longer[2] = 0;
      longer[3] = 0;
      return longer;
    }],
    ["too short", (b) => b.subarray(0, 3)],
  ];
  for (const [name, corrupt] of variants) {
    assertEquals(decodeExtensions(corrupt(good.slice())), null, name);
  }
  // A header alone is a structure with no objects: Linux prints " <>".
  const empty = encodeExtensions([]);
  assertEquals(decodeExtensions(empty), []);
});

Deno.test("the structure is found at 128 bytes, or searched for in compat layouts", () => {
  const ext = encodeExtensions([stack]);
  // Compliant: a UDP probe (28 header bytes) quoted and padded to 128 bytes.
  const compliant = new Uint8Array(100 + ext.length);
  compliant.set(ext, 100);
  assertEquals(findExtensions(compliant, 28, 32, 4), [stack]);
  // Too short to hold one: nothing.
  assertEquals(findExtensions(compliant.subarray(0, 107), 28, 32, 4), null);
  // Not compliant (payload no longer than the probe's data): searched every 4 bytes.
  const compat = new Uint8Array(112 + ext.length);
  compat.set(ext, 112);
  assertEquals(findExtensions(compat, 28, compat.length, 4), [stack]);
  // ...but not when the payload is longer than the probe's data (only 128 is looked at).
  assertEquals(findExtensions(compat, 28, 32, 4), null);
  // IPv6 steps by 8.
  const v6 = new Uint8Array(80 + 8 + ext.length);
  v6.set(ext, 88);
  assertEquals(findExtensions(v6, 48, v6.length, 8), [stack]);
});

Deno.test("source routes: the IPv4 LSRR option and the IPv6 routing header", () => {
  const lsrr = encodeLooseSourceRoute([addressBytes("198.18.1.2")], addressBytes("198.18.9.9"));
  assertEquals([...lsrr], [1, 131, 11, 4, 198, 18, 1, 2, 198, 18, 9, 9]);
  const rh = encodeRoutingHeader(2, [addressBytes("2001:db8::1")]);
  assertEquals(rh.length, 24);
  assertEquals([...rh.subarray(0, 8)], [0, 2, 2, 1, 0, 0, 0, 0]);
  assertEquals(rh[23], 1);
});
