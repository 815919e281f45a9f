/**
 * The service's HTTP endpoints, on Deno's own server (HTTPS when given a
 * certificate and key): `/metrics` (the Prometheus text format, or
 * OpenMetrics when the scraper asks for it), `/probe` (a short watch of an
 * allowed target, as metrics), `/api/targets` and `/api/report` (JSON),
 * `/api/events` (JSON Lines, streamed), `/healthz`, and the pages (`/`, every target;
 * `/target?name=HOST`, one). With credentials, every request must authenticate (401
 * otherwise). Every request is a GET or HEAD of a known path with no query
 * parameter it does not take; anything else is a one-line 4xx. Nothing here
 * probes: it formats what the watches know.
 *
 * @module
 */
import type { FleetFigures } from "../core/fleet_model.ts";
import { authorized, type Credentials } from "./auth.ts";
import type { ProbeEndpoint } from "./probe.ts";
import { type EventLog, eventStream } from "./events.ts";
import {
  metricsText,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from "../output/metrics.ts";
import { wantsOpenMetrics } from "./accept.ts";
import type { HtmlPage } from "../output/html.ts";
import {
  OVERVIEW_REFRESH_SECONDS,
  overviewPage,
  pageResponse,
  TARGET_REFRESH_SECONDS,
} from "./page.ts";

/** Where the service listens. */
export interface ListenAddress {
  /** The address (127.0.0.1 unless told otherwise). */
  hostname: string;
  /** The port (0: any free one). */
  port: number;
}

/** How requests are secured. */
export interface HttpSecurity {
  /** HTTPS: the PEM certificate chain and key; plain HTTP when null. */
  tls: { cert: string; key: string } | null;
  /** Who may make requests; anyone when null. */
  credentials: Credentials | null;
}

/** A running HTTP server. */
export interface HttpService {
  /** The address and port it listens on. */
  readonly address: ListenAddress;
  /** Stops accepting, lets requests in progress finish, and resolves once closed. */
  close(): Promise<void>;
}

/** One line of text, with a status. */
function text(status: number, body: string): Response {
  return new Response(body + "\n", {
    status,
    // A name asked for comes back in some answers (`no target "..."`): never read as markup.
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

/** The targets as `/api/targets` gives them. */
function targetsDocument(figures: FleetFigures): unknown {
  return {
    schema: "hopwise.targets/1",
    version: figures.version,
    targets: figures.targets.map((t) => ({
      target: t.target,
      labels: t.labels,
      address: t.address,
      method: t.method,
      state: t.up ? "up" : "down",
      reason: t.downReason,
      reached: t.reached,
      pathHops: t.pathHops,
      pathChanges: t.pathChanges,
      cycles: t.cycles,
      lastCycleAt: t.lastCycleAt,
      findings: t.findings,
    })),
  };
}

/** What the endpoints answer from. */
export interface Answerer {
  /** Everything the service knows now. */
  figures(): FleetFigures;
  /** `/probe`, or null when it is not served. */
  probe: ProbeEndpoint | null;
  /** The log `/api/events` streams. */
  events: EventLog;
  /** The `hopwise.report/1` document of a target's current window, or null for no such target. */
  report(target: string): unknown | null;
  /** The page of a target (`/target?name=HOST`), or null for no such target. */
  targetPage(target: string): HtmlPage | null;
  /** Reads the targets again (`POST /-/reload`), or null when not served; resolves to what changed. */
  reload: (() => Promise<string>) | null;
}

/** A JSON document. */
function json(body: unknown): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/**
 * `/metrics`'s answer for `figures`, in the format the request asks for,
 * streamed as it is written (a thousand targets make 11 MB: the first bytes
 * leave at once, and probing goes on between the pieces).
 */
function metrics(request: Request, figures: FleetFigures): Response {
  const open = wantsOpenMetrics(request.headers.get("accept"));
  const pieces = metricsText(figures, { openMetrics: open });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  return new Response(body, {
    headers: { "content-type": open ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE },
  });
}

/** Answers one request from the figures now, once it has shown who makes it (when asked). */
export async function handleRequest(
  request: Request,
  answerer: Answerer,
  credentials: Credentials | null = null,
): Promise<Response> {
  if (credentials && !(await authorized(credentials, request.headers.get("authorization")))) {
    const response = text(401, "authentication required");
    response.headers.set("www-authenticate", 'Basic realm="hopwise"');
    return response;
  }
  const url = new URL(request.url);
  if (url.pathname === "/-/reload" && answerer.reload) {
    if (request.method !== "POST") return text(405, "/-/reload takes POST");
    try {
      return text(200, await answerer.reload());
    } catch (e) {
      return text(400, `reload refused: ${e instanceof Error ? e.message : e}`);
    }
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text(405, "only GET and HEAD are served");
  }
  if (url.pathname === "/probe" && answerer.probe) {
    const answer = await answerer.probe.answer(
      url.searchParams,
      request.signal,
      request.headers.get("x-prometheus-scrape-timeout-seconds"),
    );
    return "figures" in answer
      ? metrics(request, answer.figures)
      : text(answer.status, answer.message);
  }
  if (url.pathname === "/api/report") {
    const extra = [...url.searchParams.keys()].find((key) => key !== "target");
    if (extra !== undefined) return text(400, `unknown query parameter "${extra}"`);
    const target = url.searchParams.get("target");
    if (target === null) return text(400, "target is missing");
    const report = answerer.report(target);
    return report === null ? text(404, `no target "${target}"`) : json(report);
  }
  if (url.pathname === "/target") {
    const extra = [...url.searchParams.keys()].find((key) => key !== "name");
    if (extra !== undefined) return text(400, `unknown query parameter "${extra}"`);
    const name = url.searchParams.get("name");
    if (name === null) return text(400, "name is missing");
    const page = answerer.targetPage(name);
    return page === null
      ? text(404, `no target "${name}"`)
      : pageResponse(page, TARGET_REFRESH_SECONDS, request.headers.get("accept-encoding"));
  }
  const params = [...url.searchParams.keys()];
  if (params.length > 0) return text(400, `unknown query parameter "${params[0]}"`);
  switch (url.pathname) {
    case "/":
      return pageResponse(
        overviewPage(answerer.figures(), new Date().toISOString()),
        OVERVIEW_REFRESH_SECONDS,
        request.headers.get("accept-encoding"),
      );
    case "/metrics":
      return metrics(request, answerer.figures());
    case "/api/targets":
      return json(targetsDocument(answerer.figures()));
    case "/api/events":
      return new Response(eventStream(answerer.events), {
        headers: { "content-type": "application/x-ndjson; charset=utf-8" },
      });
    case "/healthz":
      return text(200, "ok");
    default:
      return text(404, `no such path "${url.pathname}"`);
  }
}

/**
 * Serves the endpoints on `listen`, secured as `security` says: what the
 * answerer `answerer` gives at each request answers (503 while it gives
 * null: the service is starting).
 *
 * @throws {Deno.errors.AddrInUse | Deno.errors.PermissionDenied} when it cannot listen
 */
export function serveHttp(
  listen: ListenAddress,
  answerer: () => Answerer | null,
  security: HttpSecurity = { tls: null, credentials: null },
): HttpService {
  const server = Deno.serve({
    hostname: listen.hostname,
    port: listen.port,
    ...(security.tls ?? {}),
    onListen: () => {},
    onError: () => text(500, "internal error"),
  }, (request) => {
    const ready = answerer();
    return ready
      ? handleRequest(request, ready, security.credentials)
      : text(503, "starting: the targets are being opened");
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    address: { hostname: addr.hostname, port: addr.port },
    close: () => server.shutdown(),
  };
}
