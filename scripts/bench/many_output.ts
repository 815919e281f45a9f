/**
 * What the runs of topology M (many.ts) print, read back: how many targets a
 * traceroute-style output reached at the destination's hop (hopwise's
 * classic blocks or scamper's text), and hopwise's summary line.
 *
 * @module
 */

/** What a traceroute-style output says: blocks, targets reached at `hop`, hop lines. */
export interface ReachCount {
  /** Target blocks. */
  blocks: number;
  /** Targets reached at the hop asked, each once. */
  reached: number;
  /** Hop lines. */
  hopLines: number;
  /** Hop lines that are `*`: a probe with no reply (with `-q 1`). */
  stars: number;
}

/**
 * Counts, in hopwise's classic output (`traceroute to X (X), ...`) or
 * scamper's text (`traceroute from S to X`), the blocks whose last hop line
 * is hop `hop` with the block's target, once per target of `targets`.
 */
export class ReachCounter {
  readonly #targets: ReadonlySet<string>;
  readonly #hop: number;
  readonly #seen = new Set<string>();
  #target: string | null = null;
  #lastTtl = 0;
  #lastAddress = "";
  #rest = "";
  /** The figures so far. */
  readonly count: ReachCount = { blocks: 0, reached: 0, hopLines: 0, stars: 0 };

  constructor(targets: ReadonlySet<string>, hop: number) {
    this.#targets = targets;
    this.#hop = hop;
  }

  /** Feeds a chunk of the output. */
  push(chunk: string): void {
    const lines = (this.#rest + chunk).split("\n");
    this.#rest = lines.pop() ?? "";
    for (const line of lines) this.#line(line);
  }

  /** Ends the output; returns the figures. */
  end(): ReachCount {
    if (this.#rest !== "") this.#line(this.#rest);
    this.#rest = "";
    this.#close();
    return this.count;
  }

  #line(line: string): void {
    const header = /^traceroute (?:to|from \S+ to) (\S+)/.exec(line);
    if (header) {
      this.#close();
      this.#target = header[1]!;
      this.count.blocks++;
      return;
    }
    const hop = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (hop && this.#target !== null) {
      this.count.hopLines++;
      if (hop[2] === "*") this.count.stars++;
      this.#lastTtl = Number(hop[1]);
      this.#lastAddress = hop[2]!;
    }
  }

  #close(): void {
    const target = this.#target;
    if (
      target !== null && this.#lastTtl === this.#hop && this.#lastAddress === target &&
      this.#targets.has(target) && !this.#seen.has(target)
    ) {
      this.#seen.add(target);
      this.count.reached++;
    }
    this.#target = null;
    this.#lastTtl = 0;
    this.#lastAddress = "";
  }
}

/** Reads `path` through a {@linkcode ReachCounter}. */
export async function countReached(
  path: string,
  targets: ReadonlySet<string>,
  hop: number,
): Promise<ReachCount> {
  const counter = new ReachCounter(targets, hop);
  try {
    const file = await Deno.open(path);
    const decoder = new TextDecoder();
    // The stream closes the file when it ends.
    for await (const chunk of file.readable) {
      counter.push(decoder.decode(chunk, { stream: true }));
    }
    counter.push(decoder.decode());
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return counter.end();
}

/** hopwise's summary line, its `N probes` and its own wall time (`12.34 s`), ms. */
export function summaryOf(
  stderr: string,
): { line: string | null; probes: number | null; wallMs: number | null } {
  const line = stderr.split("\n").find((l) => /^hopwise: \d+ targets, /.test(l)) ?? null;
  const probes = line === null ? undefined : /, (\d+) probes,/.exec(line)?.[1];
  const wall = line === null ? undefined : /, ([\d.]+) s(?:,|$)/.exec(line)?.[1];
  return {
    line,
    probes: probes === undefined ? null : Number(probes),
    wallMs: wall === undefined ? null : Number(wall) * 1000,
  };
}
