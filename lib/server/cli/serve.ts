/**
 * The command's server: `startServer` with the settings read, JSON logs
 * (pino) on stdout, `/healthz` and `/metrics`, and a shutdown that logs.
 */
import type { DemoServer } from '../demo/demo-server.js';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { redactRedisUrl, StoreUnavailableError } from '../../store/redis-store.js';
import { describeRedis, RedisConfigError, storeConnection } from '../../store/redis/redis-config.js';
import { operationsRoutes } from '../operations.js';
import { PrometheusTelemetry } from '../prometheus-telemetry.js';
import { startServer, type RtmServer, type ServerOptions } from '../start-server.js';
import type { ServeConfig } from './command-line.js';
import { ExitCode, NAME, version, type CliIo } from './io.js';

/** A server started by `main`. */
export interface RunningServer {
  readonly server: RtmServer;
  readonly logger: Logger;
  readonly telemetry: PrometheusTelemetry;
  readonly shutdownGraceMs: number;
  /** True once `shutdown` was called; `/healthz` answers 503 from then on. */
  readonly shuttingDown: boolean;
  /** Logs, tells every client to reconnect (`goaway`, 1012), waits at most the grace, logs again. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

export type CliOutcome =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'serving'; running: RunningServer }
  /** `demo`: the demo server runs until a signal closes it. */
  | { kind: 'demo'; demo: DemoServer };

/** The Redis `config` names, for the startup line (passwords hidden), or null. */
function redisTarget({ redisUrl, redisSentinel, redisCluster }: ServeConfig): string | null {
  const config = redisSentinel ?? redisCluster;
  if (config !== undefined) return describeRedis(storeConnection(config));
  return redisUrl === undefined ? null : redactRedisUrl(redisUrl);
}

/** What `startServer` gets from the settings read (`serve` adds telemetry, logging and routes). */
export function serverSettings(config: ServeConfig): ServerOptions {
  return {
    host: config.host,
    port: config.port,
    apps: config.apps,
    presenceGraceMs: config.presenceGraceMs,
    maxFrameBytes: config.maxFrameBytes,
    shutdownGraceMs: config.shutdownGraceMs,
    handoffWaitMs: config.handoffWaitMs,
    allowedOrigins: config.allowedOrigins,
    ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    ...(config.redisSentinel === undefined ? {} : { redis: config.redisSentinel }),
    ...(config.redisCluster === undefined ? {} : { redis: config.redisCluster }),
    ...(config.mediaDir === undefined ? {} : { media: { dir: config.mediaDir } }),
  };
}

/** Starts the server of `config`, logging to `io.stdout`. */
export async function serve(config: ServeConfig, io: Pick<CliIo, 'stdout' | 'stderr'>): Promise<CliOutcome> {
  const logger = pino({ name: NAME, level: config.logLevel, timestamp: pino.stdTimeFunctions.isoTime }, io.stdout);
  const telemetry = new PrometheusTelemetry();
  let server: RtmServer | undefined;
  let shuttingDown = false;
  try {
    server = await startServer({
      ...serverSettings(config),
      telemetry,
      onError: (error) => logger.error({ err: error }, 'server error'),
      routes: operationsRoutes({
        sessions: () => server?.sessionCount ?? 0,
        shuttingDown: () => shuttingDown,
        metrics: telemetry,
      }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error, host: config.host, port: config.port }, 'cannot start');
    // A StoreUnavailableError names the Redis (password hidden) and why.
    const why =
      error instanceof StoreUnavailableError || error instanceof RedisConfigError
        ? message
        : `cannot listen on ${config.host}:${config.port}: ${message}`;
    io.stderr.write(`${NAME}: ${why}\n`);
    return { kind: 'exited', exitCode: ExitCode.Failure };
  }
  const started = server;
  telemetry.observe(started);
  logger.info(
    {
      url: started.url,
      apps: config.apps.size,
      presenceGraceMs: config.presenceGraceMs,
      allowedOrigins: config.allowedOrigins ?? 'loopback',
      maxFrameBytes: config.maxFrameBytes,
      shutdownGraceMs: config.shutdownGraceMs,
      handoffWaitMs: config.handoffWaitMs,
      redis: redisTarget(config),
      version: version(),
    },
    'listening',
  );
  let stopping: Promise<void> | undefined;
  const running: RunningServer = {
    server: started,
    logger,
    telemetry,
    shutdownGraceMs: config.shutdownGraceMs,
    get shuttingDown() {
      return shuttingDown;
    },
    shutdown(reason) {
      stopping ??= (async () => {
        shuttingDown = true;
        const begun = performance.now();
        logger.info(
          { reason, sessions: started.sessionCount, shutdownGraceMs: config.shutdownGraceMs },
          'shutting down',
        );
        await started.close();
        logger.info({ reason, durationMs: Math.round(performance.now() - begun) }, 'stopped');
      })();
      return stopping;
    },
  };
  return { kind: 'serving', running };
}
