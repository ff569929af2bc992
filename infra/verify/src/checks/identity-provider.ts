import { skip } from '../check-result.js';
import { evaluateIdentityProvider } from '../evaluate-identity-provider.js';
import type { Check } from './check.js';

/**
 * The shop's identity provider answers through the gateway without a token: discovery names the
 * catalog's issuer, and its JWKS (the keys the gateway trusts) publishes public keys only. Read-only.
 */
export const identityProviderCheck: Check = {
  id: 'identity-provider',
  title: "the identity provider's discovery and JWKS answer through the gateway",
  async run(ctx) {
    const issuer = ctx.catalog.ingress.jwt.issuers.find((i) => i.service !== undefined);
    if (issuer === undefined) return skip('the catalog declares no identity provider in the shop');
    const gateway = await ctx.gateway();
    // Through this gateway, whatever host the issuer names: its path is where the gateway routes it.
    const base = new URL(issuer.issuer).pathname.replace(/\/$/, '');
    const discovery = await gateway.send('GET', `${base}/.well-known/openid-configuration`);
    const jwksUri = (discovery.body as { jwks_uri?: unknown } | undefined)?.jwks_uri;
    const jwks =
      typeof jwksUri === 'string'
        ? await gateway.send('GET', new URL(jwksUri).pathname)
        : { status: 0, body: undefined };
    return evaluateIdentityProvider({
      issuer: issuer.issuer,
      discoveryStatus: discovery.status,
      discovery: discovery.body,
      jwksStatus: jwks.status,
      jwks: jwks.body,
    });
  },
};
