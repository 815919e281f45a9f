/**
 * Fake paths shared by tests over the fake network (transport.ts).
 *
 * @module
 */
import type { Scenario } from "./transport.ts";

/**
 * Three routers, 198.18.1.1, 198.18.2.1 and 198.18.3.1, between the source
 * 198.18.0.2 and the target 198.18.9.9 (round trips 1 to 4 ms); a new
 * object each call, for a test may move a hop.
 */
export function threeRouters(): Scenario {
  return {
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [
      { address: "198.18.1.1", rtt: 1 },
      { address: "198.18.2.1", rtt: 2 },
      { address: "198.18.3.1", rtt: 3 },
      { address: "198.18.9.9", rtt: 4 },
    ],
  };
}
