/**
 * A probe's answer for unit tests: a time exceeded from 198.18.1.1, with
 * any field replaced.
 *
 * @module
 */
import type { ProbeAnswer } from "../../src/core/probe.ts";

/** The answer, with `over`'s fields. */
export function answer(over: Partial<ProbeAnswer> = {}): ProbeAnswer {
  return {
    address: "198.18.1.1",
    receivedAt: 10,
    replyTtl: 63,
    annotation: "",
    final: false,
    icmp: { type: 11, code: 0 },
    tcpFlags: null,
    extensions: null,
    ...over,
  };
}
