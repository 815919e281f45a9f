/**
 * A method session answering from a script, over the fake kernel, for the
 * unit tests of the prober and the plans: the session sends nothing
 * anywhere, it asks a script what answers each probe and when, and queues
 * that on its one socket of the fake kernel (tests/fake/transport.ts), whose
 * wait moves a virtual clock to the next timeout or the next message due. A
 * message names its probe by a token, so the matcher is exact and every
 * timing decision is the plan's.
 *
 * @module
 */
import type { Arrival, Match, MethodSession } from "../../src/core/method.ts";
import type { ProbeResult, StopReason } from "../../src/core/model.ts";
import type { Probe, ProbeStatus } from "../../src/core/probe.ts";
import type { IgnoreReason, Statistics } from "../../src/core/statistics.ts";
import type { Datagram, ExtendedError, Socket } from "../../src/core/transport.ts";
import type { Channel } from "../../src/engine/channel.ts";
import { Prober, type ProberOptions } from "../../src/engine/prober.ts";
import type { WaitRule } from "../../src/engine/wait.ts";
import { AdaptivePlan } from "../../src/modes/adaptive_plan.ts";
import { ClassicPlan } from "../../src/modes/classic_plan.ts";
import { TraceSlots } from "../../src/modes/trace_slots.ts";
import { FakeTransport } from "../fake/transport.ts";

/** The source of every scripted trace. */
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
   * `!H`, `!N`: host or net unreachable; `!F`: fragmentation needed, with
   * `mtu`; `data`: data from the destination.
   */
  kind?: "hop" | "reached" | "!H" | "!N" | "!F" | "data";
  /** The next-hop MTU a `!F` reports (its ee_info). */
  mtu?: number;
  /** TTL of the reply packet (60 by default). */
  replyTtl?: number;
  /** Copies of the answer (2: a duplicate). */
  copies?: number;
}

/** What answers each probe, by its slot and send time; null: nothing. */
export type Script = (probe: Probe, at: number) => ScriptedAnswer | null;

/** What an answer is beside its time and responder. */
type AnswerExtras = Omit<ScriptedAnswer, "after" | "from">;

/** Time exceeded from hop `ttl`'s router (`198.18.<ttl>.1`) after `after` ms; `over` adds the rest. */
export function fromRouter(ttl: number, after = 1, over: AnswerExtras = {}): ScriptedAnswer {
  return { after, from: `198.18.${ttl}.1`, ...over };
}

/** The destination's answer after `after` ms: port unreachable, unless `over` says otherwise. */
export function fromTarget(after = 1, over: AnswerExtras = {}): ScriptedAnswer {
  return { after, from: TARGET, kind: "reached", ...over };
}

/** TTLs below `last` answer from their router after 1 ms; `last` is the destination. */
export function chain(last: number): Script {
  return (probe) => probe.ttl < last ? fromRouter(probe.ttl) : fromTarget();
}

/** Nothing answers. */
export const silent: Script = (): null => null;

const ICMP: Record<Exclude<ScriptedAnswer["kind"], "data" | undefined>, [number, number]> = {
  hop: [11, 0],
  reached: [3, 3],
  "!H": [3, 1],
  "!N": [3, 0],
  "!F": [3, 4],
};

/**
 * The fake kernel of scripted traces: a network where nothing answers on its
 * own (the scripted sessions bring every message), which throws when the
 * prober spins or would wait forever.
 */
export function scriptedNetwork(): FakeTransport {
  return new FakeTransport(
    { family: 4, source: SOURCE, target: TARGET, hops: [{ address: null }] },
    { maxWaits: 100_000 },
  );
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
  readonly socket: Socket;
  /** Every send, in order. */
  readonly sends: ScriptedSend[] = [];
  /** Probes the engine said were done, in order. */
  readonly released: Probe[] = [];
  /** Which sends to refuse as if the kernel said ENOBUFS (none by default). */
  refuse: (probe: Probe, attempt: number) => boolean = () => false;
  #attempts = 0;
  readonly #transport: FakeTransport;
  readonly #script: Script;
  readonly #byToken = new Map<number, Probe>();
  readonly #tokenOf = new Map<Probe, number>();
  #nextToken = 1;

  constructor(transport: FakeTransport, script: Script) {
    this.#transport = transport;
    this.#script = script;
    this.socket = transport.socket(4, "dgram", 17);
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
      const [datagram, errorQueue] = answerOf(answer, token, due);
      for (let i = 0; i < (answer.copies ?? 1); i++) {
        this.#transport.inject(this.socket, { ...datagram }, errorQueue, due);
      }
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

/** The message `answer` makes of the probe of `token`, arriving at `due`, and its queue. */
function answerOf(answer: ScriptedAnswer, token: number, due: number): [Datagram, boolean] {
  const kind = answer.kind ?? "hop";
  const data = new Uint8Array([token >> 8, token & 0xff]);
  const replyTtl = answer.replyTtl ?? 60;
  if (kind === "data") {
    const from = { address: answer.from, port: 0 };
    return [{ data, from, receivedAt: due, ttl: replyTtl, error: null, truncated: false }, false];
  }
  const [type, code] = ICMP[kind];
  const error: ExtendedError = {
    errno: kind === "!F" ? "EMSGSIZE" : "EHOSTUNREACH",
    description: "",
    origin: "icmp",
    type,
    code,
    info: answer.mtu ?? 0,
    offender: answer.from,
  };
  const from = { address: TARGET, port: 0 };
  return [{ data, from, receivedAt: due, ttl: replyTtl, error, truncated: false }, true];
}

/**
 * Opens `session` on `prober` as a scripted trace's channel (IPv4, to
 * TARGET; headers of 28 bytes), with `--mtu` when `mtuDiscovery`.
 */
export function openChannel(
  prober: Prober,
  session: MethodSession,
  sendWait = 0,
  mtuDiscovery = false,
): Channel {
  return prober.open(session, {
    family: 4,
    target: TARGET,
    headerLength: 28,
    extensions: false,
    mtuDiscovery,
    sendWait,
  });
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
  /** `--mtu`: a smaller MTU reported sends the probe again (off). */
  mtuDiscovery?: boolean;
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
  transport: FakeTransport,
  setup: TraceSetup,
): OpenTrace {
  const session = new ScriptedSession(transport, setup.script);
  if (setup.refuse) session.refuse = setup.refuse;
  const channel = openChannel(prober, session, setup.sendWait, setup.mtuDiscovery);
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
  /** The fake kernel, for its clock. */
  transport: FakeTransport;
}

/** Runs one scripted trace on a prober of its own to its end. */
export async function runTrace(
  setup: TraceSetup,
  options: ProberOptions = {},
): Promise<TraceOutcome> {
  const transport = scriptedNetwork();
  const prober = new Prober(transport, options);
  const trace = openTrace(prober, transport, setup);
  await prober.run();
  return { ...trace, outcome: await trace.outcome, transport };
}

/** `[ttl, place]` of each release, as text: "1.0 1.1 ...". */
export function order(releases: readonly Released[]): string {
  return releases.map((r) => `${r.ttl}.${r.index}`).join(" ");
}
