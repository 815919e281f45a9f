import { assertEquals } from "../tests/assert.ts";
import { decodeAddr, encodeAddr } from "./layout.ts";
import { SIZE } from "./symbols.ts";

Deno.test("layout: an endpoint encoded as a hw_addr decodes to itself, IPv4 and IPv6", () => {
  for (
    const endpoint of [
      { address: "198.18.6.2", port: 33434 },
      { address: "0.0.0.0", port: 0 },
      { address: "255.255.255.255", port: 65535 },
      { address: "2001:db8::1", port: 443, flowInfo: 0xfffff },
      { address: "2001:db8:1:2:3:4:5:6", port: 7 },
    ]
  ) {
    assertEquals(decodeAddr(encodeAddr(endpoint)), endpoint);
  }
});

Deno.test("layout: hw_addrs decoded at an offset, one after another, each give their own address", () => {
  const buf = new Uint8Array(3 * SIZE.addr);
  // More addresses than the IPv4 text cache holds, so it starts again on the way.
  for (let i = 0; i < 20_000; i++) {
    const address = `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const offset = (i % 3) * SIZE.addr;
    encodeAddr({ address, port: i & 0xffff }, buf, offset);
    const decoded = decodeAddr(buf, offset);
    if (decoded?.address !== address || decoded.port !== (i & 0xffff)) {
      assertEquals(decoded, { address, port: i & 0xffff });
    }
  }
  // Seen before the cache started again: still right.
  encodeAddr({ address: "198.18.0.5", port: 1 }, buf);
  assertEquals(decodeAddr(buf), { address: "198.18.0.5", port: 1 });
});

Deno.test("layout: a hw_addr of family 0 decodes to null", () => {
  assertEquals(decodeAddr(new Uint8Array(SIZE.addr)), null);
});
