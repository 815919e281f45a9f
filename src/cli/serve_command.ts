/**
 * `--serve [ADDRESS:]PORT`: the service on the command line. The targets
 * come from `--targets FILE` and `--config FILE` (the file's added after the
 * list's); the command line's options apply to every target, the config
 * file's per-target keys over them; the file's `as_source`, `geoip` and
 * `privacy` apply where the command line gives no `--as-source`, `--geoip`
 * or `--privacy`. It runs until SIGINT or SIGTERM, then
 * stops probing, lets the requests in progress finish, and exits 0.
 *
 * @module
 */
import { failureReason, OptionError } from "../core/errors.ts";
import type { TraceOptions } from "../config/options.ts";
import { parseTargets } from "../modes/targets.ts";
import {
  type ListenAddress,
  parseListen,
  readServeConfig,
  SERVE_DEFAULTS,
  type ServeConfig,
} from "../serve/config.ts";
import { readAuthFile } from "../serve/auth.ts";
import type { HttpSecurity } from "../serve/http.ts";
import { Service, type ServiceTarget } from "../serve/service.ts";
import type { ServeCommand } from "./commands.ts";
import { type CliOutput, readTargetList, whoisServer } from "./io.ts";
import { STATUS } from "./exit.ts";
import { VERSION } from "./usage.ts";

/** The targets of `config`, as the service takes them. */
function configTargets(config: ServeConfig): ServiceTarget[] {
  return config.targets.map((t) => {
    const options: TraceOptions = {
      ...(t.method !== undefined ? { method: t.method } : {}),
      ...(t.port !== undefined ? { port: t.port } : {}),
      ...(t.queries !== undefined ? { queries: t.queries } : {}),
      ...(t.firstTtl !== undefined ? { firstHop: t.firstTtl } : {}),
      ...(t.maxTtl !== undefined ? { maxHops: t.maxTtl } : {}),
    };
    return {
      host: t.host,
      options,
      labels: t.labels,
      ...(t.interval !== undefined ? { interval: t.interval * 1000 } : {}),
      ...(t.flows !== undefined ? { flows: t.flows } : {}),
    };
  });
}

/**
 * The lookups' options of the service: the command line's, and where it
 * gives no `--as-source` or `--geoip`, the configuration's `as_source` and
 * `geoip` (`-A` alone takes the file's source; `as_source = "whois"` asks
 * `-A`'s server, RA_SERVER's as on the command line).
 */
export function serveLookupOptions(
  options: Pick<TraceOptions, "asSource" | "asLookups" | "geoip">,
  config: Pick<ServeConfig, "asSource" | "geoip"> | null,
): Pick<TraceOptions, "asSource" | "asLookups" | "geoip"> {
  const { asSource, asLookups, geoip } = options;
  const fromFile = options.asSource === undefined ? config?.asSource ?? null : null;
  return {
    ...(asLookups !== undefined ? { asLookups } : {}),
    ...(asSource !== undefined ? { asSource } : {}),
    ...(fromFile !== null ? { asSource: fromFile, asLookups: asLookups || whoisServer() } : {}),
    ...(geoip !== undefined ? { geoip } : config?.geoip ? { geoip: config.geoip } : {}),
  };
}

/** Reads the files `[web]` names: the certificate and key of HTTPS, the credentials. */
async function webSecurity(config: ServeConfig): Promise<HttpSecurity> {
  const read = async (path: string, key: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (e) {
      const why = failureReason(e);
      throw new OptionError("config", `[web] ${key} ${path}: cannot read it: ${why}`);
    }
  };
  const { tlsCert, tlsKey, authFile } = config.web;
  return {
    tls: tlsCert !== null && tlsKey !== null
      ? { cert: await read(tlsCert, "tls_cert"), key: await read(tlsKey, "tls_key") }
      : null,
    credentials: authFile !== null ? await readAuthFile(authFile) : null,
  };
}

/** The targets of `--targets` and of `config`, the list's first. */
async function loadTargets(
  command: ServeCommand,
  config: ServeConfig | null,
): Promise<ServiceTarget[]> {
  const targets: ServiceTarget[] = [];
  if (command.targetsFile !== null) {
    const list = parseTargets(await readTargetList(command.targetsFile));
    for (const e of list.errors) {
      throw new OptionError("targets", `--targets line ${e.line}: "${e.text}": ${e.reason}`);
    }
    targets.push(...list.targets.map((entry) => ({ host: entry.host })));
  }
  if (config) targets.push(...configTargets(config));
  if (targets.length === 0) {
    throw new OptionError("serve", "--serve has no target: give --targets FILE or --config FILE");
  }
  return targets;
}

/** `host:port`, an IPv6 address in brackets. */
function hostPort({ hostname, port }: ListenAddress): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * The service started with `options`, or null when it cannot listen on
 * `listen` (the port taken, the address not the machine's, a port below
 * 1024 without the privilege): then one line says why. A failure, not bad
 * input (status 1, which a service manager restarts): a port still held by
 * the instance before is free a moment later.
 */
async function startListening(
  out: CliOutput,
  listen: ListenAddress,
  options: Parameters<typeof Service.start>[0],
): Promise<Service | null> {
  try {
    return await Service.start(options);
  } catch (e) {
    const cannotListen = e instanceof Deno.errors.AddrInUse ||
      e instanceof Deno.errors.AddrNotAvailable || e instanceof Deno.errors.PermissionDenied;
    if (!cannotListen) throw e;
    out.stderr(`hopwise: --serve ${hostPort(listen)}: ${failureReason(e)}\n`);
    return null;
  }
}

/**
 * What the service takes from the command line and the file when it starts,
 * and a reload does not, by the file's keys: the command line's where it
 * gives one, else the file's, else the default.
 */
function startOnly(command: ServeCommand, config: ServeConfig | null) {
  const { asSource, geoip } = serveLookupOptions(command.options, config);
  return {
    listen: command.listen !== null ? parseListen(command.listen) : config?.listen ?? null,
    interval: command.intervalSeconds ?? config?.interval ?? SERVE_DEFAULTS.interval,
    rate: command.rate ?? config?.rate,
    window: config?.window ?? SERVE_DEFAULTS.window,
    as_source: asSource,
    geoip,
    privacy: command.settings.privacy ?? config?.privacy ?? 0,
    probe: config?.probe,
    web: config?.web,
  };
}

/** The keys whose values differ between `before` and `after`. */
function changedKeys<T extends Record<string, unknown>>(before: T, after: T): string[] {
  return Object.keys(before).filter((key) =>
    JSON.stringify(before[key]) !== JSON.stringify(after[key])
  );
}

/** Runs the service until the command's signal stops it; resolves to the exit status. */
export async function runServeCommand(command: ServeCommand): Promise<number> {
  const { settings } = command;
  const { out } = settings;
  const config = command.configFile === null ? null : await readServeConfig(command.configFile);
  const security = config ? await webSecurity(config) : { tls: null, credentials: null };
  const started = startOnly(command, config);
  const { listen, rate } = started;
  if (listen === null) {
    throw new OptionError("serve", "--serve needs a port (or a config file with listen)");
  }
  const targets = await loadTargets(command, config);
  const { timing: _timing, queries, wait, simultaneous: _simultaneous, ...rest } = command.options;
  const service = await startListening(out, listen, {
    listen,
    targets,
    watch: {
      ...rest,
      ...serveLookupOptions(rest, config),
      interval: started.interval * 1000,
      ...(rate !== undefined ? { rate } : {}),
      queries: command.queriesGiven && queries !== undefined ? queries : 1,
      ...(command.waitGiven && wait?.max !== undefined ? { wait: { max: wait.max } } : {}),
    },
    window: started.window * 1000,
    version: VERSION,
    security,
    ...(config ? { probe: config.probe } : {}),
    // The targets again; what else changed in the file waits for a restart, and the line says so.
    reread: async () => {
      const again = command.configFile === null ? null : await readServeConfig(command.configFile);
      const targets = await loadTargets(command, again);
      return { targets, restartOnly: changedKeys(started, startOnly(command, again)) };
    },
    ...(rest.transport ? { transport: rest.transport } : {}),
    ...(rest.resolver ? { resolver: rest.resolver } : {}),
    privacy: started.privacy,
  });
  if (service === null) return STATUS.failed;
  out.stderr(
    `hopwise: watching ${targets.length} target${targets.length === 1 ? "" : "s"}, ` +
      `metrics on ${security.tls ? "https" : "http"}://${hostPort(service.address)}/metrics\n`,
  );
  // SIGHUP reads the files again: new targets start, removed ones stop, the others go on.
  const onHangUp = () => {
    service.reloadFromFiles().then(
      (done) => out.stderr(`hopwise: ${done}\n`),
      (e) => out.stderr(`hopwise: reload refused: ${e instanceof Error ? e.message : e}\n`),
    );
  };
  Deno.addSignalListener("SIGHUP", onHangUp);
  try {
    if (!settings.signal?.aborted) {
      await new Promise<void>((resolve) =>
        settings.signal?.addEventListener("abort", () => resolve(), { once: true })
      );
    }
  } finally {
    Deno.removeSignalListener("SIGHUP", onHangUp);
    await service.close();
  }
  return STATUS.ok;
}
