import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
} from '@mesh-kit/runtime';
import type { CheckSettings } from './config.js';
import { KeyStore, type UnknownKeyCacheOptions } from './key-store.js';
import { checkRouter } from './routes/check.js';

export interface ApiKeysDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly settings: CheckSettings;
  readonly lifecycle?: Lifecycle;
  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** The short memory of unknown key hashes. @default 30 s, 10 000 hashes */
  readonly unknownKeys?: UnknownKeyCacheOptions;
}

export function createApp(deps: ApiKeysDeps): ServiceApp {
  return createServiceApp('apikeys', {
    logger: deps.logger,
    routes: checkRouter(deps.settings, new KeyStore(deps.pool, deps.unknownKeys)),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
