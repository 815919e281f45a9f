import { assertEquals } from "../../tests/assert.ts";
import { acknowledges, tcpProbeSettings } from "./tcp.ts";
import { parseProtocol } from "./raw.ts";

const sysctl = (on: string[]) => (name: string) => on.includes(name);
const keywords = (...words: string[]) =>
  new Map(words.map((w) => {
    const eq = w.indexOf("=");
    return eq === -1 ? [w, ""] : [w.slice(0, eq), w.slice(eq + 1)];
  }));

Deno.test("default: SYN with the options the sysctls enable", () => {
  const s = tcpProbeSettings(keywords(), sysctl(["sack", "timestamps", "window_scaling"]));
  assertEquals(s, {
    flags: 0x02,
    mss: true,
    mssValue: 0,
    sack: true,
    timestamps: true,
    windowScaling: true,
  });
  // tcp_ecn is "2" by default: only "1" means ECN on SYN.
  assertEquals(tcpProbeSettings(keywords(), sysctl(["ecn"])).flags, 0x02 | 0x40 | 0x80);
});

Deno.test("keywords: flags replace the SYN default and turn the sysctls off", () => {
  const on = sysctl(["sack", "timestamps", "window_scaling", "ecn"]);
  assertEquals(tcpProbeSettings(keywords("syn"), on), {
    flags: 0x02,
    mss: true,
    mssValue: 0,
    sack: false,
    timestamps: false,
    windowScaling: false,
  });
  assertEquals(tcpProbeSettings(keywords("ack"), on).flags, 0x10);
  assertEquals(tcpProbeSettings(keywords("ack"), on).mss, false); // MSS only with SYN
  assertEquals(tcpProbeSettings(keywords("fin", "psh", "urg"), on).flags, 0x29);
  assertEquals(tcpProbeSettings(keywords("flags=0"), on).flags, 0); // no flags at all
  assertEquals(tcpProbeSettings(keywords("fin", "flags=0x12"), on).flags, 0x12); // flags= replaces
  assertEquals(tcpProbeSettings(keywords("flags=0x12", "fin"), on).flags, 0x13); // later ones add
  assertEquals(tcpProbeSettings(keywords("sack"), on).timestamps, false);
  assertEquals(tcpProbeSettings(keywords("syn", "sysctl"), on).timestamps, true);
  assertEquals(tcpProbeSettings(keywords("ecn"), sysctl([])).flags, 0x02 | 0x40 | 0x80);
  assertEquals(tcpProbeSettings(keywords("mss=1000"), sysctl([])).mssValue, 1000);
  // info, reuse and mss change no flag: the sysctls still apply.
  assertEquals(tcpProbeSettings(keywords("info", "reuse"), on).sack, true);
});

Deno.test("a reply must acknowledge the probe", () => {
  const syn = { flags: 0x02, sequence: 1000, acknowledgment: 0 };
  assertEquals(acknowledges({ flags: 0x12, sequence: 7, acknowledgment: 1001 }, syn), true);
  assertEquals(acknowledges({ flags: 0x14, sequence: 0, acknowledgment: 1001 }, syn), true);
  assertEquals(acknowledges({ flags: 0x12, sequence: 7, acknowledgment: 1000 }, syn), false);
  assertEquals(acknowledges({ flags: 0x04, sequence: 0, acknowledgment: 1001 }, syn), false); // no ACK bit
  const wrap = { flags: 0x02, sequence: 0xffffffff, acknowledgment: 0 };
  assertEquals(acknowledges({ flags: 0x12, sequence: 7, acknowledgment: 0 }, wrap), true);
  const fin = { flags: 0x01, sequence: 1000, acknowledgment: 0 };
  assertEquals(acknowledges({ flags: 0x14, sequence: 0, acknowledgment: 1001 }, fin), true);
  const none = { flags: 0, sequence: 1000, acknowledgment: 0 };
  assertEquals(acknowledges({ flags: 0x14, sequence: 0, acknowledgment: 1000 }, none), true);
  // A probe with ACK gets a reset carrying its acknowledgment number as sequence.
  const ack = { flags: 0x10, sequence: 1000, acknowledgment: 0 };
  assertEquals(acknowledges({ flags: 0x04, sequence: 0, acknowledgment: 0 }, ack), true);
  assertEquals(acknowledges({ flags: 0x04, sequence: 5, acknowledgment: 0 }, ack), false);
});

Deno.test("-P: protocol numbers and names", () => {
  assertEquals(parseProtocol("47"), 47);
  assertEquals(parseProtocol("0x11"), 17);
  assertEquals(parseProtocol("12abc"), 12); // strtoul reads the leading number
  assertEquals(parseProtocol("no-such-protocol"), null);
});
