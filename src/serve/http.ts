/**
 * The service's HTTP endpoints, on Deno's own server (HTTPS when given a
 * certificate and key): `/metrics` (the Prometheus text format, or
 * OpenMetrics when the scraper asks for it), `/api/targets` (JSON),
 * `/healthz`. With credentials, every request must authenticate (401
 * otherwise). Every request is a GET or HEAD of a known path with no query
 * parameter it does not take; anything else is a one-line 4xx. Nothing here
 * probes: it formats what the watches know.
 *
 * @module
 */
import type { FleetFigures } from "../core/fleet_model.ts";
import { authorized, type Credentials } from "./auth.ts";
import {
  formatMetrics,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  wantsOpenMetrics,
} from "../output/metrics.ts";

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
    headers: { "content-type": "text/plain; charset=utf-8" },
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

/** Answers one request from the figures now, once it has shown who makes it (when asked). */
export async function handleRequest(
  request: Request,
  figures: () => FleetFigures,
  credentials: Credentials | null = null,
): Promise<Response> {
  if (credentials && !(await authorized(credentials, request.headers.get("authorization")))) {
    const response = text(401, "authentication required");
    response.headers.set("www-authenticate", 'Basic realm="hopwise"');
    return response;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text(405, "only GET and HEAD are served");
  }
  const url = new URL(request.url);
  const params = [...url.searchParams.keys()];
  if (params.length > 0) return text(400, `unknown query parameter "${params[0]}"`);
  switch (url.pathname) {
    case "/metrics": {
      const open = wantsOpenMetrics(request.headers.get("accept"));
      return new Response(formatMetrics(figures(), { openMetrics: open }), {
        headers: { "content-type": open ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE },
      });
    }
    case "/api/targets":
      return new Response(JSON.stringify(targetsDocument(figures()), null, 2) + "\n", {
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    case "/healthz":
      return text(200, "ok");
    default:
      return text(404, `no such path "${url.pathname}"`);
  }
}

/**
 * Serves the endpoints on `listen`, secured as `security` says.
 *
 * @throws {Deno.errors.AddrInUse | Deno.errors.PermissionDenied} when it cannot listen
 */
export function serveHttp(
  listen: ListenAddress,
  figures: () => FleetFigures,
  security: HttpSecurity = { tls: null, credentials: null },
): HttpService {
  const server = Deno.serve({
    hostname: listen.hostname,
    port: listen.port,
    ...(security.tls ?? {}),
    onListen: () => {},
    onError: () => text(500, "internal error"),
  }, (request) => handleRequest(request, figures, security.credentials));
  const addr = server.addr as Deno.NetAddr;
  return {
    address: { hostname: addr.hostname, port: addr.port },
    close: () => server.shutdown(),
  };
}
