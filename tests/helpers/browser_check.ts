/**
 * Opening a page in headless Chromium with the network unreachable (`unshare
 * -n`), once per check set: its screenshot, its DOM after rendering, the
 * console messages it logged, and every request the page itself made
 * (read from Chromium's net log: requests tied to the page's site, apart from
 * the browser's own background ones). And reading a PNG back, to tell a
 * drawn screenshot from a blank one by its pixels.
 *
 * @module
 */
import { hasTool } from "./repo_commands.ts";

/** Why Chromium tests of `group` cannot run here (printed), or null when they can. */
export function chromiumSkipReason(group: string): string | null {
  const missing = ["chromium", "unshare"].find((tool) => !hasTool(tool));
  if (missing === undefined && Deno.uid() === 0) return null;
  const reason = missing
    ? `${missing} is not installed (apt-get install ${
      missing === "chromium" ? "chromium" : "util-linux"
    })`
    : "unshare -n needs root";
  // deno-lint-ignore no-console
  console.log(`${group} ignored: ${reason}`);
  return reason;
}

/** What Chromium made of a page. */
export interface BrowserView {
  /** The screenshot, PNG. */
  png: Uint8Array;
  /** The DOM once rendered (`--dump-dom`). */
  dom: string;
  /** Console messages the page logged (those of Chromium's own chrome:// pages left out). */
  console: string[];
  /** URLs the page asked for, other than its own file. */
  requests: string[];
  /** Chromium's exit status and stderr's last lines, for messages. */
  code: number;
  /** Chromium's stderr. */
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

/** How {@linkcode openPage} runs Chromium. */
export interface OpenOptions {
  /** The window's width, px (1100). */
  width?: number;
  /** The window's height, px (1500). */
  height?: number;
  /**
   * The command Chromium runs under, keeping it off the outside network:
   * `["unshare", "-n"]` by default (no network at all, for a file); for a
   * page served in the lab, the lab node's (`["ip", "netns", "exec", ns]`).
   */
  wrap?: string[];
}

/**
 * Opens `page` (an HTML file's absolute path, or a URL) at `width` ×
 * `height`, off the network, once: screenshot, DOM, console, and the
 * requests the page made for anything but itself (a file) or its own origin
 * (a URL).
 */
export async function openPage(page: string, options: OpenOptions = {}): Promise<BrowserView> {
  const { width = 1100, height = 1500, wrap = ["unshare", "-n"] } = options;
  const file = page.startsWith("/");
  const url = file ? `file://${page}` : page;
  const origin = file ? null : new URL(page).origin;
  const site = file ? "file://" : `://${new URL(page).hostname}`;
  const dir = await Deno.makeTempDir({ prefix: "hopwise-chromium-" });
  try {
    const shot = `${dir}/shot.png`;
    const netLog = `${dir}/net.json`;
    const started = performance.now();
    const out = await new Deno.Command(wrap[0]!, {
      args: [
        ...wrap.slice(1),
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-features=SpellCheck",
        `--user-data-dir=${dir}/profile`,
        "--enable-logging=stderr",
        "--v=0",
        `--log-net-log=${netLog}`,
        `--window-size=${width},${height}`,
        `--screenshot=${shot}`,
        "--dump-dom",
        url,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { HOME: dir },
    }).output();
    const ms = performance.now() - started;
    const stderr = new TextDecoder().decode(out.stderr);
    const own = (asked: string) =>
      origin === null ? asked === url : asked === origin || asked.startsWith(origin + "/");
    const requests = new Set<string>();
    try {
      const log = JSON.parse(await Deno.readTextFile(netLog)) as {
        events: Array<{ params?: { url?: string; network_isolation_key?: string } }>;
      };
      for (const event of log.events) {
        const p = event.params;
        // The page's requests carry its site in their isolation key; the browser's own do not.
        const key = p?.network_isolation_key;
        if (p?.url && key?.includes(site) && !own(p.url)) requests.add(p.url);
      }
    } catch (e) {
      throw new Error(`chromium wrote no net log (${e}); stderr:\n${stderr.slice(-2000)}`);
    }
    return {
      png: await Deno.readFile(shot),
      dom: new TextDecoder().decode(out.stdout),
      // Chromium's own pages (chrome://) log too; those are not the page's.
      console: stderr.split("\n").filter((line) =>
        line.includes(":CONSOLE") && !line.includes("source: chrome://")
      ),
      requests: [...requests],
      code: out.code,
      stderr,
      ms,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What a PNG's pixels show: its size, its distinct colours, the share not of its commonest colour. */
export interface PngStats {
  /** Width, pixels. */
  width: number;
  /** Height, pixels. */
  height: number;
  /** Distinct RGBA colours. */
  colours: number;
  /** Pixels not of the commonest colour (the background), over all. */
  ink: number;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) and counts its pixels. */
export async function pngStats(png: Uint8Array): Promise<PngStats> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let width = 0, height = 0, channels = 0;
  const data: Uint8Array[] = [];
  while (offset < png.length) {
    const length = view.getUint32(offset);
    const type = new TextDecoder().decode(png.subarray(offset + 4, offset + 8));
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const [depth, colourType, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || interlace !== 0 || (colourType !== 2 && colourType !== 6)) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}`);
      }
      channels = colourType === 6 ? 4 : 3;
    } else if (type === "IDAT") data.push(body);
    offset += 12 + length;
  }
  const raw = new Uint8Array(
    await new Response(
      new Blob(data as BlobPart[]).stream().pipeThrough(new DecompressionStream("deflate")),
    )
      .arrayBuffer(),
  );
  const stride = width * channels;
  const previous = new Uint8Array(stride);
  const row = new Uint8Array(stride);
  const counts = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      const x = line[i]!;
      let value: number;
      if (filter === 0) value = x;
      else if (filter === 1) value = x + a;
      else if (filter === 2) value = x + b;
      else if (filter === 3) value = x + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        value = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      row[i] = value & 0xff;
    }
    for (let i = 0; i < stride; i += channels) {
      const colour = ((row[i]! << 16) | (row[i + 1]! << 8) | row[i + 2]!) * 256 +
        (channels === 4 ? row[i + 3]! : 255);
      counts.set(colour, (counts.get(colour) ?? 0) + 1);
    }
    previous.set(row);
  }
  const commonest = Math.max(...counts.values());
  return { width, height, colours: counts.size, ink: 1 - commonest / (width * height) };
}

/**
 * Where pictures for the docs go when asked (`HOPWISE_DOCS_IMAGES=1`):
 * docs/images/, so the docs' screenshots are made by the tests' own runs.
 */
export function docsImagePath(name: string): string | null {
  if (Deno.env.get("HOPWISE_DOCS_IMAGES") !== "1") return null;
  return decodeURIComponent(new URL(`../../docs/images/${name}`, import.meta.url).pathname);
}
