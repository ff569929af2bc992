import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
} from '@mesh-kit/runtime';
import { productsRouter } from './routes/products.js';
import { ProductStore } from './product-store.js';

export interface ProductsDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly lifecycle?: Lifecycle;
  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
}

export function createApp(deps: ProductsDeps): ServiceApp {
  return createServiceApp('products', {
    logger: deps.logger,
    routes: productsRouter(new ProductStore(deps.pool)),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
