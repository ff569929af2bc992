import { createServiceApp, ServiceClient, type Lifecycle, type Logger, type ServiceApp } from '@mesh-kit/runtime';
import { overviewRouter } from './routes/overview.js';

export interface StorefrontDeps {
  readonly logger: Logger;
  readonly usersUrl: string;
  readonly ordersUrl: string;
  readonly notificationsUrl: string;
  readonly lifecycle?: Lifecycle;
}

export function createApp(deps: StorefrontDeps): ServiceApp {
  return createServiceApp('storefront', {
    logger: deps.logger,
    routes: overviewRouter({
      users: new ServiceClient('users', deps.usersUrl),
      orders: new ServiceClient('orders', deps.ordersUrl),
      notifications: new ServiceClient('notifications', deps.notificationsUrl),
    }),
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
