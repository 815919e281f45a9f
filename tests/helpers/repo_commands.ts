/**
 * What the repository's own checks (docs, examples) share: the repository's
 * root, reading a file of it, whether a tool is installed, and running a
 * command from the root.
 *
 * @module
 */
import { findTool } from "../../lab/netns/command.ts";

/** The repository's root, as a URL. */
export const root: URL = new URL("../../", import.meta.url);
/** The repository's root, as a path ending in `/`. */
export const rootPath: string = decodeURIComponent(root.pathname);

/** A file of the repository, as text (`path` relative to the root). */
export function read(path: string): string {
  return Deno.readTextFileSync(new URL(path, root));
}

/** Whether `tool` is an executable file on PATH. */
export function hasTool(tool: string): boolean {
  return findTool(tool);
}

/** Runs a command from the repository's root; its status and output. */
export async function run(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(command, {
    args,
    cwd: rootPath,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}
