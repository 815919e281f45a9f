/**
 * The netfilter rules that drop the kernel's own time-exceeded answers while
 * the responder runs (everything not carrying its mark).
 *
 * @module
 */

const RULE_COMMENT = "hopwise-icmp-responder";

function netfilterRules(mark: number): Array<[string, string[]]> {
  // The mark is matched before the ICMP type: the icmp / icmp6 matches drop
  // ("hotdrop") a message too short to have a type, which the hostile
  // packets include.
  const mark_ = ["-m", "mark", "!", "--mark", `0x${mark.toString(16)}`];
  const tail = ["-m", "comment", "--comment", RULE_COMMENT, "-j", "DROP"];
  return [
    [
      "iptables",
      ["OUTPUT", "-p", "icmp", ...mark_, "-m", "icmp", "--icmp-type", "time-exceeded", ...tail],
    ],
    [
      "ip6tables",
      [
        "OUTPUT",
        "-p",
        "icmpv6",
        ...mark_,
        "-m",
        "icmp6",
        "--icmpv6-type",
        "time-exceeded",
        ...tail,
      ],
    ],
  ];
}

function iptables(command: string, args: string[]): void {
  const result = new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .outputSync();
  if (!result.success) {
    const message = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`icmp_responder: ${command} ${args.join(" ")}: ${message}`);
  }
}

/** Inserts the rules dropping time-exceeded answers not marked `mark`. */
export function addRules(mark: number): void {
  for (const [command, rule] of netfilterRules(mark)) {
    iptables(command, ["-w", "-I", rule[0]!, "1", ...rule.slice(1)]);
  }
}

/** Deletes those rules; missing ones are ignored. */
export function removeRules(mark: number): void {
  for (const [command, rule] of netfilterRules(mark)) {
    try {
      iptables(command, ["-w", "-D", ...rule]);
    } catch {
      // already gone (or never added)
    }
  }
}
