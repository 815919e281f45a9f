import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { authorized, parseAuthFile } from "./auth.ts";
import { ConfigError } from "./config.ts";

/** The SHA-256 of `text`, in hexadecimal. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("auth file: bearer tokens and basic-auth users, each checked", async () => {
  const file = `# who may scrape\nbearer s3cret-token\nprom:sha256:${await sha256("pa:ss")}\n\n`;
  const c = parseAuthFile(file, "auth");
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
  assertEquals(await authorized(c, "Bearer s3cret-token"), true);
  assertEquals(await authorized(c, "bearer s3cret-token"), true);
  assertEquals(await authorized(c, "Bearer s3cret-tokem"), false);
  assertEquals(await authorized(c, "Bearer s3cret"), false);
  assertEquals(await authorized(c, basic("prom", "pa:ss")), true);
  assertEquals(await authorized(c, basic("prom", "pa:sS")), false);
  assertEquals(await authorized(c, basic("other", "pa:ss")), false);
  assertEquals(await authorized(c, "Basic !!!"), false);
  assertEquals(await authorized(c, null), false);
  assertEquals(await authorized(c, "Digest x"), false);
});

Deno.test("auth file: a line of neither form, or no credential at all, is one line naming the place", () => {
  assertThrows(() => parseAuthFile("bearer a\nprom:md5:abc\n", "auth"), ConfigError, "auth:2:");
  assertThrows(() => parseAuthFile("prom:sha256:12\n", "auth"), ConfigError, "auth:1:");
  assertThrows(() => parseAuthFile("# nothing\n", "auth"), ConfigError, "holds no token");
});
