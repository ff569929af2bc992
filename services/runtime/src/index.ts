export {
  bareServiceExpress,
  createServiceApp,
  servicePipeline,
  setBodyLimit,
  type PipelineLayer,
  type ServiceApp,
  type ServiceAppOptions,
  type ServicePipeline,
} from './app.js';
export {
  baseConfigSchema,
  ConfigError,
  loadConfig,
  natsUrl,
  postgresUrl,
  serviceUrl,
  type BaseConfig,
} from './config.js';
export {
  createPool,
  databaseConfigSchema,
  isDatabaseUnavailable,
  withClient,
  type DatabaseConfig,
  type PoolOptions,
} from './database.js';
export { migrate } from './migrate.js';
export { openDatabase, type Database } from './open-database.js';
export { postgresCheck, postgresProbe, type PostgresProbe } from './postgres-probe.js';
export { StartupAbandoned, waitUntil, type WaitOptions } from './startup.js';
export { errorHandler, notFoundHandler } from './errors.js';
export { Lifecycle, type HealthDetail, type ReadinessCheck } from './health.js';
export { MAX_USER_ID_LENGTH, requireUserId, USER_ID_HEADER } from './identity.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type ServiceMetrics } from './metrics.js';
export { DependencyUnreachable, ServiceClient, type ServiceResponse } from './outbound.js';
export { HttpProblem, PROBLEM_CONTENT_TYPE, type FieldError } from './problem.js';
export { runService, type RunServiceOptions } from './run.js';
export { runDatabaseService, type DatabaseAppDeps, type DatabaseServiceOptions } from './database-service.js';
export { handleShutdown } from './shutdown.js';
export { exportSpans } from './span-export.js';
export {
  activeTraceId,
  extractContext,
  installTracePropagation,
  outgoingTraceHeaders,
  REQUEST_ID_HEADER,
  type HeaderCarrier,
} from './trace-context.js';
export { CONTROL_CHARACTERS_MESSAGE, NO_CONTROL_CHARACTERS, parseInput } from './validation.js';
export * from './events/index.js';
