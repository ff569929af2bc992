/**
 * Tokens of the shop's own identity provider at the gateway: real tokens from identity (code + PKCE
 * over HTTP, against real PostgreSQL), judged by the synthesized RequestAuthentication and routed by
 * the gateway model.
 *
 * The model takes jwt_authn's verdict as a table of tokens it accepts; here that table is computed
 * from the synthesized jwtRules (issuer, audiences, inline JWKS) the way jwt_authn verifies a token:
 * "its signature, audiences and issuer … also … its time restrictions, such as expiration and nbf"
 * (envoyproxy/envoy, docs/root/configuration/http/http_filters/jwt_authn_filter.rst), with the
 * provider's default clock skew of 60 s (JwtProvider.clock_skew_seconds in
 * api/envoy/extensions/filters/http/jwt_authn/v3/config.proto). Only a cluster shows Envoy does so.
 */
import { createPrivateKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { App } from 'cdk8s';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { generateSigningKeys, type SigningKeys } from '../../../scripts/secrets.js';
import { Browser, pkce } from './browser.js';
import {
  exchange,
  signUp,
  startProvider,
  type RunningProvider,
} from '../../../services/identity/test/provider-harness.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { catalog } from '@mesh-kit/catalog';
import { addShopCharts } from '../../../infra/cdk8s/src/charts/shop-app.js';
import { gatewayModel, type GatewayModel } from '../../../infra/cdk8s/test/support/gateway-model.js';
import { fixtureJwksByIssuer, type KubeObject } from '../../../infra/cdk8s/test/support/shop.js';

const identityIssuer = catalog.ingress.jwt.issuers.find((i) => i.service === 'identity')!;
const migrations = fileURLToPath(new URL('../../../services/identity/migrations', import.meta.url));
const CLOCK_SKEW_SECONDS = 60;

let db: TestDatabase;
let keys: SigningKeys;
let provider: RunningProvider;
let objects: KubeObject[];

interface JwtRule {
  issuer: string;
  audiences?: string[];
  jwks?: string;
}

/** jwt_authn's verdict on `token` at `now`, from the synthesized rules: its claims, or undefined (a 401). */
async function jwtAuthn(token: string, now: Date): Promise<{ sub: string; iss: string; exp?: number } | undefined> {
  const rules = objects
    .filter((o) => o.kind === 'RequestAuthentication')
    .flatMap((o) => (o.spec as { jwtRules: JwtRule[] }).jwtRules);
  for (const rule of rules) {
    if (rule.jwks === undefined) continue;
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(JSON.parse(rule.jwks) as JSONWebKeySet), {
        issuer: rule.issuer,
        ...(rule.audiences === undefined ? {} : { audience: rule.audiences }),
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: now,
      });
      return { sub: String(payload.sub), iss: rule.issuer, ...(payload.exp === undefined ? {} : { exp: payload.exp }) };
    } catch {
      // Not this rule's token.
    }
  }
  return undefined;
}

async function modelAt(tokens: readonly string[], now: Date): Promise<GatewayModel> {
  const validTokens: Record<string, { sub: string; iss: string; exp?: number }> = {};
  for (const token of tokens) {
    const claims = await jwtAuthn(token, now);
    if (claims !== undefined) validTokens[token] = claims;
  }
  return gatewayModel(objects, {
    issuer: identityIssuer.issuer,
    identityHeader: catalog.ingress.jwt.identityHeader,
    validTokens,
    now: () => now.getTime() / 1000,
  });
}

beforeAll(async () => {
  keys = generateSigningKeys();
  const app = new App({ outdir: '/nonexistent' });
  addShopCharts(app, {
    catalog,
    imageRegistry: 'mesh-kit',
    imageTag: '0.1.0',
    jwks: { ...fixtureJwksByIssuer, identity: JSON.stringify(keys.jwks) },
  });
  objects = app.charts.flatMap((chart) => chart.toJson() as KubeObject[]);
  db = await createTestDatabase('identity_gateway');
  await migrate(db.url, migrations, silentLogger());
  // The provider as the catalog configures it: its tokens name the catalog's issuer.
  provider = await startProvider(db.url, keys.privatePem, identityIssuer.issuer);
});

afterAll(async () => {
  await provider.close();
  await db.drop();
});

async function providerToken(): Promise<string> {
  const { verifier, challenge } = pkce();
  const code = await signUp(
    new Browser(),
    provider,
    `gw-${Date.now()}@example.com`,
    'correct horse battery',
    challenge,
  );
  const answer = await exchange(provider, code, verifier);
  return String(answer.body.access_token);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("the gateway and identity's tokens", () => {
  it("routes the provider's paths to identity without a token, POSTs to the token endpoint and the sign-in form included", async () => {
    const gateway = await modelAt([], new Date());
    for (const [method, path] of [
      ['GET', '/auth/.well-known/openid-configuration'],
      ['GET', '/auth/jwks'],
      ['GET', '/auth/auth?client_id=shop-web'],
      ['POST', '/auth/token'],
      ['POST', '/auth/interaction/abc123/sign-in'],
    ] as const) {
      expect(await gateway.send({ method, path }), `${method} ${path}`).toMatchObject({
        by: 'upstream',
        route: expect.stringMatching(/^identity-/),
      });
    }
    // Other methods on them, and POSTs to public GET routes, stay closed.
    expect(await gateway.send({ method: 'DELETE', path: '/auth/token' })).toMatchObject({ by: 'router', status: 404 });
    expect(await gateway.send({ method: 'POST', path: '/api/products' })).not.toMatchObject({ by: 'upstream' });
  });

  it('accepts an access token from identity on a JWT route, its subject as the caller', async () => {
    const token = await providerToken();
    const gateway = await modelAt([token], new Date());
    const outcome = await gateway.send({ method: 'GET', path: '/api/overview', headers: bearer(token) });
    expect(outcome).toMatchObject({ by: 'upstream', route: expect.stringMatching(/^storefront-/) });
    expect((outcome as { headers: Record<string, string> }).headers['x-user-id']).toBe(decodeJwt(token).sub);
  });

  it('refuses the same token once it has expired (its lifetime and the clock skew later)', async () => {
    const token = await providerToken();
    const { exp } = decodeJwt(token);
    const later = new Date((exp! + CLOCK_SKEW_SECONDS + 1) * 1000);
    const gateway = await modelAt([token], later);
    expect(await gateway.send({ method: 'GET', path: '/api/overview', headers: bearer(token) })).toMatchObject({
      by: 'jwt_authn',
      status: 401,
    });
    // Within the skew it is still good: the refusal is the expiry, nothing else.
    const justBefore = await modelAt([token], new Date((exp! + CLOCK_SKEW_SECONDS - 5) * 1000));
    expect(await justBefore.send({ method: 'GET', path: '/api/overview', headers: bearer(token) })).toMatchObject({
      by: 'upstream',
    });
  });

  it("refuses a token signed with identity's key for another audience", async () => {
    const key = createPrivateKey(keys.privatePem);
    const sign = (audience: string) =>
      new SignJWT({ client_id: 'shop-web' })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: String(keys.jwks.keys[0]!.kid) })
        .setIssuer(identityIssuer.issuer)
        .setSubject('someone')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    const elsewhere = await sign('another-api');
    const shop = await sign(identityIssuer.audiences[0]!);
    const gateway = await modelAt([elsewhere, shop], new Date());
    expect(await gateway.send({ method: 'GET', path: '/api/overview', headers: bearer(elsewhere) })).toMatchObject({
      by: 'jwt_authn',
      status: 401,
    });
    // The same token for the shop's audience passes: the audience alone decides.
    expect(await gateway.send({ method: 'GET', path: '/api/overview', headers: bearer(shop) })).toMatchObject({
      by: 'upstream',
    });
  });
});
