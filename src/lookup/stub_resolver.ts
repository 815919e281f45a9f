/**
 * Reverse lookups made by hopwise itself, as mtr and trippy make theirs: the
 * sources nsswitch names (dns_config.ts), `files` from /etc/hosts read once
 * a while, `dns` as PTR questions over one UDP socket a family, many in
 * flight at once, answers read as they come. glibc's getnameinfo makes the
 * same questions on a thread and a socket each: about 120 µs of CPU a
 * lookup in a Deno process in the lab, against 30 to 45 µs here (the
 * figures: docs/identity.md). The questions are sent
 * at once, not through the sending thread the probes use: measured, the
 * hand-over cost more CPU and time than the send it moved.
 *
 * The `dns` source keeps glibc's schedule: each server in turn (from the
 * next one each lookup with `rotate`), `attempts` rounds, waiting `timeout`
 * for the first server and `timeout << i / servers` for server i (whole
 * seconds, one at least; res_send.c's rule); an answer saying
 * the name does not exist, or has no name, ends the source (with how long
 * that holds, where the answer carries its zone's SOA); a failure
 * (SERVFAIL, REFUSED, silence) moves to the next server. An answer cut short
 * (TC), which needs TCP, is left to getnameinfo. An answer counts only from
 * the server asked, with the question's identifier (random) and name.
 *
 * TXT questions (Team Cymru's interface, cymru.ts) go the same way to the
 * same servers; when every try fails, the lookup fails with the last
 * server's failure in words (Deno.resolveDns says "not found" for SERVFAIL
 * and REFUSED alike, so a resolver that refuses would look like one that
 * knows nothing).
 *
 * @module
 */
import type { Socket, Transport } from "../core/transport.ts";
import type { NameServer, ReverseConfig } from "./dns_config.ts";
import {
  type Answer,
  parsePtrAnswer,
  parseTxtAnswer,
  ptrQuery,
  RCODE,
  reverseName,
  txtQuery,
} from "./dns_message.ts";

/**
 * What a lookup found: a name, none, "ask getnameinfo", or why it failed (no
 * source named it and a DNS source failed: SERVFAIL, REFUSED or silence from
 * every server).
 */
export type StubAnswer = { name: string } | NoName | { system: true } | { failed: string };

/**
 * No name, or no record: with how long that holds (seconds), where the
 * answer said (its zone's SOA, RFC 2308).
 */
export type NoName = { none: true; ttl?: number };

/** An answer's "no such name" or "no such record", with how long it holds where it says. */
function noName(answer: Answer): NoName {
  return answer.negativeTtl === null ? { none: true } : { none: true, ttl: answer.negativeTtl };
}

/** What a TXT lookup found: the records (none when the name has none), or why it failed. */
export type StubTxtAnswer = { records: string[] } | { failed: string } | { system: true };

/** What a question found: no such name or record, "ask the system", a name, records, or why it failed. */
type DnsOutcome =
  | NoName
  | "system"
  | { name: string }
  | { records: string[] }
  | { failed: string };

/** RCODE names for the words of a failure. */
const RCODE_NAMES: Record<number, string> = {
  1: "FORMERR",
  2: "SERVFAIL",
  4: "NOTIMP",
  5: "REFUSED",
};

/** A question in flight. */
interface Question {
  /** Its identifier, unique among those in flight. */
  id: number;
  /** The name asked, lower case. */
  name: string;
  /** What is asked. */
  type: "ptr" | "txt";
  /** The last try's failure, in words (what a lookup that fails says). */
  failure: string;
  /** The query's bytes. */
  bytes: Uint8Array;
  /** The server of the first try, and the tries made. */
  first: number;
  tries: number;
  /** The server asked last. */
  server: NameServer;
  /** When it was sent to that server, and when to give up on it (the transport's clock). */
  sentAt: number;
  until: number;
  /** Settles the question. */
  settle(outcome: DnsOutcome): void;
}

/**
 * Why a wait for answers is stopped early: nothing is left in flight. A reason
 * of its own, because `abort()` without one makes a DOMException, stack and
 * all, each time (15 ms of a 10,000-name run's profile).
 */
const ALL_SETTLED = "every question settled";

/** The longest a wait runs, ms (the schedule's next step is looked at after it). */
const MAX_WAIT_MS = 1_000;

/** Reverse lookups over the system's configuration, without getnameinfo. */
export class StubResolver {
  readonly #transport: Transport;
  readonly #config: ReverseConfig;
  readonly #sockets = new Map<4 | 6, Socket>();
  readonly #inFlight = new Map<number, Question>();
  #next = 0;
  /** Random identifiers, drawn 256 at a time (one call to the generator, not one a question). */
  readonly #ids = new Uint16Array(256);
  #idAt = 256;
  #running = false;
  #stopWait: AbortController | null = null;

  /** Lookups by `config`, with sockets from `transport`. */
  constructor(transport: Transport, config: ReverseConfig) {
    this.#transport = transport;
    this.#config = config;
  }

  /** The name of `address` from the configured sources. */
  async reverse(address: string): Promise<StubAnswer> {
    let failed: string | null = null;
    let none: NoName = { none: true };
    for (const source of this.#config.sources) {
      if (source === "files") {
        const name = this.#config.hosts.get(address);
        if (name !== undefined) return { name };
        continue;
      }
      const outcome = await this.#ask(reverseName(address), "ptr");
      if (outcome === "system") return { system: true };
      if ("name" in outcome) return outcome;
      if ("failed" in outcome) failed = outcome.failed;
      if ("none" in outcome) none = outcome;
    }
    return failed === null ? none : { failed };
  }

  /** The TXT records of `name` from the configured servers (files play no part). */
  async txt(name: string): Promise<StubTxtAnswer> {
    const outcome = await this.#ask(name.toLowerCase(), "txt");
    if (outcome === "system") return { system: true };
    if ("none" in outcome || "name" in outcome) return { records: [] };
    return outcome;
  }

  /** Closes the sockets (lookups in flight end with nothing found). */
  close(): void {
    for (const q of [...this.#inFlight.values()]) q.settle({ failed: "the lookups were closed" });
    for (const socket of this.#sockets.values()) socket.close();
    this.#sockets.clear();
  }

  /** Asks the servers for `name`'s record of `type`. */
  #ask(name: string, type: Question["type"]): Promise<DnsOutcome> {
    const servers = this.#config.servers;
    const first = this.#config.rotate ? this.#next++ % servers.length : 0;
    return new Promise<DnsOutcome>((resolve) => {
      const question: Question = {
        id: this.#freeId(),
        name,
        type,
        failure: "",
        bytes: new Uint8Array(0),
        first,
        tries: 0,
        server: servers[first]!,
        sentAt: 0,
        until: 0,
        settle: (outcome) => {
          if (this.#inFlight.get(question.id) !== question) return;
          this.#inFlight.delete(question.id);
          if (this.#inFlight.size === 0) this.#stopWait?.abort(ALL_SETTLED);
          resolve(outcome);
        },
      };
      question.bytes = type === "ptr" ? ptrQuery(question.id, name) : txtQuery(question.id, name);
      this.#inFlight.set(question.id, question);
      this.#send(question);
      if (!this.#running) this.#run();
    });
  }

  /** A random identifier no question in flight has. */
  #freeId(): number {
    for (;;) {
      if (this.#idAt === this.#ids.length) {
        crypto.getRandomValues(this.#ids);
        this.#idAt = 0;
      }
      const id = this.#ids[this.#idAt++]!;
      if (!this.#inFlight.has(id)) return id;
    }
  }

  /** Sends `q` to its next server, or settles it when its tries are spent. */
  #send(q: Question): void {
    const { servers, attempts, timeoutMs } = this.#config;
    for (;;) {
      if (q.tries >= servers.length * attempts) {
        // attempts:0 asks nothing (glibc), so a lookup may fail with no try's words.
        return q.settle({ failed: q.failure || "no question asked (resolv.conf attempts:0)" });
      }
      const index = (q.first + q.tries) % servers.length;
      q.server = servers[index]!;
      q.tries++;
      // glibc's wait for server `index` (res_send.c, send_dg), in whole seconds.
      const timeout = timeoutMs / 1000;
      const wait = 1000 *
        (index === 0 ? timeout : Math.max(1, Math.floor((timeout * 2 ** index) / servers.length)));
      q.sentAt = this.#transport.now();
      q.until = q.sentAt + wait;
      try {
        this.#socket(q.server.family).send(q.bytes, { address: q.server.address, port: 53 });
        return;
      } catch (e) {
        // This server cannot be reached from here (no route, no such family): the next one.
        q.failure = `${q.server.address}: ${e instanceof Error ? e.message : e}`;
      }
    }
  }

  /** The socket of `family`, opened on first use. */
  #socket(family: 4 | 6): Socket {
    let socket = this.#sockets.get(family);
    if (!socket) {
      socket = this.#transport.socket(family, "dgram", 17);
      this.#sockets.set(family, socket);
    }
    return socket;
  }

  /** Reads answers and moves the schedule on while questions are in flight. */
  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#inFlight.size > 0) {
        const now = this.#transport.now();
        let soonest = Infinity;
        for (const q of [...this.#inFlight.values()]) {
          if (q.until <= now) {
            q.failure = `no answer from ${q.server.address} in ${
              Math.round((q.until - q.sentAt) / 1000)
            } s`;
            this.#send(q);
          }
          if (this.#inFlight.has(q.id)) soonest = Math.min(soonest, q.until);
        }
        if (this.#inFlight.size === 0) break;
        this.#stopWait = new AbortController();
        const ready = await this.#transport.wait(
          [...this.#sockets.values()],
          Math.max(0, Math.min(MAX_WAIT_MS, soonest - now)),
          this.#stopWait.signal,
        );
        for (const r of ready) if (r.readable || r.error) this.#drain(r.socket);
      }
    } catch (e) {
      // The transport failed: what is in flight ends with nothing found.
      for (const q of [...this.#inFlight.values()]) q.settle({ failed: `waiting failed: ${e}` });
    } finally {
      this.#running = false;
      this.#stopWait = null;
    }
  }

  /** Reads every answer waiting on `socket`. */
  #drain(socket: Socket): void {
    for (;;) {
      let datagram;
      try {
        datagram = socket.receive(false);
      } catch {
        return; // a socket error (read, so cleared): the datagrams behind it are read next time
      }
      if (!datagram) return;
      const data = datagram.data;
      const q = data.length >= 2 ? this.#inFlight.get((data[0]! << 8) | data[1]!) : undefined;
      if (!q) continue;
      const answer: (Answer & { name?: string | null; records?: string[] }) | null =
        q.type === "ptr" ? parsePtrAnswer(data) : parseTxtAnswer(data);
      if (
        !answer || answer.question !== q.name || datagram.from?.address !== q.server.address ||
        datagram.from.port !== 53
      ) continue;
      if (answer.truncated) q.settle("system");
      else if (answer.rcode === RCODE.nxDomain) q.settle(noName(answer));
      else if (answer.rcode === RCODE.noError) {
        if (answer.records) q.settle({ records: answer.records });
        else q.settle(answer.name ? { name: answer.name } : noName(answer));
      } else {
        // SERVFAIL, REFUSED and the like: the next server
        q.failure = `${q.server.address} answered ${
          RCODE_NAMES[answer.rcode] ?? `RCODE ${answer.rcode}`
        }`;
        this.#send(q);
      }
    }
  }
}
