import { describe, expect, it } from 'vitest';
import { findService } from '@mesh-kit/catalog';
import { configSchema } from '@mesh-kit/identity/config';
import { stackCatalog } from '../scripts/stack/gateway-objects.js';
import { catalog } from '@mesh-kit/catalog';
import { planStack } from '../scripts/stack/plan.js';

const options = {
  postgresAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: 'nats://127.0.0.1:4222',
  databasePrefix: 'meshkit_',
  portOffset: 5,
  host: '127.0.0.1',
  sharedEnv: {},
  only: ['identity'],
};

describe('npm run stack: the identity provider', () => {
  it('is its own issuer at its local port under /auth (no gateway runs locally), with an ephemeral key its config accepts', () => {
    const [identity] = planStack(options);
    const port = findService('identity').port + options.portOffset;
    expect(identity!.env).toMatchObject({
      IDENTITY_ISSUER: `http://127.0.0.1:${port}/auth`,
      IDENTITY_AUDIENCE: 'shop',
      TRUSTED_PROXY_HOPS: '0',
    });
    expect(configSchema.safeParse(identity!.env).success).toBe(true);
    // One key per stack: every plan of the same stack signs with it.
    expect(planStack(options)[0]!.env.IDENTITY_SIGNING_KEY).toBe(identity!.env.IDENTITY_SIGNING_KEY);
  });

  it('signs with a given key instead', () => {
    const [identity] = planStack({ ...options, identitySigningKey: 'given' });
    expect(identity!.env.IDENTITY_SIGNING_KEY).toBe('given');
  });

  it("behind the local gateway, is the catalog's issuer on the gateway's port and trusts one proxy hop", () => {
    const local = stackCatalog(catalog, 8085);
    const [identity] = planStack({ ...options, gatewayPort: 8085 }, local);
    expect(identity!.env).toMatchObject({ IDENTITY_ISSUER: 'http://localhost:8085/auth', TRUSTED_PROXY_HOPS: '1' });
    expect(local.ingress.jwt.issuers.find((i) => i.id === 'identity')!.issuer).toBe('http://localhost:8085/auth');
    expect(local.ingress.jwt.issuers.find((i) => i.id === 'users')).toEqual(
      catalog.ingress.jwt.issuers.find((i) => i.id === 'users'),
    );
  });
});
