/**
 * The responder's command line: parsing it into a {@linkcode ResponderConfig},
 * and making one from {@linkcode ResponderOptions} for tests.
 *
 * @module
 */

import {
  DEFAULT_LABELS,
  DEFAULT_MARK,
  DEFAULT_OBJECTS,
  HOSTILE_VARIANTS,
  type HostileVariant,
  MALFORMED_VARIANTS,
  type MalformedVariant,
  type Mode,
  type MplsLabel,
  type ObjectSpec,
  type ResponderConfig,
} from "./config.ts";
import { hexBytes } from "./extension.ts";

const MODES: readonly Mode[] = ["mpls", "objects", "malformed", "plain"];

function fail(message: string): never {
  throw new Error(`icmp_responder: ${message}`);
}

function integer(value: unknown, what: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    fail(`${what} must be an integer 0..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function parseLabels(json: string): MplsLabel[] {
  const list: unknown = JSON.parse(json);
  if (!Array.isArray(list) || list.length === 0) fail("--labels must be a non-empty JSON array");
  return list.map((item: unknown, i) => {
    const r = record(item, `--labels[${i}]`);
    return {
      label: integer(r.label, `--labels[${i}].label`, 0xfffff),
      exp: integer(r.exp ?? 0, `--labels[${i}].exp`, 7),
      s: integer(r.s ?? (i === list.length - 1 ? 1 : 0), `--labels[${i}].s`, 1),
      ttl: integer(r.ttl ?? 1, `--labels[${i}].ttl`, 255),
    };
  });
}

function parseObjects(json: string): ObjectSpec[] {
  const list: unknown = JSON.parse(json);
  if (!Array.isArray(list)) fail("--objects must be a JSON array");
  return list.map((item: unknown, i) => {
    const r = record(item, `--objects[${i}]`);
    if (typeof r.data !== "string") fail(`--objects[${i}].data must be a hex string`);
    hexBytes(r.data);
    const spec: ObjectSpec = {
      class: integer(r.class, `--objects[${i}].class`, 255),
      ctype: integer(r.ctype, `--objects[${i}].ctype`, 255),
      data: r.data,
    };
    if (r.length !== undefined) spec.length = integer(r.length, `--objects[${i}].length`, 0xffff);
    return spec;
  });
}

/** The responder's settings from its command-line arguments; throws on bad ones. */
export function parseArgs(args: readonly string[]): ResponderConfig {
  const config: ResponderConfig = {
    mode: "mpls",
    labels: [...DEFAULT_LABELS],
    objects: [...DEFAULT_OBJECTS],
    variant: "zero-length",
    quote: null,
    hostile: null,
    genuine: true,
    mark: DEFAULT_MARK,
    netfilter: true,
    verbose: false,
  };
  let variantGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0 && arg.startsWith("--")) return arg.slice(eq + 1);
      const next = args[++i];
      if (next === undefined) fail(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case "--mode": {
        const mode = value();
        if (!MODES.includes(mode as Mode)) fail(`--mode must be one of ${MODES.join(", ")}`);
        config.mode = mode as Mode;
        break;
      }
      case "--labels":
        config.labels = parseLabels(value());
        break;
      case "--objects":
        config.objects = parseObjects(value());
        break;
      case "--variant": {
        const variant = value();
        if (!MALFORMED_VARIANTS.includes(variant as MalformedVariant)) {
          fail(`--variant must be one of ${MALFORMED_VARIANTS.join(", ")}`);
        }
        config.variant = variant as MalformedVariant;
        variantGiven = true;
        break;
      }
      case "--quote":
        config.quote = integer(Number(value()), "--quote", 1232);
        break;
      case "--hostile": {
        const hostile = value();
        if (!HOSTILE_VARIANTS.includes(hostile as HostileVariant)) {
          fail(`--hostile must be one of ${HOSTILE_VARIANTS.join(", ")}`);
        }
        config.hostile = hostile as HostileVariant;
        break;
      }
      case "--no-genuine":
        config.genuine = false;
        break;
      case "--mark":
        config.mark = integer(Number(value()), "--mark", 0xffff_ffff);
        break;
      case "--no-netfilter":
        config.netfilter = false;
        break;
      case "--verbose":
        config.verbose = true;
        break;
      default:
        fail(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (config.mode === "malformed" && !variantGiven) fail("--mode malformed needs --variant");
  const rfc4884 = config.mode !== "plain" &&
    !(config.mode === "malformed" && config.variant === "compat");
  if (rfc4884 && config.quote !== null && config.quote < 128) {
    fail("--quote must be at least 128 with the RFC 4884 layout");
  }
  return config;
}

/** Options for {@linkcode responderArgs}; everything left out takes its default. */
export interface ResponderOptions {
  /** What the answers carry (default `mpls`). */
  mode?: Mode;
  /** The MPLS label stack. */
  labels?: readonly MplsLabel[];
  /** The objects of mode `objects`. */
  objects?: readonly ObjectSpec[];
  /** The malformation of mode `malformed`. */
  variant?: MalformedVariant;
  /** See `--quote`. */
  quote?: number;
  /** Hostile packets sent before each answer. */
  hostile?: HostileVariant;
  /** False: send no genuine answer, only the hostile packets. */
  genuine?: boolean;
  /** SO_MARK of the answers. */
  mark?: number;
  /** False: leave the kernel's answers alone. */
  netfilter?: boolean;
  /** One line per answered probe on standard error. */
  verbose?: boolean;
}

/** The command-line arguments that make the responder use `options`. */
export function responderArgs(options: ResponderOptions = {}): string[] {
  const args: string[] = [];
  if (options.mode !== undefined) args.push("--mode", options.mode);
  if (options.labels !== undefined) args.push("--labels", JSON.stringify(options.labels));
  if (options.objects !== undefined) args.push("--objects", JSON.stringify(options.objects));
  if (options.variant !== undefined) args.push("--variant", options.variant);
  if (options.quote !== undefined) args.push("--quote", String(options.quote));
  if (options.hostile !== undefined) args.push("--hostile", options.hostile);
  if (options.genuine === false) args.push("--no-genuine");
  if (options.mark !== undefined) args.push("--mark", String(options.mark));
  if (options.netfilter === false) args.push("--no-netfilter");
  if (options.verbose) args.push("--verbose");
  return args;
}
