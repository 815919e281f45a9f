/**
 * A command-line parser with the rules and messages of CLIF, the parser in
 * Linux traceroute 2.1.2, so that hopwise rejects bad input with the same
 * words:
 *
 * - short options join (`-nI`); an argument attaches only to the first option
 *   of a group (`-q1`, but `-nq1` is an error) or follows as the next word;
 * - long options take their argument only as `--name=value`; some may be
 *   abbreviated; some long options take one dash (`-UL`);
 * - `--` ends the options; positional arguments may stand anywhere;
 * - in keyword mode (`-O` values) words are `name` or `name=value`.
 *
 * @module
 */

/** One option. */
export interface ClifOption {
  /** Short form: one character. */
  short?: string;
  /** Long form, without dashes. */
  long?: string;
  /** Name of its argument, when it takes one (shown in messages). */
  arg?: string;
  /** The long form may be abbreviated (to 2 characters or more, when unambiguous). */
  abbrev?: boolean;
  /** The long form takes one dash (`-UL`). */
  oneDash?: boolean;
  /** The argument is a list: split on commas and blanks, one call per item. */
  several?: boolean;
  /** Member of the one exclusive group: at most one of the group may be given. */
  exclusive?: boolean;
  /**
   * The long form also takes its argument as the next word (`--flows 8`), as
   * hopwise's own options do; Linux traceroute's need `--name=value`.
   */
  nextWord?: boolean;
  /** Stop parsing once this option is handled (`--help`, `-V`). */
  exit?: boolean;
  /** Applies the option; returns (or resolves to) false when the value cannot be handled. */
  handle(value: string | null): boolean | Promise<boolean>;
}

/** A positional argument that was found. */
export interface Positional {
  /** The word. */
  value: string;
  /** Its index in argv, counting the program name as 0 ("argc" in messages). */
  argc: number;
}

/** What parsing found. */
export interface ClifResult {
  /** Positional arguments in order. */
  positionals: Positional[];
  /** The option with `exit` that stopped parsing, if any. */
  exitedOn: ClifOption | null;
}

/** A parse error (bad input); `message` is the exact text for stderr. */
export class ClifError extends RangeError {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "ClifError";
  }
}

/** Parsing mode. */
export interface ClifMode {
  /** Words are keywords (`-O` values): no dashes, `name=value`. */
  keyword?: boolean;
}

function showShort(option: ClifOption, withArg: boolean): string {
  let out = `-${option.short}`;
  if (withArg && option.arg) out += ` ${option.arg}${option.several ? ",..." : ""}`;
  return out;
}

function showLong(option: ClifOption, withArg: boolean, mode: ClifMode): string {
  const dashes = mode.keyword ? "" : option.oneDash ? "-" : "--";
  let out = `${dashes}${option.long}`;
  if (withArg && option.arg) out += `=${option.arg}${option.several ? ",..." : ""}`;
  return out;
}

/**
 * Parses `argv` (argv[0] is the program name, or the method name in keyword
 * mode) against `options`.
 *
 * @param allowPositionals when false, any positional word is an error
 * @throws {ClifError} with CLIF's message for the first problem found
 */
export async function parseClif(
  argv: readonly string[],
  options: readonly ClifOption[],
  allowPositionals: boolean,
  mode: ClifMode = {},
): Promise<ClifResult> {
  const positionals: Positional[] = [];
  let optionsEnded = false;
  let exclusiveLeft = options.some((o) => o.exclusive) ? 1 : 0;
  const hasOneDash = options.some((o) => o.oneDash);

  const findLong = (
    word: string,
    filter: (o: ClifOption) => boolean,
  ): { option: ClifOption; value: string | null } | null => {
    let candidate: ClifOption | null = null;
    let candidateValue: string | null = null;
    let found = 0;
    for (const option of options) {
      if (!option.long || !filter(option)) continue;
      const long = option.long;
      let a = 0;
      while (a < long.length && a < word.length && word[a] === long[a]) a++;
      const atEnd = a === word.length;
      const atEqual = word[a] === "=" && option.arg !== undefined;
      if (!atEnd && !atEqual) continue;
      if (a === long.length) return { option, value: atEqual ? word.slice(a + 1) : null };
      if (option.abbrev && a >= 2) {
        found++;
        candidate = option;
        candidateValue = atEqual ? word.slice(a + 1) : null;
      }
    }
    return found === 1 && candidate ? { option: candidate, value: candidateValue } : null;
  };

  const checkExclusive = (option: ClifOption, shown: string, n: number) => {
    if (!option.exclusive) return;
    if (exclusiveLeft === 0) {
      const group = options.filter((o) => o.exclusive)
        .map((o) => o.short ? showShort(o, true) : showLong(o, true, mode)).join(" | ");
      const kind = mode.keyword && !option.short ? "Keyword" : "Option";
      throw new ClifError(
        `${kind} \`${shown}' (argc ${n}): Only one of:\n    ${group}\nmay be specified.`,
      );
    }
    exclusiveLeft--;
  };

  const call = async (option: ClifOption, value: string | null): Promise<boolean> => {
    if (value !== null && option.several) {
      const items = value.split(/[ \t,]+/).filter((s) => s !== "");
      for (const item of items) {
        if (item.length >= 80 || !(await option.handle(item))) return false;
      }
      return true;
    }
    return await option.handle(value);
  };

  const badResult = (shown: string, option: ClifOption, value: string | null, n: number) => {
    const kind = mode.keyword && !shown.startsWith("-") ? "keyword" : "option";
    if (option.arg) {
      return new ClifError(`Cannot handle \`${shown}' ${kind} with arg \`${value}' (argc ${n})`);
    }
    return new ClifError(`Cannot handle \`${shown}' ${kind} (argc ${n})`);
  };

  const badOption = (word: string, n: number) => {
    const kind = word.startsWith("-") ? "option" : "keyword";
    const eq = word.indexOf("=");
    if (eq !== -1) {
      return new ClifError(
        `Bad ${kind} \`${word}' (with arg \`${word.slice(eq + 1)}') (argc ${n})`,
      );
    }
    return new ClifError(`Bad ${kind} \`${word}' (argc ${n})`);
  };

  const positional = (value: string, n: number) => {
    if (!allowPositionals) {
      throw new ClifError(`\`${value}' (argc ${n}): arguments are not allowed`);
    }
    positionals.push({ value, argc: n });
  };

  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (optionsEnded) {
      positional(word, i);
      continue;
    }
    let long: { option: ClifOption; value: string | null } | null = null;
    if (!word.startsWith("-")) {
      if (mode.keyword) long = findLong(word, () => true);
      if (!long) {
        positional(word, i);
        continue;
      }
    } else if (word.startsWith("--")) {
      const rest = word.slice(2);
      if (rest.startsWith("-") || mode.keyword) {
        positional(word, i);
        continue;
      }
      long = findLong(rest, (o) => !o.oneDash);
      if (!long) {
        if (rest === "") {
          optionsEnded = true;
          continue;
        }
        throw badOption(word, i);
      }
    } else {
      if (hasOneDash) long = findLong(word.slice(1), (o) => o.oneDash === true);
      if (!long && word === "-") {
        positional(word, i);
        continue;
      }
    }

    if (long) {
      const { option } = long;
      let value = long.value;
      checkExclusive(option, showLong(option, false, mode), i);
      if (option.arg && value === null && option.nextWord && i + 1 < argv.length) {
        value = argv[++i]!;
      }
      if (option.arg && value === null) {
        const kind = mode.keyword ? "Keyword" : "Option";
        throw new ClifError(
          `${kind} \`${showLong(option, false, mode)}' (argc ${i}) requires an argument: ` +
            `\`${showLong(option, true, mode)}'`,
        );
      }
      if (!option.arg) value = null;
      if (!(await call(option, value))) {
        throw badResult(showLong(option, false, mode), option, value, i);
      }
      if (option.exit) return { positionals, exitedOn: option };
      continue;
    }

    // A group of short options.
    let j = 1;
    while (j < word.length) {
      const c = word[j]!;
      const option = options.find((o) => o.short === c);
      if (!option) throw new ClifError(`Bad option \`-${c}' (argc ${i})`);
      checkExclusive(option, showShort(option, false), i);
      let value: string | null = null;
      if (option.arg) {
        if (j === word.length - 1) {
          if (i + 1 >= argv.length) {
            throw new ClifError(
              `Option \`${showShort(option, false)}' (argc ${i}) requires an argument: ` +
                `\`${showShort(option, true)}'`,
            );
          }
          value = argv[++i]!;
        } else if (j === 1) {
          value = word.slice(2);
        } else {
          throw new ClifError(
            `Option \`${showShort(option, false)}' (argc ${i}) requires an argument: ` +
              `\`${showShort(option, true)}'`,
          );
        }
      }
      if (!(await call(option, value))) throw badResult(showShort(option, false), option, value, i);
      if (option.exit) return { positionals, exitedOn: option };
      if (value !== null) break;
      j++;
    }
  }
  return { positionals, exitedOn: null };
}

/** An entry of an option listing (CLIF_print_options). */
export interface ClifHelpEntry {
  /** What the entry shows in its first column (`-q nqueries`, `raw`, `coverage=NUM`). */
  shown: string;
  /** The help text; `%s` stands for the argument name. */
  help: string;
  /** The argument name that `%s` stands for. */
  arg?: string;
}

const OPT_FIELD_WIDTH = 30;
const HELP_WIDTH = 50;

/**
 * Fills `text` into CLIF's help box: lines of at most 50 characters broken at
 * the last blank within them, continuation lines indented to column 30.
 */
function boxed(start: number, text: string): string {
  let out = start < OPT_FIELD_WIDTH
    ? " ".repeat(OPT_FIELD_WIDTH - start)
    : "\n" + " ".repeat(OPT_FIELD_WIDTH);
  let rest = text;
  while (rest.length > HELP_WIDTH) {
    const cut = rest.lastIndexOf(" ", HELP_WIDTH - 1);
    const tab = rest.lastIndexOf("\t", HELP_WIDTH - 1);
    const at = Math.max(cut, tab);
    if (at <= 0) return out;
    out += rest.slice(0, at) + "\n" + " ".repeat(OPT_FIELD_WIDTH);
    rest = rest.slice(at + 1);
  }
  return out + rest;
}

/**
 * An option listing laid out as CLIF_print_options does (used for `-O help`,
 * which Linux traceroute writes to stderr): each entry, then the exclusive
 * group when it has several members.
 */
export function clifHelp(entries: readonly ClifHelpEntry[], exclusive: readonly string[]): string {
  let out = "";
  for (const entry of entries) {
    const head = `  ${entry.shown}`;
    const help = entry.arg ? entry.help.replaceAll("%s", entry.arg) : entry.help;
    out += head + boxed(head.length, help) + "\n";
  }
  if (exclusive.length > 1) {
    out += `Only one of these may be specified:\n    ${exclusive.join(" | ")}\n`;
  }
  return out;
}
