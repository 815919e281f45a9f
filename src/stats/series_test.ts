import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import { SeriesStats } from "./series.ts";

/** `actual` is a number within `eps` of `expected`. */
function assertNear(actual: number | null, expected: number, eps = 1e-9, what = ""): void {
  assertOk(
    actual !== null && Math.abs(actual - expected) <= eps,
    `${what} expected ${expected}, got ${actual}`,
  );
}

/** A series fed `sent` sends, then the answers (ms) and `lost` losses. */
function series(sent: number, answers: number[], lost = 0): SeriesStats {
  const s = new SeriesStats();
  for (let i = 0; i < sent; i++) s.probeSent();
  for (const rtt of answers) s.probeAnswered(rtt);
  for (let i = 0; i < lost; i++) s.probeLost();
  return s;
}

Deno.test("Loss% leaves out the probes in flight", () => {
  // 5 sent, 2 answered, 1 lost: 2 in flight; Loss% = 100·(1 − 2/(5 − 2)) = 33.33...
  const s = series(5, [10, 20], 1);
  assertEquals([s.sent, s.received, s.lost, s.inFlight], [5, 2, 1, 2]);
  assertNear(s.lossPercent, 100 / 3, 1e-9, "Loss%");
});

Deno.test("Loss% is 100 when every settled probe was lost", () => {
  const s = series(3, [], 3);
  assertEquals([s.sent, s.received, s.lost, s.inFlight, s.lossPercent], [3, 0, 3, 0, 100]);
  assertEquals([s.last, s.best, s.worst, s.mean, s.stdev], [null, null, null, null, null]);
  assertEquals([s.jitter, s.jitterMean, s.jitterMax, s.jitterInterarrival], [
    null,
    null,
    null,
    null,
  ]);
});

Deno.test("Loss% is 0 while nothing has settled", () => {
  assertEquals(new SeriesStats().lossPercent, 0);
  const s = series(4, []);
  assertEquals([s.inFlight, s.lossPercent], [4, 0]);
  s.probeLost(); // 1 settled, lost: 100·(1 − 0/1)
  assertEquals([s.inFlight, s.lossPercent], [3, 100]);
});

Deno.test("a settlement with nothing in flight counts a probe sent (a failed send)", () => {
  const s = new SeriesStats();
  s.probeLost();
  assertEquals([s.sent, s.lost, s.inFlight, s.lossPercent], [1, 1, 0, 100]);
  s.probeAnswered(4);
  assertEquals([s.sent, s.received, s.inFlight, s.lossPercent], [2, 1, 0, 50]);
});

Deno.test("one answer: StDev 0 (as mtr shows it), the times all that answer", () => {
  const s = series(1, [12.5]);
  assertEquals([s.last, s.best, s.worst, s.mean, s.stdev], [12.5, 12.5, 12.5, 12.5, 0]);
  assertEquals([s.jitter, s.jitterMean, s.jitterMax, s.jitterInterarrival], [0, 0, 0, 0]);
  assertNear(s.geometricMean, 12.5, 1e-12, "Gmean");
});

Deno.test("StDev is the sample standard deviation (n − 1)", () => {
  // 2 4 4 4 5 5 7 9: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32;
  // sample variance 32/7 = 4.5714...; StDev = √4.5714... = 2.13809 (population: 2).
  const s = series(8, [2, 4, 4, 4, 5, 5, 7, 9]);
  assertNear(s.mean, 5);
  assertNear(s.stdev, 2.138089935, 1e-9, "StDev");
  // Two answers 1 and 3: mean 2, Σ = 1 + 1 = 2, /(2 − 1) → √2.
  assertNear(series(2, [1, 3]).stdev, 1.414213562, 1e-9, "StDev of two");
});

Deno.test("StDev stays exact around a large mean (Welford, not Σx² − n·mean²)", () => {
  // 1e9 + 4, + 7, + 13, + 16: mean 1e9 + 10, deviations −6 −3 3 6, Σ² = 90, /3 = 30.
  const s = series(4, [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
  assertNear(s.stdev, Math.sqrt(30), 1e-6, "StDev");
});

Deno.test("Last, Best, Wrst, Avg, Gmean", () => {
  const s = series(3, [30, 10, 20]);
  assertEquals([s.last, s.best, s.worst], [20, 10, 30]);
  assertNear(s.mean, 20); // (30 + 10 + 20) / 3
  assertNear(series(2, [2, 8]).geometricMean, 4); // √(2·8)
  assertEquals(series(2, [0, 8]).geometricMean, 0); // mtr's product with a 0 stays 0
});

Deno.test("Jttr, Javg, Jmax follow the answers in the order recorded", () => {
  // 10 13 11 16 16: Jttr 0 (first), 3, 2, 5, 0.
  const s = new SeriesStats();
  const steps: [number, number, number, number][] = [
    // rtt, Jttr, Javg (mean over every answer, the first counting 0), Jmax
    [10, 0, 0, 0],
    [13, 3, 1.5, 3], // (0 + 3) / 2
    [11, 2, 5 / 3, 3], // (0 + 3 + 2) / 3
    [16, 5, 2.5, 5], // (0 + 3 + 2 + 5) / 4
    [16, 0, 2, 5], // 10 / 5
  ];
  for (const [rtt, jttr, javg, jmax] of steps) {
    s.probeSent();
    s.probeAnswered(rtt);
    assertNear(s.jitter, jttr, 1e-12, `Jttr after ${rtt}`);
    assertNear(s.jitterMean, javg, 1e-12, `Javg after ${rtt}`);
    assertNear(s.jitterMax, jmax, 1e-12, `Jmax after ${rtt}`);
  }
});

Deno.test("Jint is mtr's accumulator, step by step, in whole µs", () => {
  // mtr (ui/net.c, net_process_ping): jinta = 0 on the first reply, then
  // jinta += J − ((jinta + 8) >> 4), J = |RTTn − RTTn−1| in µs; shown as jinta/1000.
  const steps: [number, number][] = [
    [10, 0], // first: 0
    [13, 3000], // J 3000: 0 + 3000 − (8 >> 4 = 0) = 3000
    [11, 4812], // J 2000: 3000 + 2000 − (3008 >> 4 = 188) = 4812
    [16, 9511], // J 5000: 4812 + 5000 − (4820 >> 4 = 301) = 9511
    [16, 8917], // J 0:    9511 + 0 − (9519 >> 4 = 594) = 8917
    [10.5, 13860], // J 5500: 8917 + 5500 − (8925 >> 4 = 557) = 13860
  ];
  const s = new SeriesStats();
  for (const [rtt, jinta] of steps) {
    s.probeAnswered(rtt);
    assertNear(s.jitterInterarrival, jinta / 1000, 1e-12, `Jint after ${rtt}`);
  }
});

Deno.test("Jint rounds each RTT to whole µs first, as mtr's integers", () => {
  // 1.0004 ms → 1000 µs, 1.0016 ms → 1002 µs: J = 2 µs, jinta = 2 → 0.002;
  // the floating Jttr is 0.0012.
  const s = series(2, [1.0004, 1.0016]);
  assertNear(s.jitter, 0.0012, 1e-12, "Jttr");
  assertNear(s.jitterInterarrival, 0.002, 1e-12, "Jint");
});

Deno.test("reset forgets all but the probes in flight", () => {
  const s = series(3, [5], 1); // 1 in flight
  s.reset();
  assertEquals([s.sent, s.received, s.lost, s.inFlight, s.lossPercent], [1, 0, 0, 1, 0]);
  assertEquals([s.last, s.mean, s.stdev, s.jitter], [null, null, null, null]);
  // The late answer counts; the jitter sequence starts again (not |7 − 5|).
  s.probeAnswered(7);
  assertEquals([s.sent, s.received, s.inFlight, s.lossPercent], [1, 1, 0, 0]);
  assertEquals([s.mean, s.best, s.jitter, s.jitterMax, s.jitterInterarrival], [7, 7, 0, 0, 0]);
});

Deno.test("toJSON carries every value", () => {
  const { geometricMean, ...rest } = series(3, [4, 6], 1).toJSON();
  assertNear(geometricMean, 4.898979486, 1e-9, "Gmean"); // √(4·6) = √24
  assertEquals(rest, {
    sent: 3,
    received: 2,
    lost: 1,
    inFlight: 0,
    lossPercent: 100 - 200 / 3, // 100·(1 − 2/3)
    last: 6,
    best: 4,
    worst: 6,
    mean: 5,
    stdev: Math.SQRT2, // ((4−5)² + (6−5)²) / 1 = 2
    jitter: 2,
    jitterMean: 1, // (0 + 2) / 2
    jitterMax: 2,
    jitterInterarrival: 2, // 0 + 2000 − 0 µs
  });
});

Deno.test("a round trip that is not a finite number of ms, at least 0, is a RangeError", () => {
  for (const rtt of [-1, NaN, Infinity]) {
    assertThrows(() => new SeriesStats().probeAnswered(rtt), RangeError, "Round trip");
  }
});
