/**
 * The service's log of what changed, each with its time: findings appearing
 * and clearing, path changes, targets going up and down (the timestamped log
 * people ask mtr and trippy for). It keeps the latest events (a bounded
 * ring) and hands each new one to every listener; `/api/events` streams them
 * as JSON Lines.
 *
 * @module
 */
import type { FleetFigures } from "../core/fleet_model.ts";

/** One change, with when it was seen. */
export type ServiceEvent =
  | {
    /** When (ISO 8601). */
    at: string;
    /** A finding began or ended to hold. */
    type: "finding";
    /** The target (its `target` label). */
    target: string;
    /** `appeared` or `cleared`. */
    state: "appeared" | "cleared";
    /** The finding's kind. */
    kind: string;
    /** The hop it concerns, or null. */
    ttl: number | null;
    /** The finding in words (as it read when it appeared, or last held). */
    text: string;
  }
  | {
    /** When (ISO 8601). */
    at: string;
    /** A hop answered from an address it had not answered from lately. */
    type: "path-change";
    /** The target. */
    target: string;
    /** The hop. */
    ttl: number;
    /** The new address. */
    address: string;
  }
  | {
    /** When (ISO 8601). */
    at: string;
    /** A target went up or down. */
    type: "target";
    /** The target. */
    target: string;
    /** `up` or `down`. */
    state: "up" | "down";
    /** Why it is down, or null. */
    reason: string | null;
  };

/** Events kept for a listener that comes later. */
export const EVENTS_KEPT = 1000;

/** The log. */
export class EventLog {
  readonly #ring: ServiceEvent[] = [];
  readonly #listeners = new Set<(event: ServiceEvent | null) => void>();
  /** Per target, the findings that held at the last look: `kind ttl` to its text. */
  readonly #holding = new Map<
    string,
    Map<string, { kind: string; ttl: number | null; text: string }>
  >();

  /** Adds `event` (stamped now when it has no time yet) and tells every listener. */
  push(event: ServiceEvent): void {
    this.#ring.push(event);
    if (this.#ring.length > EVENTS_KEPT) this.#ring.shift();
    for (const listener of this.#listeners) listener(event);
  }

  /** The events kept, oldest first. */
  recent(): readonly ServiceEvent[] {
    return [...this.#ring];
  }

  /** Hears every event from now on (null when the log closes); returns how to stop hearing. */
  listen(listener: (event: ServiceEvent | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Logs the findings that began or ended to hold since the last look at `figures`. */
  observe(figures: FleetFigures): void {
    const at = new Date().toISOString();
    for (const t of figures.targets) {
      const before = this.#holding.get(t.target) ?? new Map();
      const now = new Map(t.findings.map((f) => [`${f.kind} ${f.ttl ?? ""}`, f] as const));
      for (const [key, f] of now) {
        if (!before.has(key)) {
          this.push({ at, type: "finding", target: t.target, state: "appeared", ...pick(f) });
        }
      }
      for (const [key, f] of before) {
        if (!now.has(key)) {
          this.push({ at, type: "finding", target: t.target, state: "cleared", ...pick(f) });
        }
      }
      this.#holding.set(t.target, now);
    }
  }

  /** Tells every listener the log is closed (their streams end). */
  close(): void {
    for (const listener of this.#listeners) listener(null);
    this.#listeners.clear();
  }
}

/** A finding's kind, hop and words. */
function pick(f: { kind: string; ttl: number | null; text: string }) {
  return { kind: f.kind, ttl: f.ttl, text: f.text };
}

/**
 * `/api/events`'s body: the events kept, then each new one as it comes, one
 * JSON document a line, until the client leaves or the log closes.
 */
export function eventStream(log: EventLog): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let stop = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of log.recent()) {
        controller.enqueue(encoder.encode(JSON.stringify(event) + "\n"));
      }
      stop = log.listen((event) => {
        if (event === null) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(JSON.stringify(event) + "\n"));
      });
    },
    cancel() {
      stop();
    },
  });
}
