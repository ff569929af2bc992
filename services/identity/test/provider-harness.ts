import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { loadConfig } from '@mesh-kit/runtime';
import { createApp } from '../src/app.js';
import { configSchema, type IdentityConfig } from '../src/config.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { type Browser, actionOf, csrfOf } from './browser.js';

/** Where the client would be sent back: never fetched, the redirects stop there. */
export const REDIRECT_URI = 'http://shop.test/callback';
export const CLIENT_ID = 'shop-web';
export const AUDIENCE = 'shop';

/** Cheap scrypt for tests (the cost is a parameter; the default is what production hashes with). */
const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

/** The environment a provider under test runs with (what the catalog gives identity, plus test limits). */
export function identityEnv(databaseUrl: string, issuer: string, signingKeyPem: string): Record<string, string> {
  return {
    PORT: '1',
    DATABASE_URL: databaseUrl,
    IDENTITY_ISSUER: issuer,
    IDENTITY_AUDIENCE: AUDIENCE,
    IDENTITY_SIGNING_KEY: signingKeyPem,
    IDENTITY_REDIRECT_URIS: REDIRECT_URI,
    IDENTITY_POST_LOGOUT_REDIRECT_URIS: 'http://shop.test/',
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '3',
    SIGN_IN_MAX_FAILURES_PER_ADDRESS: '6',
  };
}

export interface RunningProvider {
  readonly base: string;
  readonly issuer: string;
  readonly config: IdentityConfig;
  close(): Promise<void>;
}

/**
 * identity's app on a loopback port over real HTTP. Its issuer is that very origin under /auth, or
 * `issuer` (the `iss` of its tokens; its endpoints answer on the loopback port all the same).
 */
export async function startProvider(
  databaseUrl: string,
  signingKeyPem: string,
  issuer?: string,
): Promise<RunningProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig(configSchema, identityEnv(databaseUrl, issuer ?? `${base}/auth`, signingKeyPem));
  const pool = new pg.Pool({ connectionString: databaseUrl });
  const { app } = createApp({ pool, logger: silentLogger(), config, scryptCost: TEST_SCRYPT });
  server.on('request', app);
  return {
    base,
    issuer: `${base}/auth`,
    config,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

export function authorizeUrl(issuer: string, params: Record<string, string | undefined>): string {
  const url = new URL(`${issuer}/auth`);
  const all: Record<string, string | undefined> = {
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [key, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}

/** Starts an authorization and follows it to the sign-in page. */
export async function openSignIn(browser: Browser, provider: RunningProvider, challenge: string): Promise<string> {
  const started = await browser.request(authorizeUrl(provider.issuer, { code_challenge: challenge }));
  const { response } = await browser.follow(started, provider.base, REDIRECT_URI);
  if (response.status !== 200) throw new Error(`sign-in page: ${response.status} ${await response.text()}`);
  return response.text();
}

/** Posts a form page's form with `fields` and its CSRF token. */
export function submit(
  browser: Browser,
  base: string,
  html: string,
  fields: Record<string, string>,
): Promise<Response> {
  return browser.request(`${base}${actionOf(html)}`, { form: { csrf: csrfOf(html), ...fields } });
}

/** From a response that may redirect, follows to the client's callback and returns its code. */
export async function codeFrom(browser: Browser, base: string, response: Response): Promise<string> {
  const { response: last, left } = await browser.follow(response, base, REDIRECT_URI);
  if (left === undefined) throw new Error(`no redirect to the client: ${last.status} ${await last.text()}`);
  const code = left.searchParams.get('code');
  if (code === null) throw new Error(`the client got no code: ${left.href}`);
  return code;
}

/** Signs up a new account in `browser` and returns the authorization code the client receives. */
export async function signUp(
  browser: Browser,
  provider: RunningProvider,
  email: string,
  password: string,
  challenge: string,
): Promise<string> {
  const signIn = await openSignIn(browser, provider, challenge);
  const signUpLink = /href="([^"]+\/sign-up)"/.exec(signIn)![1]!;
  const page = await (await browser.request(`${provider.base}${signUpLink}`)).text();
  return codeFrom(browser, provider.base, await submit(browser, provider.base, page, { email, password }));
}

export interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function token(provider: RunningProvider, form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...form }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export const exchange = (provider: RunningProvider, code: string, verifier: string): Promise<TokenAnswer> =>
  token(provider, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });

export const refresh = (provider: RunningProvider, refreshToken: string): Promise<TokenAnswer> =>
  token(provider, { grant_type: 'refresh_token', refresh_token: refreshToken });

/**
 * identity as production runs it (`node dist/server.js`, built by `npx tsc -b`), on a free port,
 * configured like another replica of `issuer` (endpoints follow the Host a request came to).
 */
export async function spawnProvider(
  databaseUrl: string,
  signingKeyPem: string,
  issuer: string,
): Promise<{ base: string; stop(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/server.js', import.meta.url))], {
    env: {
      ...process.env,
      ...identityEnv(databaseUrl, issuer, signingKeyPem),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i += 1) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (i > 100 || child.exitCode !== null) throw new Error('identity did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
