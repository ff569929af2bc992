/**
 * docs/operations.md's commands straight at the local stack's services, on the ports the catalog
 * gives them (the stack listens there); test/e2e/readme-quickstart.test.ts runs the block as written.
 */
import { findService, type Catalog } from '@mesh-kit/catalog';

export function renderStackDirect(source: Catalog): string {
  const at = (service: string): string => `localhost:${findService(service, source).port}`;
  return [
    '```sh',
    `curl -s -w '\\n' ${at('users')}/users -H 'x-user-id: ada' -H 'content-type: application/json' \\`,
    `  -d '{"name":"Ada","email":"ada@example.com"}'`,
    `curl -s -w '\\n' ${at('orders')}/orders -H 'x-user-id: ada' -H 'idempotency-key: first-order' \\`,
    `  -H 'content-type: application/json' -d '{"items":[{"sku":"mug-001","quantity":2}]}'`,
    `curl -s -w '\\n' ${at('storefront')}/overview -H 'x-user-id: ada'`,
    '```',
  ].join('\n');
}
