import { z } from 'zod';

/** A PostgreSQL connection URL. */
export const postgresUrl = z
  .string()
  .url()
  .refine((v) => v.startsWith('postgres://') || v.startsWith('postgresql://'), 'must be a postgres:// URL');

/**
 * The http:// base URL of another service. Services speak plain HTTP to their sidecar, which adds
 * mTLS (Law 4); ServiceClient refuses anything else, so the config does too.
 */
export const serviceUrl = z
  .string()
  .url()
  .refine((v) => v.startsWith('http://'), 'must be an http:// URL');

/** A NATS server URL. */
export const natsUrl = z.string().regex(/^nats:\/\/\S+$/, 'must be a nats:// URL');

/** The largest JSON body a service accepts where BODY_LIMIT is not set. */
export const DEFAULT_BODY_LIMIT = '100kb';

/** Settings every service reads from its environment. */
export const baseConfigSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Upper bound for draining in-flight requests after SIGTERM; keep below terminationGracePeriodSeconds. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Zipkin-compatible span collector for the app's own spans (the async hop); unset = no export. */
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: serviceUrl.optional(),
  /** Read by Node itself (heap sizes from the catalog); declared so every manifest variable is known here. */
  NODE_OPTIONS: z.string().optional(),
  /** Largest accepted JSON body; runService applies it to the service's app. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb')
    .default(DEFAULT_BODY_LIMIT),
});

export type BaseConfig = z.output<typeof baseConfigSchema>;

/** Thrown when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  readonly variables: readonly string[];
  constructor(variables: readonly string[], message: string) {
    super(message);
    this.name = 'ConfigError';
    this.variables = variables;
  }
}

/** Parses `env` with `schema`; the error message names each bad variable and why. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(environment)',
    message: issue.message,
  }));
  throw new ConfigError(
    problems.map((p) => p.variable),
    `Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
  );
}
