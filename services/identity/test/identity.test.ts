import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { generateSigningKeys, type SigningKeys } from '../../../scripts/secrets.js';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { WRONG_CREDENTIALS } from '../src/routes/interactions.js';
import { Browser, csrfOf, pkce } from './browser.js';
import {
  AUDIENCE,
  authorizeUrl,
  CLIENT_ID,
  codeFrom,
  exchange,
  openSignIn,
  REDIRECT_URI,
  refresh,
  signUp,
  spawnProvider,
  startProvider,
  submit,
  type RunningProvider,
} from './provider-harness.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
let db: TestDatabase;
let keys: SigningKeys;
let provider: RunningProvider;

beforeAll(async () => {
  db = await createTestDatabase('identity');
  await migrate(db.url, migrations, silentLogger());
  keys = generateSigningKeys();
  provider = await startProvider(db.url, keys.privatePem);
});

afterAll(async () => {
  await provider.close();
  await db.drop();
});

const newEmail = (): string => `shopper-${randomUUID()}@example.com`;
const PASSWORD = 'correct horse battery';

/** A new account signed in through code + PKCE; its tokens. */
async function signedUp(browser = new Browser()): Promise<{ email: string; tokens: Record<string, unknown> }> {
  const email = newEmail();
  const { verifier, challenge } = pkce();
  const code = await signUp(browser, provider, email, PASSWORD, challenge);
  const answer = await exchange(provider, code, verifier);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return { email, tokens: answer.body };
}

/** A failed sign-in's page, without what differs by request (the interaction and its token). */
const comparable = (html: string): string =>
  html.replace(/\/interaction\/[^/"]+/g, '/interaction/UID').replace(/value="[^"]*"/g, 'value=""');

describe('discovery and keys', () => {
  it('publishes the configured issuer, S256 only, and exactly the public key `make secrets` publishes for the gateway', async () => {
    const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.issuer).toBe(provider.issuer);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.token_endpoint).toBe(`${provider.issuer}/token`);
    expect(discovery.end_session_endpoint).toBe(`${provider.issuer}/session/end`);
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: keys.jwks.keys[0]!.kid, n: keys.jwks.keys[0]!.n, alg: 'RS256' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwks.keys[0]).not.toHaveProperty(member);
  });
});

describe('authorization code + PKCE', () => {
  it('signs up, signs in and issues a short-lived RFC 9068 access token for the shop API that verifies against the JWKS', async () => {
    const { tokens } = await signedUp();
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      expires_in: provider.config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
    });
    const jwks = createLocalJWKSet(keys.jwks as JSONWebKeySet);
    const { payload, protectedHeader } = await jwtVerify(String(tokens.access_token), jwks, {
      issuer: provider.issuer,
      audience: AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe(keys.jwks.keys[0]!.kid);
    expect(payload.client_id).toBe(CLIENT_ID);
    expect(payload.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.exp! - payload.iat!).toBe(provider.config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(900);
    // The ID token names the same subject, for the client.
    expect(decodeJwt(String(tokens.id_token)).sub).toBe(payload.sub);
  });

  it('signs an existing account in with its password, with the same subject', async () => {
    const first = await signedUp();
    const browser = new Browser('192.0.2.10');
    const { verifier, challenge } = pkce();
    const page = await openSignIn(browser, provider, challenge);
    const code = await codeFrom(
      browser,
      provider.base,
      await submit(browser, provider.base, page, { email: first.email.toUpperCase(), password: PASSWORD }),
    );
    const answer = await exchange(provider, code, verifier);
    expect(decodeJwt(String(answer.body.access_token)).sub).toBe(decodeJwt(String(first.tokens.access_token)).sub);
  });

  it('refuses an authorization request without a PKCE challenge, and a code exchanged without its verifier', async () => {
    const browser = new Browser();
    const started = await browser.request(authorizeUrl(provider.issuer, { code_challenge_method: undefined }));
    const { left } = await browser.follow(started, provider.base, REDIRECT_URI);
    expect(left?.searchParams.get('error')).toBe('invalid_request');
    expect(left?.searchParams.get('error_description')).toMatch(/PKCE/);

    const { challenge } = pkce();
    const code = await signUp(new Browser(), provider, newEmail(), PASSWORD, challenge);
    const noVerifier = await exchange(provider, code, '');
    expect(noVerifier.status).toBe(400);
    const wrongVerifier = await exchange(provider, code, pkce().verifier);
    expect(wrongVerifier.body.error).toBe('invalid_grant');
  });

  it('refuses an unknown client at the authorization and token endpoints', async () => {
    const browser = new Browser();
    const started = await browser.request(
      authorizeUrl(provider.issuer, { client_id: 'evil-app', code_challenge: pkce().challenge }),
    );
    expect(started.status).toBe(400);
    expect(started.headers.get('location')).toBeNull();
    expect(await started.text()).toMatch(/client is invalid|invalid_client/);
    const answer = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'evil-app',
        grant_type: 'authorization_code',
        code: 'x',
        code_verifier: 'y',
      }),
    });
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses a replayed code and revokes what the first exchange issued (its refresh token)', async () => {
    const { verifier, challenge } = pkce();
    const code = await signUp(new Browser(), provider, newEmail(), PASSWORD, challenge);
    const first = await exchange(provider, code, verifier);
    expect(first.status).toBe(200);
    const replay = await exchange(provider, code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const afterReplay = await refresh(provider, String(first.body.refresh_token));
    expect(afterReplay.body.error).toBe('invalid_grant');
  });
});

describe('refresh tokens', () => {
  it('rotate: a refresh gives new tokens for the same subject, and the old refresh token is refused afterwards', async () => {
    const { tokens } = await signedUp();
    const renewed = await refresh(provider, String(tokens.refresh_token));
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body.refresh_token).not.toBe(tokens.refresh_token);
    const claims = decodeJwt(String(renewed.body.access_token));
    expect(claims.sub).toBe(decodeJwt(String(tokens.access_token)).sub);
    expect(claims.aud).toBe(AUDIENCE);
    const reused = await refresh(provider, String(tokens.refresh_token));
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
  });
});

describe('sign-in failures', () => {
  it('a wrong password and an unknown email get the same answer, which names neither', async () => {
    const { email } = await signedUp();
    const answers: string[] = [];
    for (const [address, attempt] of [
      ['192.0.2.21', email],
      ['192.0.2.22', newEmail()],
    ] as const) {
      const browser = new Browser(address);
      const page = await openSignIn(browser, provider, pkce().challenge);
      const response = await submit(browser, provider.base, page, { email: attempt, password: 'not the password' });
      expect(response.status).toBe(400);
      const html = (await response.text()).replace(attempt, 'EMAIL');
      expect(html).toContain(WRONG_CREDENTIALS);
      answers.push(comparable(html));
    }
    expect(answers[0]).toBe(answers[1]);
  });

  it('refuses a form without its CSRF token, or with another interaction’s', async () => {
    const browser = new Browser('192.0.2.30');
    const page = await openSignIn(browser, provider, pkce().challenge);
    const other = await openSignIn(new Browser('192.0.2.30'), provider, pkce().challenge);
    const action = `${provider.base}${/action="([^"]+)"/.exec(page)![1]!}`;
    const missing = await browser.request(action, { form: { email: newEmail(), password: PASSWORD } });
    expect(missing.status).toBe(403);
    const foreign = await browser.request(action, {
      form: { csrf: csrfOf(other), email: newEmail(), password: PASSWORD },
    });
    expect(foreign.status).toBe(403);
  });

  it('limits failures per account: beyond the limit even the right password gets 429 with when to retry', async () => {
    const { email } = await signedUp();
    const limit = provider.config.SIGN_IN_MAX_FAILURES_PER_ACCOUNT;
    for (let i = 0; i < limit; i += 1) {
      const browser = new Browser(`198.51.100.${i + 1}`);
      const page = await openSignIn(browser, provider, pkce().challenge);
      expect((await submit(browser, provider.base, page, { email, password: 'guess' })).status).toBe(400);
    }
    const browser = new Browser('198.51.100.99');
    const page = await openSignIn(browser, provider, pkce().challenge);
    const blocked = await submit(browser, provider.base, page, { email, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain('Too many attempts. Try again in 15 minutes.');
  });

  it('limits failures per client address, across accounts', async () => {
    const limit = provider.config.SIGN_IN_MAX_FAILURES_PER_ADDRESS;
    const browser = new Browser('203.0.113.7');
    for (let i = 0; i < limit; i += 1) {
      const page = await openSignIn(browser, provider, pkce().challenge);
      expect((await submit(browser, provider.base, page, { email: newEmail(), password: 'guess' })).status).toBe(400);
    }
    const page = await openSignIn(browser, provider, pkce().challenge);
    expect((await submit(browser, provider.base, page, { email: newEmail(), password: 'guess' })).status).toBe(429);
    // Another address is not held back by it.
    const elsewhere = new Browser('203.0.113.8');
    const fresh = await openSignIn(elsewhere, provider, pkce().challenge);
    expect((await submit(elsewhere, provider.base, fresh, { email: newEmail(), password: 'guess' })).status).toBe(400);
  });
});

describe('sessions and refresh tokens live in PostgreSQL', () => {
  it('a second identity process on the same database continues the session and honours the refresh token', async () => {
    const browser = new Browser('192.0.2.40');
    const { tokens } = await signedUp(browser);
    const sub = decodeJwt(String(tokens.access_token)).sub;
    const second = await spawnProvider(db.url, keys.privatePem, provider.issuer);
    try {
      // The same issuer, another process: what a restart or a second replica behind the gateway is.
      const secondProvider = { ...provider, base: second.base, issuer: `${second.base}/auth` };
      // Already signed in: prompt=none answers with a code, without any page.
      const { verifier, challenge } = pkce();
      const started = await browser.request(
        authorizeUrl(secondProvider.issuer, { code_challenge: challenge, prompt: 'none' }),
      );
      const code = await codeFrom(browser, second.base, started);
      const answer = await exchange(secondProvider, code, verifier);
      expect(decodeJwt(String(answer.body.access_token))).toMatchObject({ sub, iss: provider.issuer });
      const renewed = await refresh(secondProvider, String(tokens.refresh_token));
      expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('signs out through the end-session endpoint: afterwards prompt=none needs a sign-in again', async () => {
    const browser = new Browser('192.0.2.41');
    await signedUp(browser);
    const confirm = await browser.request(`${provider.issuer}/session/end?client_id=${CLIENT_ID}`);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).not.toContain('<script');
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.request(new URL(action, provider.base).href, { form: { xsrf, logout: 'yes' } });
    await browser.follow(done, provider.base, 'http://shop.test/');
    const started = await browser.request(
      authorizeUrl(provider.issuer, { code_challenge: pkce().challenge, prompt: 'none' }),
    );
    const { left } = await browser.follow(started, provider.base, REDIRECT_URI);
    expect(left?.searchParams.get('error')).toBe('login_required');
  });
});
