/**
 * The pictures on the command line: `--dot` (a graph of the path instead of
 * text) and `--html FILE` (a self-contained report written beside the usual
 * output), for each mode that draws them. The formatters are loaded only
 * when asked for.
 *
 * @module
 */
import type { Trace } from "../core/model.ts";
import type { Multipath } from "../modes/multipath.ts";
import type { PathGraph } from "../output/graph.ts";
import type { HtmlPage } from "../output/html.ts";
import type { ModeSettings } from "./commands.ts";
import { STATUS } from "./exit.ts";
import { writeHtmlReport } from "./html_file.ts";

/** The DOT text of the graph `build` makes from the graph module. */
export async function dotOf(
  build: (graphs: typeof import("../output/graph.ts")) => PathGraph,
): Promise<string> {
  const [{ formatDot }, graphs] = await Promise.all([
    import("../output/dot.ts"),
    import("../output/graph.ts"),
  ]);
  return formatDot(build(graphs));
}

/** The DOT text of one trace, or of many targets' traces merged. */
export function tracesDot(traces: readonly Trace[]): Promise<string> {
  return dotOf((g) => g.tracesGraph(traces));
}

/** The DOT text of a multipath run. */
export function multipathDot(run: Multipath): Promise<string> {
  return dotOf((g) => g.multipathGraph(run));
}

/**
 * Writes the `--html` page `build` makes, when asked: `status` when it was
 * written (or not asked for), 1 after one line on stderr when it could not be.
 */
export async function writeHtmlIfAsked(
  settings: ModeSettings,
  status: number,
  build: (pages: typeof import("../output/html_pages.ts")) => HtmlPage,
): Promise<number> {
  if (settings.html === undefined) return status;
  const [{ htmlPage }, pages] = await Promise.all([
    import("../output/html.ts"),
    import("../output/html_pages.ts"),
  ]);
  const written = writeHtmlReport(
    settings.html,
    htmlPage(build(pages)),
    (text) => settings.out.stderr(text),
  );
  return written ? status : status === STATUS.ok ? STATUS.failed : status;
}
