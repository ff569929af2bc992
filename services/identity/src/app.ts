import type pg from 'pg';
import { Router } from 'express';
import {
  createServiceApp,
  postgresCheck,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
} from '@mesh-kit/runtime';
import { AccountStore } from './account-store.js';
import { MOUNT_PATH, type IdentityConfig } from './config.js';
import { CsrfTokens } from './csrf.js';
import type { ScryptCost } from './passwords.js';
import { createProvider } from './provider.js';
import { interactionRoutes } from './routes/interactions.js';
import { SignInLimiter } from './sign-in-limiter.js';
import { providerKeys } from './signing-key.js';

export interface IdentityDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly config: IdentityConfig;
  readonly lifecycle?: Lifecycle;
  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** @default DEFAULT_SCRYPT_COST */
  readonly scryptCost?: ScryptCost;
}

/** The OpenID provider and its sign-in pages, under MOUNT_PATH; connects to nothing and listens on nothing. */
export function createApp(deps: IdentityDeps): ServiceApp {
  const { config } = deps;
  const origin = new URL(config.IDENTITY_ISSUER).origin;
  const keys = providerKeys(config.IDENTITY_SIGNING_KEY);
  const accounts = new AccountStore(deps.pool, deps.scryptCost);
  const provider = createProvider({
    issuer: config.IDENTITY_ISSUER.replace(/\/$/, ''),
    audience: config.IDENTITY_AUDIENCE,
    resource: `${origin}/api/`,
    clientId: config.IDENTITY_CLIENT_ID,
    redirectUris: config.IDENTITY_REDIRECT_URIS ?? [`${origin}/callback`],
    postLogoutRedirectUris: config.IDENTITY_POST_LOGOUT_REDIRECT_URIS ?? [`${origin}/`],
    accessTokenTtlSeconds: config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
    keys,
    pool: deps.pool,
    accounts,
  });
  const routes = Router();
  routes.use(
    MOUNT_PATH,
    interactionRoutes({
      provider,
      accounts,
      limiter: new SignInLimiter(deps.pool, {
        perAccount: config.SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
        perAddress: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
        windowSeconds: config.SIGN_IN_WINDOW_SECONDS,
      }),
      csrf: new CsrfTokens(keys.csrfKey),
      firstPartyClientId: config.IDENTITY_CLIENT_ID,
      base: MOUNT_PATH,
      logger: deps.logger,
    }),
  );
  // oidc-provider parses its own request bodies and answers its own errors (JSON or its error page).
  routes.use(MOUNT_PATH, provider.callback());
  const service = createServiceApp('identity', {
    logger: deps.logger,
    routes,
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    jsonBodies: false,
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
  // The client address the brute-force limit counts: the gateway appends it to x-forwarded-for.
  service.app.set('trust proxy', config.TRUSTED_PROXY_HOPS);
  return service;
}
