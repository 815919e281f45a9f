/**
 * mtr's statistics of one series of probes (a hop, an address at a hop, or a
 * flow at a hop), fed by events, in constant memory.
 *
 * The definitions are mtr's (`ui/net.c`: `net_process_ping` updates them on
 * every reply, `net_loss`, `net_drop`, `net_stdev`, ... read them), with
 * floating-point milliseconds where mtr keeps integer microseconds, except
 * for Jint, whose integer accumulator is mtr's exactly.
 *
 * @module
 */

/** The values of a series, as {@linkcode SeriesStats} has them and as its JSON form carries them. */
export interface SeriesValues {
  /** Probes sent (mtr's Snt), those in flight included. */
  readonly sent: number;
  /** Probes answered (mtr's Rcv). */
  readonly received: number;
  /** Probes whose wait ended with no answer (mtr's Drop). */
  readonly lost: number;
  /** Probes sent and not yet answered or lost. */
  readonly inFlight: number;
  /** mtr's Loss%: 100·(1 − received / (sent − inFlight)); 0 while no probe has settled. */
  readonly lossPercent: number;
  /** Round trip of the latest answer recorded, ms (mtr's Last); null before any answer. */
  readonly last: number | null;
  /** Shortest round trip, ms (Best); null before any answer. */
  readonly best: number | null;
  /** Longest round trip, ms (Wrst); null before any answer. */
  readonly worst: number | null;
  /** Mean round trip, ms (Avg); null before any answer. */
  readonly mean: number | null;
  /** Sample standard deviation (n − 1), ms (StDev); 0 with one answer, null with none. */
  readonly stdev: number | null;
  /** Geometric mean of the round trips, ms (Gmean); null before any answer. */
  readonly geometricMean: number | null;
  /** |RTTₙ − RTTₙ₋₁| of the latest two answers, ms (Jttr); 0 with one answer, null with none. */
  readonly jitter: number | null;
  /** Mean of Jttr over every answer, the first counting 0, ms (Javg); null with no answer. */
  readonly jitterMean: number | null;
  /** Largest Jttr, ms (Jmax); null with no answer. */
  readonly jitterMax: number | null;
  /** mtr's Jint as mtr shows it (its RFC 1889 accumulator, µs, over 1000); null with no answer. */
  readonly jitterInterarrival: number | null;
}

/** {@linkcode SeriesStats} as plain data. */
export interface SeriesStatsJson extends SeriesValues {}

/**
 * mtr's statistics of one series of probes. `probeSent()` when a probe
 * leaves, then, for each probe, either `probeAnswered(rtt)` or `probeLost()`,
 * in any order and for any probe sent earlier. A settlement with no probe
 * in flight counts a probe sent too (a probe that could not be sent is lost:
 * mtr counts it sent before it sends it).
 *
 * @example
 * ```ts
 * import { SeriesStats } from "./series.ts";
 *
 * const s = new SeriesStats();
 * s.probeSent();
 * s.probeSent();
 * s.probeSent();
 * s.probeAnswered(10);
 * s.probeLost();
 * s.lossPercent; // 50: the third probe is in flight and not counted
 * s.mean; // 10
 * ```
 */
export class SeriesStats implements SeriesValues {
  #sent = 0;
  #received = 0;
  #lost = 0;
  #last = 0;
  #best = 0;
  #worst = 0;
  /** Welford's running mean and sum of squared differences from it. */
  #mean = 0;
  #m2 = 0;
  /** Running mean of ln(rtt), and whether an RTT of 0 was seen (the geometric mean is then 0). */
  #logMean = 0;
  #zero = false;
  #jitter = 0;
  #jitterMean = 0;
  #jitterMax = 0;
  /** mtr's integer state for Jint: the latest RTT in µs and the accumulator `jinta`. */
  #lastUs = 0;
  #jinta = 0;

  /** A probe was sent. */
  probeSent(): void {
    this.#sent++;
  }

  /**
   * A probe was answered after `rtt` ms (finite, at least 0). The answers'
   * order of recording is the order Last and the jitter columns follow.
   */
  probeAnswered(rtt: number): void {
    if (typeof rtt !== "number" || !Number.isFinite(rtt) || rtt < 0) {
      throw new RangeError(`Round trip must be a finite number of ms, at least 0, got "${rtt}"`);
    }
    if (this.inFlight === 0) this.#sent++;
    const n = ++this.#received;
    const us = Math.round(rtt * 1000);
    if (n === 1) {
      this.#best = this.#worst = rtt;
      this.#jitter = 0;
      this.#jinta = 0;
    } else {
      this.#best = Math.min(this.#best, rtt);
      this.#worst = Math.max(this.#worst, rtt);
      this.#jitter = Math.abs(rtt - this.#last);
      // RFC 1889 A.8 as mtr writes it: jinta += J - ((jinta + 8) >> 4), in µs.
      // jinta never goes below 0, so the shift is a floor division by 16.
      this.#jinta += Math.abs(us - this.#lastUs) - Math.floor((this.#jinta + 8) / 16);
    }
    this.#last = rtt;
    this.#lastUs = us;
    this.#jitterMax = Math.max(this.#jitterMax, this.#jitter);
    this.#jitterMean += (this.#jitter - this.#jitterMean) / n;
    const delta = rtt - this.#mean;
    this.#mean += delta / n;
    this.#m2 += delta * (rtt - this.#mean);
    if (rtt === 0) this.#zero = true;
    else this.#logMean += (Math.log(rtt) - this.#logMean) / n;
  }

  /**
   * A probe in flight is taken back: it was sent past the destination, so
   * it never counts (Snt goes down by one).
   */
  probeWithdrawn(): void {
    if (this.inFlight > 0) this.#sent--;
  }

  /** A probe's wait ended with no answer (or it could not be sent). */
  probeLost(): void {
    if (this.inFlight === 0) this.#sent++;
    this.#lost++;
  }

  /**
   * Forgets everything but the probes in flight, which still count when they
   * settle: after a reset, `sent` is the number in flight.
   */
  reset(): void {
    const inFlight = this.inFlight;
    this.#sent = inFlight;
    this.#received = this.#lost = 0;
    this.#last =
      this.#best =
      this.#worst =
      this.#mean =
      this.#m2 =
      this.#logMean =
        0;
    this.#zero = false;
    this.#jitter = this.#jitterMean = this.#jitterMax = 0;
    this.#lastUs = this.#jinta = 0;
  }

  /** Probes sent (mtr's Snt), those in flight included. */
  get sent(): number {
    return this.#sent;
  }

  /** Probes answered (mtr's Rcv). */
  get received(): number {
    return this.#received;
  }

  /** Probes lost (mtr's Drop: settled and not answered). */
  get lost(): number {
    return this.#lost;
  }

  /** Probes sent and not yet settled. */
  get inFlight(): number {
    return this.#sent - this.#received - this.#lost;
  }

  /**
   * mtr's Loss% (`net_loss`): 100·(1 − received / (sent − inFlight)), in
   * percent. Probes in flight are not counted; while no probe has settled it
   * is 0 (as mtr shows it), not NaN.
   */
  get lossPercent(): number {
    const settled = this.#received + this.#lost;
    // mtr's expression and order of operations, so that its truncation to
    // thousandths of a percent gives the same digits.
    return settled === 0 ? 0 : 100 - (100 * this.#received) / settled;
  }

  /** Round trip of the latest answer, ms; null before any answer. */
  get last(): number | null {
    return this.#received === 0 ? null : this.#last;
  }

  /** Shortest round trip, ms; null before any answer. */
  get best(): number | null {
    return this.#received === 0 ? null : this.#best;
  }

  /** Longest round trip, ms; null before any answer. */
  get worst(): number | null {
    return this.#received === 0 ? null : this.#worst;
  }

  /** Mean round trip (a running mean), ms; null before any answer. */
  get mean(): number | null {
    return this.#received === 0 ? null : this.#mean;
  }

  /** Sample standard deviation, √(Σ(x − mean)² / (n − 1)), ms: 0 with one answer (as mtr), null with none. */
  get stdev(): number | null {
    const n = this.#received;
    if (n === 0) return null;
    return n === 1 ? 0 : Math.sqrt(Math.max(0, this.#m2) / (n - 1));
  }

  /** Geometric mean of the round trips, ms (0 once an RTT of 0 is seen, as mtr); null before any answer. */
  get geometricMean(): number | null {
    if (this.#received === 0) return null;
    return this.#zero ? 0 : Math.exp(this.#logMean);
  }

  /** |RTTₙ − RTTₙ₋₁| of the latest two answers, ms; 0 after the first, null before any. */
  get jitter(): number | null {
    return this.#received === 0 ? null : this.#jitter;
  }

  /** Running mean of Jttr over every answer, the first answer's Jttr being 0 (mtr's), ms. */
  get jitterMean(): number | null {
    return this.#received === 0 ? null : this.#jitterMean;
  }

  /** Largest Jttr so far, ms. */
  get jitterMax(): number | null {
    return this.#received === 0 ? null : this.#jitterMax;
  }

  /**
   * mtr's Jint as mtr displays it: its integer accumulator (RTTs in whole µs;
   * 0 after the first answer; then `jinta += |Δ| − ((jinta + 8) >> 4)`)
   * divided by 1000. That is 16 times RFC 1889's jitter estimate, in ms: mtr
   * never divides by 16, and neither does this, so the numbers agree.
   */
  get jitterInterarrival(): number | null {
    return this.#received === 0 ? null : this.#jinta / 1000;
  }

  /** Every value, as plain data. */
  toJSON(): SeriesStatsJson {
    return {
      sent: this.sent,
      received: this.received,
      lost: this.lost,
      inFlight: this.inFlight,
      lossPercent: this.lossPercent,
      last: this.last,
      best: this.best,
      worst: this.worst,
      mean: this.mean,
      stdev: this.stdev,
      geometricMean: this.geometricMean,
      jitter: this.jitter,
      jitterMean: this.jitterMean,
      jitterMax: this.jitterMax,
      jitterInterarrival: this.jitterInterarrival,
    };
  }
}
