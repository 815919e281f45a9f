/**
 * The DNS messages of hopwise's own lookups (RFC 1035): the PTR question for
 * an address (RFC 1035 in-addr.arpa, RFC 3596 ip6.arpa), and the name read
 * from an answer the way glibc's resolver reads it (resolv/nss_dns), so a
 * name hopwise finds is the name getnameinfo(3) would have given; and the
 * TXT question and answer of Team Cymru's interface (cymru.ts):
 *
 * - CNAME records are followed from the question's name (RFC 2317's
 *   classless delegation), and only a PTR record owned by the name reached
 *   counts; the first such record is the answer;
 * - a name that is not a host name (letters, digits, `-` and `_` in each
 *   label, no label of the first beginning with `-`) is refused, as glibc
 *   refuses it: the address then has no name;
 * - a TXT answer is every TXT record owned by the name reached, each
 *   record's strings joined, read as UTF-8;
 * - an answer without the record says how long that holds where it carries
 *   its zone's SOA (RFC 2308's negative caching).
 *
 * @module
 */
import { addressBytes } from "../packet/address.ts";

/** RR types used here. */
const TYPE_PTR = 12;
const TYPE_TXT = 16;
const TYPE_CNAME = 5;
const TYPE_SOA = 6;
/** Class IN. */
const CLASS_IN = 1;
/** Flags of a query: recursion desired. */
const FLAG_RD = 0x0100;
/** Flags of an answer. */
const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;

/** Response codes that matter to a lookup. */
export const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 };

/**
 * The name a PTR question asks for an address: `4.3.2.1.in-addr.arpa` for
 * 1.2.3.4, the 32 reversed nibbles under `ip6.arpa` for IPv6.
 *
 * @example
 * ```ts
 * import { reverseName } from "./dns_message.ts";
 * reverseName("198.18.1.2"); // "2.1.18.198.in-addr.arpa"
 * ```
 */
export function reverseName(address: string): string {
  const bytes = addressBytes(address);
  if (bytes.length === 4) return `${[...bytes].reverse().join(".")}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = bytes.length - 1; i >= 0; i--) {
    nibbles.push((bytes[i]! & 0xf).toString(16), (bytes[i]! >> 4).toString(16));
  }
  return `${nibbles.join(".")}.ip6.arpa`;
}

/** A PTR query for `name` with identifier `id` (0 to 65535), recursion desired. */
export function ptrQuery(id: number, name: string): Uint8Array {
  return query(id, name, TYPE_PTR);
}

/** A TXT query for `name` with identifier `id` (0 to 65535), recursion desired. */
export function txtQuery(id: number, name: string): Uint8Array {
  return query(id, name, TYPE_TXT);
}

/** A query of `type` for `name`, class IN. */
function query(id: number, name: string, type: number): Uint8Array {
  const labels = name.split(".").filter((l) => l !== "");
  const size = 12 + labels.reduce((n, l) => n + 1 + l.length, 0) + 1 + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  view.setUint16(2, FLAG_RD);
  view.setUint16(4, 1); // one question
  let at = 12;
  for (const label of labels) {
    out[at++] = label.length;
    for (let i = 0; i < label.length; i++) out[at++] = label.charCodeAt(i);
  }
  out[at++] = 0;
  view.setUint16(at, type);
  view.setUint16(at + 2, CLASS_IN);
  return out;
}

/** What any answer says. */
export interface Answer {
  /** Its identifier. */
  id: number;
  /** The response code. */
  rcode: number;
  /** The answer was cut (TC): the whole needs TCP. */
  truncated: boolean;
  /** The question's name, lower case, without the final dot. */
  question: string;
  /**
   * How long, in seconds, the answer's "no such name" or "no such record"
   * holds (RFC 2308 §5: the lesser of the SOA record's TTL and its MINIMUM
   * field), when it carries its zone's SOA in the authority section; else
   * null (also whenever a record was found).
   */
  negativeTtl: number | null;
}

/** What an answer to a PTR question says. */
export interface PtrAnswer extends Answer {
  /** The host name found (see the module's rules), or null. */
  name: string | null;
}

/** What an answer to a TXT question says. */
export interface TxtAnswer extends Answer {
  /** The TXT records found, each one's strings joined. */
  records: string[];
}

/** A wire name read from a message: its labels (raw bytes) and where reading goes on. */
interface WireName {
  labels: Uint8Array[];
  next: number;
}

/** Reads a possibly compressed name at `at`; null when the message is malformed. */
function readName(msg: Uint8Array, at: number): WireName | null {
  const labels: Uint8Array[] = [];
  let next = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    if (at >= msg.length) return null;
    const len = msg[at]!;
    if (len === 0) {
      if (next < 0) next = at + 1;
      return { labels, next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= msg.length || ++jumps > 64) return null;
      if (next < 0) next = at + 2;
      at = ((len & 0x3f) << 8) | msg[at + 1]!;
      continue;
    }
    if ((len & 0xc0) !== 0 || at + 1 + len > msg.length) return null;
    length += len + 1;
    if (length > 255) return null;
    labels.push(msg.subarray(at + 1, at + 1 + len));
    at += 1 + len;
  }
}

/** The presentation of a wire name, lower case when `lower`, special bytes escaped as ns_name_ntop does. */
function nameText(labels: Uint8Array[], lower: boolean): string {
  let out = "";
  for (const label of labels) {
    if (out !== "") out += ".";
    for (const byte of label) {
      let c = byte;
      if (lower && c >= 0x41 && c <= 0x5a) c += 0x20;
      if (
        c === 0x2e || c === 0x22 || c === 0x3b || c === 0x5c || c === 0x28 || c === 0x29 ||
        c === 0x40 || c === 0x24
      ) {
        out += "\\" + String.fromCharCode(c);
      } else if (c <= 0x20 || c >= 0x7f) out += "\\" + String(c).padStart(3, "0");
      else out += String.fromCharCode(c);
    }
  }
  return out;
}

/** glibc's test of a host name (res_hnok on the wire form). */
function hostNameOk(labels: Uint8Array[]): boolean {
  if (labels.length > 0 && labels[0]![0] === 0x2d) return false;
  for (const label of labels) {
    for (const c of label) {
      const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
        c === 0x2d || c === 0x5f;
      if (!ok) return false;
    }
  }
  return true;
}

/**
 * Reads an answer to a PTR query; null when `msg` is not a well-formed
 * answer (too short, not a response, a question cut short).
 */
export function parsePtrAnswer(msg: Uint8Array): PtrAnswer | null {
  let name: string | null = null;
  const answer = parseAnswer(msg, TYPE_PTR, (rdata) => {
    const target = readName(msg, rdata);
    if (!target) return false;
    if (hostNameOk(target.labels)) name = nameText(target.labels, false);
    return false; // the first PTR record is the answer
  });
  return answer && { ...answer, name };
}

/**
 * Reads an answer to a TXT query; null when `msg` is not a well-formed
 * answer. A record whose strings overrun it ends the reading.
 */
export function parseTxtAnswer(msg: Uint8Array): TxtAnswer | null {
  const records: string[] = [];
  const decoder = new TextDecoder();
  const answer = parseAnswer(msg, TYPE_TXT, (rdata, rdLength) => {
    // The strings' bytes joined, then read: a character may straddle two strings.
    const bytes: number[] = [];
    for (let at = rdata; at < rdata + rdLength;) {
      const length = msg[at]!;
      if (at + 1 + length > rdata + rdLength) return false;
      bytes.push(...msg.subarray(at + 1, at + 1 + length));
      at += 1 + length;
    }
    records.push(decoder.decode(new Uint8Array(bytes)));
    return true;
  });
  return answer && { ...answer, records };
}

/**
 * Reads an answer's header and question, then hands each record of `type`
 * owned by the name reached from the question (CNAMEs followed) to `take`,
 * which returns whether to read on. Null when `msg` is not a well-formed
 * answer.
 */
function parseAnswer(
  msg: Uint8Array,
  type: number,
  take: (rdata: number, rdLength: number) => boolean,
): Answer | null {
  if (msg.length < 12) return null;
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const id = view.getUint16(0);
  const flags = view.getUint16(2);
  if (!(flags & FLAG_QR)) return null;
  const questions = view.getUint16(4);
  const answers = view.getUint16(6);
  const answer: Answer = {
    id,
    rcode: flags & 0xf,
    truncated: (flags & FLAG_TC) !== 0,
    question: "",
    negativeTtl: null,
  };
  if (questions !== 1) return questions === 0 ? answer : null;
  const q = readName(msg, 12);
  if (!q || q.next + 4 > msg.length) return null;
  answer.question = nameText(q.labels, true);
  let at = q.next + 4;
  let owner = answer.question;
  let found = false;
  for (let i = 0; i < answers; i++) {
    const rr = readRecord(msg, view, at);
    if (!rr) return answer;
    at = rr.rdata + rr.rdLength;
    if (rr.class !== CLASS_IN) continue;
    if (nameText(rr.owner, true) !== owner) continue;
    if (rr.type === TYPE_CNAME) {
      const target = readName(msg, rr.rdata);
      if (!target) return answer;
      owner = nameText(target.labels, true);
      continue;
    }
    if (rr.type !== type) continue;
    found = true;
    if (!take(rr.rdata, rr.rdLength)) return answer;
  }
  if (found) return answer;
  // No record of the type: the authority section may hold the zone's SOA.
  const authority = view.getUint16(8);
  for (let i = 0; i < authority; i++) {
    const rr = readRecord(msg, view, at);
    if (!rr) return answer;
    at = rr.rdata + rr.rdLength;
    if (rr.type !== TYPE_SOA || rr.class !== CLASS_IN) continue;
    // MNAME and RNAME, then SERIAL, REFRESH, RETRY, EXPIRE and MINIMUM (RFC 1035 §3.3.13).
    const mname = readName(msg, rr.rdata);
    const rname = mname && readName(msg, mname.next);
    if (!rname || rname.next + 20 > at) return answer;
    answer.negativeTtl = Math.min(rr.ttl, view.getUint32(rname.next + 16));
    return answer;
  }
  return answer;
}

/** A resource record's header, read at `at`: null when it runs past the message. */
function readRecord(
  msg: Uint8Array,
  view: DataView,
  at: number,
): {
  owner: Uint8Array[];
  type: number;
  class: number;
  ttl: number;
  rdata: number;
  rdLength: number;
} | null {
  const rr = readName(msg, at);
  if (!rr || rr.next + 10 > msg.length) return null;
  const rdLength = view.getUint16(rr.next + 8);
  const rdata = rr.next + 10;
  if (rdata + rdLength > msg.length) return null;
  return {
    owner: rr.labels,
    type: view.getUint16(rr.next),
    class: view.getUint16(rr.next + 2),
    // A TTL with its top bit set counts as 0 (RFC 2181 §8).
    ttl: view.getInt32(rr.next + 4) < 0 ? 0 : view.getUint32(rr.next + 4),
    rdata,
    rdLength,
  };
}
