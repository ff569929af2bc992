import { createServer } from 'node:http';
import type { Express } from 'express';
import type { z } from 'zod';
import { setBodyLimit } from './app.js';
import { ConfigError, loadConfig, type BaseConfig } from './config.js';
import type { Lifecycle } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { handleShutdown } from './shutdown.js';
import { exportSpans } from './span-export.js';

export interface StartedService {
  readonly app: Express;
  readonly lifecycle: Lifecycle;
  /** Closes pools and connections once HTTP has drained. */
  readonly close?: () => Promise<void>;
}

export interface RunServiceOptions<S extends z.ZodType<BaseConfig>> {
  readonly name: string;
  readonly configSchema: S;
  /** Connects, migrates and builds the app. Throwing here exits 1 with the error logged. */
  readonly start: (config: z.output<S>, logger: Logger) => Promise<StartedService>;
}

/** The body of every service's server.ts: config, start-up, listen, graceful shutdown. */
export async function runService<S extends z.ZodType<BaseConfig>>(options: RunServiceOptions<S>): Promise<void> {
  let config: z.output<S>;
  try {
    config = loadConfig(options.configSchema, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.name}: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(options.name, config.LOG_LEVEL);
  const stopSpanExport =
    config.OTEL_EXPORTER_ZIPKIN_ENDPOINT === undefined
      ? undefined
      : exportSpans(options.name, config.OTEL_EXPORTER_ZIPKIN_ENDPOINT);
  let started: StartedService;
  try {
    started = await options.start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
  setBodyLimit(started.app, config.BODY_LIMIT);
  const server = createServer(started.app);
  // Longer than Envoy's idle timeout (1h) would pin connections; shorter than the LB's keeps
  // the sidecar from reusing a socket the app already closed.
  server.keepAliveTimeout = 65_000;
  handleShutdown({
    server,
    lifecycle: started.lifecycle,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      await started.close?.();
      await stopSpanExport?.();
    },
  });
  server.listen(config.PORT, config.HOST, () => {
    logger.info({ port: config.PORT }, `${options.name} listening`);
  });
}
