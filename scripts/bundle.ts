/**
 * Bundles the command line (cli.ts) into dist/: `dist/cli.js` and the chunks
 * the modes load on demand, for the fastest start and for the compiled
 * binary. The shim is still found in build/ next to dist/ (see
 * ffi/library.ts), or through HOPWISE_SHIM.
 *
 *   deno task bundle
 *   deno run --allow-ffi --allow-net --allow-read --allow-env dist/cli.js host
 *
 * @module
 */

const root = new URL("../", import.meta.url);

/** Where the bundle goes. */
export const BUNDLE_DIR: string = decodeURIComponent(new URL("dist/", root).pathname);
/** The bundle's entry. */
export const BUNDLE_ENTRY: string = `${BUNDLE_DIR}cli.js`;

/** Bundles `entry` (cli.ts by default) into `outdir`, code-split; returns the entry's path. */
export async function bundle(
  entry = decodeURIComponent(new URL("cli.ts", root).pathname),
  outdir = BUNDLE_DIR,
  options: { split?: boolean } = {},
): Promise<string> {
  // Chunks of an earlier bundle would pile up beside the new ones.
  try {
    for (const file of Deno.readDirSync(outdir)) {
      if (file.isFile && file.name.endsWith(".js")) Deno.removeSync(`${outdir}/${file.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const args = [
    "bundle",
    "--quiet",
    "--frozen",
    "--platform",
    "deno",
    ...(options.split ?? true ? ["--code-splitting", "--outdir", outdir] : ["--outdir", outdir]),
    entry,
  ];
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: decodeURIComponent(root.pathname),
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`deno bundle failed for ${entry}`);
  const name = entry.slice(entry.lastIndexOf("/") + 1).replace(/\.ts$/, ".js");
  return `${outdir.replace(/\/?$/, "/")}${name}`;
}

if (import.meta.main) {
  try {
    console.log(`bundle: ${await bundle()}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(1);
  }
}
