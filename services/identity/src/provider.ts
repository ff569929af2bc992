import type pg from 'pg';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountStore } from './account-store.js';
import { MOUNT_PATH } from './config.js';
import { messagePage, PAGE_CSP, signOutPage } from './pages.js';
import { PostgresAdapter } from './postgres-adapter.js';
import type { ProviderKeys } from './signing-key.js';

export interface ProviderOptions {
  /** The issuer URL browsers see; its path is MOUNT_PATH. */
  readonly issuer: string;
  /** The shop API's audience: every access token names it in `aud`. */
  readonly audience: string;
  /**
   * The API's resource indicator (RFC 8707 wants an absolute URI: `<issuer origin>/api/`); clients
   * need not send it, it is the default resource, and its tokens carry `audience`.
   */
  readonly resource: string;
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  /** At most 900 (config.ts). */
  readonly accessTokenTtlSeconds: number;
  readonly keys: ProviderKeys;
  readonly pool: pg.Pool;
  readonly accounts: AccountStore;
}

/** The scopes the browser client may ask for; `email` adds the account's address to the ID token. */
export const SCOPES = ['openid', 'email', 'offline_access'] as const;

const DAY = 24 * 60 * 60;

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('content-security-policy', PAGE_CSP);
  ctx.body = body;
}

/**
 * The OpenID Provider (oidc-provider, a certified implementation): authorization code with PKCE
 * (S256, required) for one public browser client, rotating refresh tokens, discovery and JWKS, and
 * access tokens as RFC 9068 JWTs for the shop API (resource indicators with the API as the default
 * resource), signed RS256 with the key the gateway trusts. Everything it stores lives in
 * PostgreSQL (PostgresAdapter).
 */
export function createProvider(options: ProviderOptions): Provider {
  const { audience, resource, accessTokenTtlSeconds } = options;
  const origins = new Set(options.redirectUris.map((u) => new URL(u).origin));
  const configuration: Configuration = {
    adapter: (model: string) => new PostgresAdapter(options.pool, model),
    clients: [
      {
        client_id: options.clientId,
        client_name: 'the shop',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...options.postLogoutRedirectUris],
      },
    ],
    // A public client must use PKCE (oidc-provider accepts S256 only).
    pkce: { required: () => true },
    jwks: { keys: [options.keys.signingJwk] },
    cookies: { keys: options.keys.cookieKeys },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: [...SCOPES],
    async findAccount(_ctx, sub) {
      const account = await options.accounts.find(sub);
      if (account === undefined) return undefined;
      return {
        accountId: account.id,
        claims: () => ({ sub: account.id, email: account.email, email_verified: false }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: '',
            audience,
            accessTokenTTL: accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => html(ctx, signOutPage(form)),
        postLogoutSuccessSource: (ctx) => html(ctx, messagePage('Signed out', 'You are signed out of the shop.')),
      },
    },
    interactions: { url: (_ctx, interaction) => `${MOUNT_PATH}/interaction/${interaction.uid}` },
    // The first-party browser client gets refresh tokens without asking for offline_access (which
    // oidc-provider grants only with prompt=consent); they rotate on every use and end with the session.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: accessTokenTtlSeconds,
      Interaction: 30 * 60,
      Session: 14 * DAY,
      Grant: 14 * DAY,
      RefreshToken: 14 * DAY,
    },
    // The token endpoint answers cross-origin requests only from the client's own origins.
    clientBasedCORS: (_ctx, origin) => origins.has(origin),
    renderError(ctx, out) {
      html(ctx, messagePage('Sign-in failed', out.error_description ?? out.error));
    },
  };
  const provider = new Provider(options.issuer, configuration);
  // Behind the gateway: the scheme and host come from X-Forwarded-* (issuer and endpoints match what browsers see).
  provider.proxy = true;
  return provider;
}
