/**
 * Linux traceroute's text output, byte for byte: the header, one line per
 * hop (each begins with "\n"), the address printed only when it changes
 * within a hop, `*` for no reply, RTTs as `%.3f ms`, annotations, and a final
 * newline. Where geography is known (`--geoip`), hopwise adds the place
 * after the address and its `[AS...]`, in braces, which Linux traceroute
 * never prints: ` {DE, Frankfurt}`, ` {DE}`, ` {??, Frankfurt}`.
 *
 * @module
 */
import { ttlToHops } from "../core/reply_ttl.ts";
import { formatExtensions } from "../packet/icmp_extension.ts";
import { placeText } from "../lookup/identity_text.ts";
import type { ProbeResult, TraceEvent } from "../core/model.ts";

/** Settings of the classic format. */
export interface ClassicOptions {
  /** Print addresses only (`-n`); otherwise `name (address)`. */
  numeric?: boolean;
  /** Print the flags of TCP replies as ` <syn,ack>` (`-T -O info`). */
  tcpFlags?: boolean;
  /** Print ICMP extensions as ` <MPLS:L=...>` (`-e`). */
  extensions?: boolean;
  /** Print the guessed hops back as ` '-N'` when they differ from the TTL (`--back`). */
  back?: boolean;
}

/**
 * A responder as the classic text shows it: its address, or `name (address)`
 * when its name was looked up and `numeric` is off; then its `[AS...]` (`-A`)
 * and its place in braces (`--geoip`) where known. The multipath text shows
 * its nodes so too.
 *
 * @example
 * ```ts
 * import { responderText } from "./classic.ts";
 * responderText({ address: "198.18.1.2", name: "r1.lab", asPath: "AS64501" }, false);
 * // "r1.lab (198.18.1.2) [AS64501]"
 * ```
 */
export function responderText(
  who: { address: string } & Pick<ProbeResult, "name" | "asPath" | "identity">,
  numeric: boolean,
): string {
  const { address } = who;
  let out = numeric || who.name === undefined ? address : `${who.name ?? address} (${address})`;
  if (who.asPath !== undefined) out += ` [${who.asPath}]`;
  const place = placeText(who.identity);
  if (place !== null) out += ` {${place}}`;
  return out;
}

/** `%2u `: hops 1-9 get a leading space. */
function hopPrefix(ttl: number): string {
  return `\n${String(ttl).padStart(2, " ")} `;
}

/**
 * Turns events into Linux traceroute's text. Feed it every event of one
 * trace in order; each call returns the text for that event.
 *
 * @example
 * ```ts ignore
 * import { ClassicFormatter } from "./classic.ts";
 * import { trace } from "../../mod.ts";
 * const text = new ClassicFormatter({ numeric: true });
 * let out = "";
 * for await (const event of trace("198.18.1.2")) out += text.format(event);
 * // out: "traceroute to 198.18.1.2 (198.18.1.2), 30 hops max, 60 byte packets\n 1  ..."
 * ```
 */
export class ClassicFormatter {
  #numeric: boolean;
  #tcpFlags: boolean;
  #extensions: boolean;
  #back: boolean;
  #hop: ProbeResult[] = [];

  /** Makes a formatter. */
  constructor(options: ClassicOptions = {}) {
    this.#numeric = options.numeric ?? false;
    this.#tcpFlags = options.tcpFlags ?? false;
    this.#extensions = options.extensions ?? false;
    this.#back = options.back ?? false;
  }

  /** The text for one event. */
  format(event: TraceEvent): string {
    switch (event.type) {
      case "start":
        return `traceroute to ${event.target.host} (${event.target.address}), ` +
          `${event.maxHops} hops max, ${event.packetSize} byte packets`;
      case "probe":
        return this.#probe(event.probe);
      case "hop":
        return "";
      case "end":
        return "\n";
    }
  }

  #address(probe: ProbeResult): string {
    return ` ${responderText({ ...probe, address: probe.address! }, this.#numeric)}`;
  }

  /** What Linux prints in angle brackets after the address (EXT), or null. */
  #extension(probe: ProbeResult): string | null {
    if (this.#tcpFlags && probe.tcpFlags) return probe.tcpFlags.join(",");
    if (this.#extensions && probe.extensions) return formatExtensions(probe.extensions);
    return null;
  }

  /**
   * Linux's print_probe rule: print the address when the last answered probe
   * of the hop had another address or another EXT text (or there is none).
   */
  #showAddress(probe: ProbeResult): boolean {
    if (probe.index === 0) return true;
    for (let i = this.#hop.length - 1; i >= 0; i--) {
      const earlier = this.#hop[i]!;
      if (earlier.address !== null) {
        return earlier.address !== probe.address ||
          this.#extension(earlier) !== this.#extension(probe) ||
          (this.#back && earlier.replyTtl !== probe.replyTtl);
      }
    }
    return true;
  }

  #probe(probe: ProbeResult): string {
    let out = "";
    if (probe.index === 0) {
      out += hopPrefix(probe.ttl);
      this.#hop = [];
    }
    if (probe.address === null) out += " *";
    else if (this.#showAddress(probe)) {
      out += this.#address(probe);
      const extension = this.#extension(probe);
      if (extension !== null) out += ` <${extension}>`;
      if (this.#back && probe.replyTtl) {
        const hops = ttlToHops(probe.replyTtl);
        if (hops !== probe.ttl) out += ` '-${hops}'`;
      }
    }
    if (probe.rtt !== null) out += `  ${probe.rtt.toFixed(3)} ms`;
    if (probe.annotation) out += ` ${probe.annotation}`;
    this.#hop.push(probe);
    return out;
  }
}
