/**
 * A service started in-process on a port found free: another socket may
 * take the port between the look and the service's bind, so a run that says
 * "port taken" is made again on another port.
 *
 * @module
 */
import { assertOk } from "../assert.ts";

/** What a run on a port gives when it could not bind it. */
export const PORT_TAKEN = "port taken";

/**
 * What `run` gives on a port of 127.0.0.1 free a moment before, trying
 * another port when it gives {@linkcode PORT_TAKEN} (three tries at most).
 */
export async function onFreePort<T>(
  run: (port: number) => Promise<T | typeof PORT_TAKEN>,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = free.addr;
    free.close();
    const result = await run(port);
    if (result !== PORT_TAKEN) return result;
    assertOk(attempt < 3, `port ${port} taken three times`);
  }
}
