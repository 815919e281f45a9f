/**
 * The service's authentication, from the file `[web] auth_file` names (the
 * secrets never come from the command line or the configuration itself).
 * A line of the file is one of:
 *
 * - `bearer TOKEN`: a request may give `Authorization: Bearer TOKEN`;
 * - `USER:sha256:HEX`: a request may give HTTP basic authentication as USER
 *   with a password whose SHA-256 digest is HEX (64 hexadecimal digits:
 *   `printf %s 'PASSWORD' | sha256sum`);
 *
 * blank lines and `#` comments are skipped. With such a file every request
 * must authenticate, `/healthz` included; comparisons take the same time
 * whatever the bytes. The file should be readable by the service alone.
 *
 * @module
 */
import { failureReason } from "../core/errors.ts";
import { ConfigError } from "./config.ts";

/** Who may make requests. */
export interface Credentials {
  /** Bearer tokens accepted. */
  tokens: string[];
  /** Basic-auth users and the SHA-256 digests of their passwords. */
  users: Map<string, Uint8Array>;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** The bytes of a hexadecimal string of even length. */
function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Whether `a` and `b` hold the same bytes, in a time that does not depend on where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Reads the credentials of an auth file's text.
 *
 * @throws {ConfigError} naming the file and line of a line that is neither form, or when none is given
 */
export function parseAuthFile(text: string, path: string): Credentials {
  const credentials: Credentials = { tokens: [], users: new Map() };
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `${path}:${index + 1}`;
    const bearer = line.match(/^bearer\s+(\S+)$/i);
    if (bearer) {
      credentials.tokens.push(bearer[1]!);
      continue;
    }
    const [user, scheme, digest, ...more] = line.split(":");
    if (!user || scheme !== "sha256" || !digest || !HEX64.test(digest) || more.length > 0) {
      throw new ConfigError(
        "web.auth_file",
        `${where}: a line is "bearer TOKEN" or "USER:sha256:HEX" (64 hexadecimal digits)`,
      );
    }
    credentials.users.set(user, hexBytes(digest));
  }
  if (credentials.tokens.length === 0 && credentials.users.size === 0) {
    throw new ConfigError("web.auth_file", `${path}: holds no token and no user`);
  }
  return credentials;
}

/**
 * Reads the auth file at `path`.
 *
 * @throws {ConfigError} when it cannot be read, or as {@linkcode parseAuthFile}
 */
export async function readAuthFile(path: string): Promise<Credentials> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const why = failureReason(e);
    throw new ConfigError("web.auth_file", `${path}: cannot read it: ${why}`);
  }
  return parseAuthFile(text, path);
}

/** Whether the `Authorization` header `header` names someone `credentials` accept. */
export async function authorized(
  credentials: Credentials,
  header: string | null,
): Promise<boolean> {
  if (header === null) return false;
  const encoder = new TextEncoder();
  const bearer = header.match(/^Bearer\s+(\S+)$/i);
  if (bearer) {
    const given = encoder.encode(bearer[1]!);
    let ok = false;
    for (const token of credentials.tokens) ok = sameBytes(given, encoder.encode(token)) || ok;
    return ok;
  }
  const basic = header.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (!basic) return false;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(basic[1]!), (c) => c.charCodeAt(0)),
    );
  } catch {
    return false;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const digest = credentials.users.get(decoded.slice(0, colon));
  const given = new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(decoded.slice(colon + 1))),
  );
  // An unknown user costs the same digest and comparison as a known one.
  return sameBytes(given, digest ?? new Uint8Array(32)) && digest !== undefined;
}
