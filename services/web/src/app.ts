import { createServiceApp, type Lifecycle, type Logger, type ServiceApp } from '@mesh-kit/runtime';
import { Router } from 'express';
import { siteRouter } from './routes/site.js';
import { securityHeaders } from './security-headers.js';
import type { SiteConfig } from './site-config.js';

export interface WebDeps {
  readonly logger: Logger;
  /** The built single-page app (index.html and assets/). */
  readonly staticDir: string;
  readonly site: SiteConfig;
  readonly lifecycle?: Lifecycle;
}

/** Serves the browser shop; reads files only when asked for them, connects to nothing, listens on nothing. */
export function createApp(deps: WebDeps): ServiceApp {
  const routes = Router();
  routes.use(securityHeaders(deps.site.issuer));
  routes.use(siteRouter(deps.staticDir, deps.site));
  return createServiceApp('web', {
    logger: deps.logger,
    routes,
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
