import { z } from 'zod';
import type { StackOptions } from './plan.js';

const stackEnv = z.object({
  STACK_POSTGRES_URL: z
    .string()
    .url()
    .refine((v) => v.startsWith('postgres://') || v.startsWith('postgresql://'), 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/postgres'),
  NATS_URL: z
    .string()
    .regex(/^nats:\/\/\S+$/, 'must be a nats:// URL')
    .default('nats://127.0.0.1:4222'),
  STACK_DB_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and underscores')
    .default('meshkit_'),
  STACK_PORT_OFFSET: z.coerce.number().int().min(0).max(50_000).default(0),
  STACK_SERVICES: z
    .string()
    .regex(/^[a-z-]+(,[a-z-]+)*$/, 'a comma-separated list of service names')
    .optional(),
  STACK_EVENTS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, "letters, digits, '_' or '-'")
    .default(''),
  STACK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the local gateway listens. @default 8080 + STACK_PORT_OFFSET (`make port-forward`'s port) */
  STACK_GATEWAY_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Where the local gateway serves HTTPS. @default 8443 + STACK_PORT_OFFSET (`make port-forward`'s) */
  STACK_GATEWAY_HTTPS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Where the issuers' keys are (created when missing, as `make secrets` does); `make token` reads the same. */
  SECRETS_DIR: z.string().min(1).default('.secrets'),
});

/** The port `make port-forward` serves the cluster's gateway on; the local gateway takes the same. */
export const LOCAL_GATEWAY_PORT = 8080;
/** The port `make port-forward` serves the cluster gateway's HTTPS on; the local gateway takes the same. */
export const LOCAL_GATEWAY_HTTPS_PORT = 8443;

/** Reads the stack's settings; the error names the variable that is wrong. */
export function stackOptions(env: NodeJS.ProcessEnv): StackOptions {
  const parsed = stackEnv.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`stack: invalid configuration: ${detail}`);
  }
  const cfg = parsed.data;
  return {
    postgresAdminUrl: cfg.STACK_POSTGRES_URL,
    natsUrl: cfg.NATS_URL,
    databasePrefix: cfg.STACK_DB_PREFIX,
    portOffset: cfg.STACK_PORT_OFFSET,
    host: '127.0.0.1',
    sharedEnv: { LOG_LEVEL: cfg.STACK_LOG_LEVEL },
    eventsNamespace: cfg.STACK_EVENTS_NAMESPACE,
    gatewayPort: cfg.STACK_GATEWAY_PORT ?? LOCAL_GATEWAY_PORT + cfg.STACK_PORT_OFFSET,
    gatewayHttpsPort: cfg.STACK_GATEWAY_HTTPS_PORT ?? LOCAL_GATEWAY_HTTPS_PORT + cfg.STACK_PORT_OFFSET,
    secretsDir: cfg.SECRETS_DIR,
    ...(cfg.STACK_SERVICES === undefined ? {} : { only: cfg.STACK_SERVICES.split(',') }),
  };
}
