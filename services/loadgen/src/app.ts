import { Router } from 'express';
import { createServiceApp, type Lifecycle, type Logger, type ServiceApp } from '@mesh-kit/runtime';
import { createLoadgenMetrics, type LoadgenMetrics } from './metrics.js';

export interface LoadgenAppDeps {
  readonly logger: Logger;
  readonly lifecycle?: Lifecycle;
}

export interface LoadgenApp extends ServiceApp {
  readonly loadgenMetrics: LoadgenMetrics;
}

/** Only /healthz, /readyz and /metrics: loadgen serves no API, it sends traffic. */
export function createApp(deps: LoadgenAppDeps): LoadgenApp {
  const serviceApp = createServiceApp('loadgen', {
    logger: deps.logger,
    routes: Router(),
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
  return { ...serviceApp, loadgenMetrics: createLoadgenMetrics(serviceApp.metrics.registry) };
}
