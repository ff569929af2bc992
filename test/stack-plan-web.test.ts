import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { stackCatalog } from '../scripts/stack/gateway-objects.js';
import { planStack, type StackOptions } from '../scripts/stack/plan.js';

const options: StackOptions = {
  postgresAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: 'nats://127.0.0.1:4222',
  databasePrefix: 't_',
  portOffset: 100,
  host: '127.0.0.1',
  sharedEnv: {},
  only: ['web'],
};
const issuerOf = (o: StackOptions): string | undefined =>
  planStack(o, o.gatewayPort === undefined ? catalog : stackCatalog(catalog, o.gatewayPort))[0]?.env.WEB_OIDC_ISSUER;

describe('the local stack wires the browser shop', () => {
  it("gives web the provider's issuer as the stack runs it: on the gateway's origin, keeping its path", () => {
    const path = new URL(catalog.services.find((s) => s.name === 'web')!.env!.WEB_OIDC_ISSUER!).pathname;
    expect(issuerOf({ ...options, gatewayPort: 8180 })).toBe(`http://localhost:8180${path}`);
  });

  it("keeps the catalog's issuer when no gateway runs", () => {
    expect(issuerOf(options)).toBe(catalog.services.find((s) => s.name === 'web')!.env!.WEB_OIDC_ISSUER);
  });
});
