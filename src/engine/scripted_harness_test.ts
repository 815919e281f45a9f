/**
 * A scripted kernel and method session for the scheduler's unit tests (this
 * file holds no tests): the session sends nothing anywhere, it asks a script
 * what answers each probe and when, and queues that on its one socket; the
 * transport waits on a virtual clock that jumps to the next timeout or the
 * next message due. A message names its probe by a token, so the matcher is
 * exact and every timing decision is the plan's.
 *
 * @module
 */
import type { Family } from "../packet/address.ts";
import type { Arrival, Match, MethodSession } from "../core/method.ts";
import { AdaptivePlan } from "../modes/adaptive_plan.ts";
import { ClassicPlan } from "../modes/classic_plan.ts";
import { TraceSlots } from "../modes/trace_slots.ts";
import type {
  Datagram,
  Endpoint,
  ExtendedError,
  Readiness,
  Socket,
  SocketKind,
  Transport,
} from "../core/transport.ts";
import type { ProbeResult, StopReason } from "../core/model.ts";
import type { Channel } from "./channel.ts";
import type { Probe, ProbeStatus } from "../core/probe.ts";
import { Prober, type ProberOptions } from "./prober.ts";
import type { IgnoreReason, Statistics } from "../core/statistics.ts";
import type { WaitRule } from "./wait.ts";

/** The source and target of every scripted trace. */
export const SOURCE = "198.18.0.2";
/** The target of every scripted trace. */
export const TARGET = "198.18.9.9";

/** What answers a probe. */
export interface ScriptedAnswer {
  /** Milliseconds after the send. */
  after: number;
  /** The responder. */
  from: string;
  /**
   * `hop`: time exceeded; `reached`: port unreachable from the destination;
   * `!H`, `!N`: host or net unreachable; `data`: data from the destination.
   */
  kind?: "hop" | "reached" | "!H" | "!N" | "data";
  /** TTL of the reply packet (60 by default). */
  replyTtl?: number;
  /** Copies of the answer (2: a duplicate). */
  copies?: number;
}

/** What answers each probe, by its slot and send time; null: nothing. */
export type Script = (probe: Probe, at: number) => ScriptedAnswer | null;

const ICMP: Record<Exclude<ScriptedAnswer["kind"], "data" | undefined>, [number, number]> = {
  hop: [11, 0],
  reached: [3, 3],
  "!H": [3, 1],
  "!N": [3, 0],
};

interface Queued {
  at: number;
  errorQueue: boolean;
  datagram: Datagram;
}

/** The one socket of a scripted session. */
export class ScriptedSocket implements Socket {
  readonly family: Family = 4;
  readonly kind: SocketKind = "dgram";
  readonly protocol = 17;
  closed = false;
  watchWritable = false;
  /** Messages waiting, with the time each is due. */
  queue: Queued[] = [];
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  setInt(): void {}
  getInt(): number {
    return 0;
  }
  tcpRtt(): number {
    return 0;
  }
  setBytes(): void {}
  bind(): void {}
  connect(): void {}
  localEndpoint(): Endpoint {
    return { address: SOURCE, port: 40000 };
  }
  takeError(): string | null {
    return null;
  }
  send(): number {
    throw new Error("the scripted session queues its answers itself");
  }
  receive(errorQueue: boolean): Datagram | null {
    const now = this.#now();
    const i = this.queue.findIndex((q) => q.errorQueue === errorQueue && q.at <= now);
    return i === -1 ? null : this.queue.splice(i, 1)[0]!.datagram;
  }
  close(): void {
    this.closed = true;
    this.queue = [];
  }
}

/** A virtual clock that jumps to the next timeout or message due. */
export class ScriptedTransport implements Transport {
  #clock = 0;
  /** Each wait's timeout, in order. */
  readonly waits: number[] = [];

  now(): number {
    return this.#clock;
  }
  pid(): number {
    return 1;
  }
  socket(): Socket {
    return new ScriptedSocket(() => this.#clock);
  }
  wait(sockets: readonly Socket[], timeoutMs: number, signal?: AbortSignal): Promise<Readiness[]> {
    this.waits.push(timeoutMs);
    if (this.waits.length > 100_000) throw new Error("the prober spins");
    if (signal?.aborted) return Promise.resolve([]);
    const scripted = sockets.filter((s): s is ScriptedSocket =>
      s instanceof ScriptedSocket && !s.closed
    );
    let next = this.#clock + Math.max(0, timeoutMs);
    for (const s of scripted) for (const q of s.queue) next = Math.min(next, q.at);
    if (!Number.isFinite(next)) throw new Error("the prober waits forever");
    this.#clock = Math.max(this.#clock, next);
    const ready: Readiness[] = [];
    for (const socket of scripted) {
      const due = socket.queue.filter((q) => q.at <= this.#clock);
      if (due.length === 0) continue;
      ready.push({
        socket,
        readable: due.some((q) => !q.errorQueue),
        error: due.some((q) => q.errorQueue),
        writable: false,
      });
    }
    return Promise.resolve(ready);
  }
}

/** One send, as the session saw it. */
export interface ScriptedSend {
  /** Slot of the probe. */
  ttl: number;
  /** Place within its hop. */
  place: number;
  /** Send time. */
  at: number;
  /** It was a re-probe. */
  reprobe: boolean;
}

/** A method session answering from a script. */
export class ScriptedSession implements MethodSession {
  readonly dataLength = 32;
  readonly socketPerProbe = false;
  readonly reading = { limit: 64, untilMatch: false };
  readonly socket: ScriptedSocket;
  /** Every send, in order. */
  readonly sends: ScriptedSend[] = [];
  /** Probes the engine said were done, in order. */
  readonly released: Probe[] = [];
  /** Which sends to refuse as if the kernel said ENOBUFS (none by default). */
  refuse: (probe: Probe, attempt: number) => boolean = () => false;
  #attempts = 0;
  readonly #transport: ScriptedTransport;
  readonly #script: Script;
  readonly #byToken = new Map<number, Probe>();
  readonly #tokenOf = new Map<Probe, number>();
  #nextToken = 1;

  constructor(transport: ScriptedTransport, script: Script) {
    this.#transport = transport;
    this.#script = script;
    this.socket = transport.socket() as ScriptedSocket;
  }

  sockets(): readonly Socket[] {
    return this.socket.closed ? [] : [this.socket];
  }

  send(probe: Probe): number | null {
    if (this.refuse(probe, ++this.#attempts)) return null;
    const at = this.#transport.now();
    const token = this.#nextToken++;
    this.#byToken.set(token, probe);
    this.#tokenOf.set(probe, token);
    this.sends.push({ ttl: probe.ttl, place: probe.place, at, reprobe: probe.reprobed });
    const answer = this.#script(probe, at);
    if (answer) {
      const due = at + answer.after;
      const kind = answer.kind ?? "hop";
      const data = new Uint8Array([token >> 8, token & 0xff]);
      const replyTtl = answer.replyTtl ?? 60;
      let queued: Queued;
      if (kind === "data") {
        queued = {
          at: due,
          errorQueue: false,
          datagram: {
            data,
            from: { address: answer.from, port: 0 },
            receivedAt: due,
            ttl: replyTtl,
            error: null,
            truncated: false,
          },
        };
      } else {
        const [type, code] = ICMP[kind];
        const error: ExtendedError = {
          errno: "EHOSTUNREACH",
          description: "",
          origin: "icmp",
          type,
          code,
          info: 0,
          offender: answer.from,
        };
        queued = {
          at: due,
          errorQueue: true,
          datagram: {
            data,
            from: { address: TARGET, port: 0 },
            receivedAt: due,
            ttl: replyTtl,
            error,
            truncated: false,
          },
        };
      }
      for (let i = 0; i < (answer.copies ?? 1); i++) this.socket.queue.push({ ...queued });
    }
    return at;
  }

  match(arrival: Arrival): Match | IgnoreReason {
    if (arrival.kind !== "datagram") return "unknown-probe";
    const { data } = arrival.datagram;
    if (data.length < 2) return "malformed";
    const probe = this.#byToken.get((data[0]! << 8) | data[1]!);
    return probe ? { probe } : "unknown-probe";
  }

  release(probe: Probe): void {
    const token = this.#tokenOf.get(probe);
    if (token === undefined) return;
    this.#tokenOf.delete(probe);
    this.#byToken.delete(token);
    this.released.push(probe);
  }

  close(): void {
    this.socket.close();
  }
}

/** What a test traces with. */
export interface TraceSetup {
  /** Linux traceroute's timing, or hopwise's adaptive timing. */
  timing: "classic" | "adaptive";
  /** Who answers what. */
  script: Script;
  /** First TTL (1). */
  firstHop?: number;
  /** Last TTL (5). */
  maxHops?: number;
  /** Probes per hop (3). */
  queries?: number;
  /** Probes in flight at once (16). */
  simultaneous?: number;
  /** The wait rule (Linux traceroute's 5000, 3, 10; min 0; adaptive as the timing). */
  wait?: Partial<WaitRule>;
  /** `-z`, ms (0). */
  sendWait?: number;
  /** Which sends the kernel refuses (the probe, and the count of sends tried so far). */
  refuse?: (probe: Probe, attempt: number) => boolean;
  /** Called at each release, before it is recorded. */
  onRelease?: (probe: Probe, slots: TraceSlots) => void;
}

/** A probe as it was released. */
export interface Released extends ProbeResult {
  /** Release time on the virtual clock. */
  at: number;
  /** Its status then. */
  status: ProbeStatus;
}

/** A trace on a prober. */
export interface OpenTrace {
  /** Its slots. */
  slots: TraceSlots;
  /** Its session. */
  session: ScriptedSession;
  /** Its channel. */
  channel: Channel;
  /** Its counters. */
  statistics: Statistics;
  /** Releases, in order. */
  releases: Released[];
  /** Why it ended, once it has: the plan's reason, or the error it failed with. */
  outcome: Promise<StopReason | Error>;
}

/** Puts a scripted trace on `prober`. */
export function openTrace(
  prober: Prober,
  transport: ScriptedTransport,
  setup: TraceSetup,
): OpenTrace {
  const session = new ScriptedSession(transport, setup.script);
  if (setup.refuse) session.refuse = setup.refuse;
  const channel = prober.open(session, {
    family: 4,
    target: TARGET,
    headerLength: 28,
    extensions: false,
    mtuDiscovery: false,
    sendWait: setup.sendWait ?? 0,
  });
  const releases: Released[] = [];
  const slots: TraceSlots = new TraceSlots(
    {
      firstHop: setup.firstHop ?? 1,
      maxHops: setup.maxHops ?? 5,
      queries: setup.queries ?? 3,
      simultaneous: setup.simultaneous ?? 16,
      wait: {
        max: 5000,
        here: 3,
        near: 10,
        min: 0,
        adaptive: setup.timing === "adaptive",
        ...setup.wait,
      },
    },
    channel,
    {
      release(probe) {
        setup.onRelease?.(probe, slots);
        releases.push({ ...probe.result(), at: transport.now(), status: probe.status });
      },
    },
  );
  const plan = setup.timing === "adaptive" ? new AdaptivePlan(slots) : new ClassicPlan(slots);
  const outcome = new Promise<StopReason | Error>((resolve) => {
    slots.poke = prober.add(plan, (error) => {
      prober.remove(channel);
      resolve(error === null ? plan.reason ?? "aborted" : error as Error);
    });
  });
  return { slots, session, channel, statistics: channel.statistics, releases, outcome };
}

/** A finished scripted trace. */
export interface TraceOutcome extends Omit<OpenTrace, "outcome"> {
  /** Why it ended, or what it failed with. */
  outcome: StopReason | Error;
  /** The clock. */
  transport: ScriptedTransport;
}

/** Runs one scripted trace on a prober of its own to its end. */
export async function runTrace(
  setup: TraceSetup,
  options: ProberOptions = {},
): Promise<TraceOutcome> {
  const transport = new ScriptedTransport();
  const prober = new Prober(transport, options);
  const trace = openTrace(prober, transport, setup);
  await prober.run();
  return { ...trace, outcome: await trace.outcome, transport };
}

/** `[ttl, place]` of each release, as text: "1.0 1.1 ...". */
export function order(releases: readonly Released[]): string {
  return releases.map((r) => `${r.ttl}.${r.index}`).join(" ");
}
