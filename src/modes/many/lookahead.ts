/**
 * How far a new trace of a run of many sends at once: as far as the median
 * distance of the destinations reached so far (Doubletree's idea, without
 * its stop set), then on as answers come. A count per distance (a TTL is at
 * most 255), so the median costs the same at any number of traces.
 *
 * @module
 */

/** TTLs sent at once before any destination was reached. */
export const FIRST_LOOKAHEAD = 8;
/** The fewest TTLs sent at once. */
export const MIN_LOOKAHEAD = 4;
/** The most TTLs sent at once. */
export const MAX_LOOKAHEAD = 16;

/** The distances of the destinations reached so far, and the lookahead they give. */
export class Lookahead {
  readonly #distances = new Uint32Array(256);
  #measured = 0;

  /** A destination was reached at `ttl` (at most 255 counts). */
  reached(ttl: number): void {
    this.#distances[Math.min(255, ttl)]!++;
    this.#measured++;
  }

  /** TTLs a new trace sends at once: the median distance, from 4 to 16 (8 before any). */
  get ttls(): number {
    if (this.#measured === 0) return FIRST_LOOKAHEAD;
    const distances = this.#distances;
    let ttl = 0;
    for (let seen = distances[0]!; seen <= this.#measured >> 1; seen += distances[++ttl]!);
    return Math.max(MIN_LOOKAHEAD, Math.min(MAX_LOOKAHEAD, ttl));
  }
}
