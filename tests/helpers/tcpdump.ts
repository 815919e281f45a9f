/**
 * tcpdump in a lab node, for tests that look at what goes on the wire.
 *
 * @module
 */
import type { Lab } from "../../lab/lab.ts";

/**
 * Starts `tcpdump -l -n -i any ARGS` in `node` and returns once it captures
 * (it says "listening on ..." on standard error then). Its standard output
 * is piped, one line a packet.
 */
export async function startTcpdump(
  lab: Lab,
  node: string,
  args: readonly string[],
): Promise<Deno.ChildProcess> {
  const capture = lab.spawn(node, ["tcpdump", "-l", "-n", "-i", "any", ...args], {
    stdout: "piped",
    stderr: "piped",
  });
  const reader = capture.stderr.getReader();
  let banner = "";
  while (!banner.includes("listening")) {
    const { value, done } = await reader.read();
    if (done) break;
    banner += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return capture;
}
