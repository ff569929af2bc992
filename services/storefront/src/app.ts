import { createServiceApp, ServiceClient, type Lifecycle, type Logger, type ServiceApp } from '@mesh-kit/runtime';
import { overviewRouter } from './routes/overview.js';

export interface StorefrontDeps {
  readonly logger: Logger;
  readonly usersUrl: string;
  readonly ordersUrl: string;
  readonly notificationsUrl: string;
  /**
   * Added to every overview as `release` (a canary tells its answers apart).
   * @default none: no `release` field
   */
  readonly release?: string;
  readonly lifecycle?: Lifecycle;
}

export function createApp(deps: StorefrontDeps): ServiceApp {
  return createServiceApp('storefront', {
    logger: deps.logger,
    routes: overviewRouter(
      {
        users: new ServiceClient('users', deps.usersUrl),
        orders: new ServiceClient('orders', deps.ordersUrl),
        notifications: new ServiceClient('notifications', deps.notificationsUrl),
      },
      deps.release,
    ),
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
