/**
 * One binary per platform: the cross-built shims, the entry that embeds them,
 * that entry running with nothing beside it and only the permissions a
 * compiled binary gets, and (where deno compile can get its runtime, i.e.
 * with DENORT_BIN set) the binaries themselves.
 */
import { assertEquals, assertMatch, assertOk } from "./assert.ts";
import {
  buildTargetShim,
  compileArgs,
  compilePermissions,
  describeFile,
  entryModule,
  shimPath,
  TARGETS,
  writeEntry,
} from "../scripts/compile.ts";
import { Lab } from "../lab/lab.ts";
import { chain } from "../lab/topologies.ts";
import { labSkipReason } from "../lab/harness.ts";

const linux = TARGETS.filter((t) => t.os === "linux");
const host = TARGETS.find((t) => t.triple === Deno.build.target);

function haveFile(): boolean {
  try {
    new Deno.Command("file", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}
const noFile = haveFile() ? null : "needs file(1) to check architectures";
if (noFile) {
  // deno-lint-ignore no-console
  console.log(`compile tests ignored: ${noFile}`);
}

Deno.test({
  name: "compile: a shim for every Linux target, of the right architecture",
  ignore: noFile !== null,
  fn: async (t) => {
    for (const target of linux) {
      const built = await buildTargetShim(target);
      const native = target === host;
      await t.step({
        name: target.triple,
        ignore: !native && "skipped" in built,
        fn: async () => {
          if ("skipped" in built) {
            throw new Error(`the host's own target was skipped: ${built.skipped}`);
          }
          assertMatch(await describeFile(built.path), target.fileArch);
        },
      });
      if ("skipped" in built) {
        // deno-lint-ignore no-console
        console.log(`  ${target.triple}: ${built.skipped}`);
      }
    }
  },
});

Deno.test({
  name: "compile: the entry embeds its target's own shim and runs the CLI",
  ignore: noFile !== null || !host,
  fn: async () => {
    const shim = await Deno.readFile(shimPath(host!));
    const text = entryModule(host!, shim);
    const encoded = /const SHIM = "([A-Za-z0-9+/=]+)";/.exec(text)![1]!;
    const decoded = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    assertEquals(decoded, shim);
    assertMatch(text, /setEmbeddedShim\(/);
    assertMatch(text, /await runCli\(\);/);
    // deno compile gets the target, the output and exactly the compile-time permissions.
    const args = compileArgs(host!, "entry.ts", "out");
    assertEquals(args.slice(0, 6), [
      "compile",
      "--frozen",
      "--target",
      host!.triple,
      "--output",
      "out",
    ]);
    assertEquals(args.slice(6, -1), compilePermissions(host!));
    // Never all: no program is run (--allow-run), and only the shim is loaded.
    assertOk(!args.includes("--allow-all") && !args.some((a) => a.startsWith("--allow-run")));
  },
});

const labReason = labSkipReason("compiled-entry lab test");

Deno.test({
  name: "compile: the entry traces with no shim file beside it and only the compiled permissions",
  ignore: noFile !== null || !host || labReason !== null,
  sanitizeResources: false,
  fn: async () => {
    await buildTargetShim(host!);
    const entry = await writeEntry(host!);
    // A copy of the sources with no build/ shims: only the embedded bytes can load.
    const dir = await Deno.makeTempDir({ prefix: "hopwise-entry-" });
    try {
      const root = new URL("../", import.meta.url);
      for (const part of ["ffi", "src", "deno.json"]) {
        const r = await new Deno.Command("cp", {
          args: ["-R", decodeURIComponent(new URL(part, root).pathname), `${dir}/`],
        }).output();
        assertOk(r.success);
      }
      await Deno.mkdir(`${dir}/build/${host!.triple}`, { recursive: true });
      await Deno.copyFile(entry, `${dir}/build/${host!.triple}/entry.ts`);
      const copied = `${dir}/build/${host!.triple}/entry.ts`;
      await using lab = await Lab.create();
      const c = await chain(lab, { routers: 1 });
      const run = (args: string[], env: Record<string, string> = {}) =>
        lab.exec(c.source, [
          Deno.execPath(),
          "run",
          "--quiet",
          "--no-lock",
          ...compilePermissions(host!),
          copied,
          ...args,
        ], { env: { NO_COLOR: "1", ...env } });
      const help = await run(["--help"]);
      assertEquals(help.code, 0, help.stderr);
      const traced = await run(["-n", "-q", "1", c.target4]);
      assertEquals(traced.code, 0, traced.stderr);
      assertMatch(
        traced.stdout,
        /^traceroute to \S+ \(\S+\), 30 hops max, 60 byte packets\n 1 {2}198\.18\.1\.2 {2}[\d.]+ ms\n 2 {2}198\.18\.2\.2 {2}[\d.]+ ms\n$/,
      );
      // A HOPWISE_SHIM that does not load is passed over for the embedded copy.
      const overridden = await run(["-n", "-q", "1", c.target6], {
        HOPWISE_SHIM: `${dir}/nothing.so`,
      });
      assertEquals(overridden.code, 0, overridden.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const denort = Deno.env.get("DENORT_BIN");
if (!denort) {
  // deno-lint-ignore no-console
  console.log(
    "compile: binaries not built: deno compile needs its runtime; set DENORT_BIN to test them",
  );
}

Deno.test({
  name: "compile: the binary runs alone, and takes traceroute6's defaults under that name",
  ignore: !denort || !host || labReason !== null,
  sanitizeResources: false,
  fn: async () => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["task", "compile", "--target", host!.triple],
      cwd: decodeURIComponent(new URL("../", import.meta.url).pathname),
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const binary = decodeURIComponent(
      new URL(`../dist/hopwise-${host!.triple}`, import.meta.url).pathname,
    );
    const sums = await Deno.readTextFile(new URL("../dist/SHA256SUMS", import.meta.url));
    assertMatch(sums, new RegExp(`^[0-9a-f]{64}  hopwise-${host!.triple}$`, "m"));
    // Alone in a directory, called traceroute6.
    const dir = await Deno.makeTempDir({ prefix: "hopwise-bin-" });
    try {
      await Deno.copyFile(binary, `${dir}/hopwise`);
      await Deno.chmod(`${dir}/hopwise`, 0o755);
      await Deno.symlink(`${dir}/hopwise`, `${dir}/traceroute6`);
      await using lab = await Lab.create();
      const c = await chain(lab, { routers: 1, names: true });
      const v4 = await lab.exec(c.source, [`${dir}/hopwise`, "-n", "-q", "1", "dst.lab"]);
      assertMatch(v4.stdout, /^traceroute to dst\.lab \(198\.18\.2\.2\)/);
      const v6 = await lab.exec(c.source, [`${dir}/traceroute6`, "-n", "-q", "1", "dst.lab"]);
      assertMatch(v6.stdout, /^traceroute to dst\.lab \(2001:db8:0:2::2\)/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
