/**
 * Reading a service that runs in a lab node, from inside its namespace
 * (where it listens), for the lab tests of `--serve`.
 *
 * @module
 */
import type { Lab } from "../../lab/lab.ts";

/** A page to read, and what it must hold before it counts. */
export interface Wanted {
  /** Its address (inside the node). */
  url: string;
  /** Text its body must hold, every piece of it. */
  needles: readonly string[];
}

/**
 * Reads every page of `wanted` from `node` again every 200 ms, 10 s at
 * most, until each holds all of its needles; returns their bodies then (in
 * `wanted`'s order), or null when they never did (not listening, or never
 * holding them).
 */
export async function scrapeInLab(
  lab: Lab,
  node: string,
  wanted: readonly Wanted[],
): Promise<string[] | null> {
  const script = `const wanted = ${JSON.stringify(wanted)};
for (let i = 0; i < 50; i++) {
  try {
    const bodies = await Promise.all(wanted.map(async (w) => await (await fetch(w.url)).text()));
    if (bodies.every((body, j) => wanted[j].needles.every((n) => body.includes(n)))) {
      console.log(JSON.stringify(bodies));
      break;
    }
  } catch { /* not listening yet */ }
  await new Promise((r) => setTimeout(r, 200));
}`;
  const out = await lab.exec(node, [Deno.execPath(), "eval", "--quiet", script]);
  const text = out.stdout.trim();
  return text === "" ? null : JSON.parse(text) as string[];
}
