import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
} from '@mesh-kit/runtime';
import { usersRouter } from './routes/users.js';
import { UserStore } from './user-store.js';

export interface UsersDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly lifecycle?: Lifecycle;
  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
}

export function createApp(deps: UsersDeps): ServiceApp {
  return createServiceApp('users', {
    logger: deps.logger,
    routes: usersRouter(new UserStore(deps.pool)),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
