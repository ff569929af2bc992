import { baseConfigSchema, databaseConfigSchema } from '@mesh-kit/runtime';
import { z } from 'zod';

/** Where the provider is mounted: the issuer URL's path, and identity's gateway prefix in the catalog. */
export const MOUNT_PATH = '/auth';

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http:// or https:// URL');

const urlList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()))
  .pipe(z.array(httpUrl).min(1));

/** The environment identity reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  // DATABASE_URL and the pool's limits: see databaseConfigSchema.
  ...databaseConfigSchema.shape,
  /**
   * The issuer as browsers reach it (the catalog's identity issuer, `http://localhost:8080/auth` on
   * kind): the `iss` of every token and the base of every endpoint. Its path is the mount path.
   */
  IDENTITY_ISSUER: httpUrl.refine(
    (v) => new URL(v).pathname.replace(/\/$/, '') === MOUNT_PATH && new URL(v).search === '',
    `must end in the path ${MOUNT_PATH} (where the gateway routes to identity)`,
  ),
  /** The audience of the access tokens: the shop's API (the catalog issuer's audience). */
  IDENTITY_AUDIENCE: z.string().min(1),
  /** The private RS256 signing key (PKCS #8 PEM, the `<service>-jwt` Secret). */
  IDENTITY_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  /** The browser client's id (a public client: PKCE, no secret). */
  IDENTITY_CLIENT_ID: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name such as shop-web')
    .default('shop-web'),
  /** Where the client may be sent back after sign-in, comma-separated. @default `<issuer origin>/callback` */
  IDENTITY_REDIRECT_URIS: urlList.optional(),
  /** Where the client may be sent back after sign-out, comma-separated. @default `<issuer origin>/` */
  IDENTITY_POST_LOGOUT_REDIRECT_URIS: urlList.optional(),
  /** Access tokens' lifetime; at most 15 minutes (a stolen one is good for no longer). */
  IDENTITY_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(900).default(600),
  /** Proxies in front of the app that append to x-forwarded-for (the gateway; the sidecar does not). */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(1),
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  SIGN_IN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
});

export type IdentityConfig = z.output<typeof configSchema>;
