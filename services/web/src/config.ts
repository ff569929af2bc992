import { baseConfigSchema } from '@mesh-kit/runtime';
import { z } from 'zod';

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http:// or https:// URL')
  .transform((v) => v.replace(/\/$/, ''));

/** The environment web reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  /** The folder of the built single-page app (index.html, assets/). @default dist/public beside the server */
  WEB_STATIC_DIR: z.string().min(1).optional(),
  /** The OpenID provider the browser signs in with, as the browser reaches it (the catalog's identity issuer). */
  WEB_OIDC_ISSUER: httpUrl.default('http://localhost:8080/auth'),
  /** The browser client registered at the provider (a public client: code + PKCE). */
  WEB_OIDC_CLIENT_ID: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name such as shop-web')
    .default('shop-web'),
  /** Space-separated scopes the shop asks for. */
  WEB_OIDC_SCOPE: z
    .string()
    .regex(/^openid( [a-z_]+)*$/, "space-separated scopes starting with 'openid'")
    .default('openid email offline_access'),
  /** Jaeger's UI as the browser reaches it (`make jaeger`): each action links to `<url>/trace/<id>`. */
  WEB_JAEGER_URL: httpUrl.default('http://localhost:16686/jaeger'),
  /** The release of web itself, shown beside the storefront's. */
  WEB_RELEASE: z.string().min(1).default('v1'),
});

export type WebConfig = z.output<typeof configSchema>;
