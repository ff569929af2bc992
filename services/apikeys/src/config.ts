import { z } from 'zod';
import { baseConfigSchema, databaseConfigSchema } from '@mesh-kit/runtime';
import { SCOPE_PATTERN } from '@mesh-kit/catalog/api-key';

const headerName = z.string().regex(/^[a-z0-9-]+$/, { message: 'must be a lower-case header name' });

/** One route that takes an API key, as the catalog derives it: method, public path template, scopes. */
export const apiKeyRouteSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().startsWith('/'),
  scopes: z.array(z.string().regex(SCOPE_PATTERN)).min(1),
});

/** What the gateway sends and expects: set from the catalog (ingress.apiKeys and the API-key routes). */
export const checkSettingsSchema = z.object({
  /** The ext_authz provider's pathPrefix: a check for `GET /api/stats` arrives as `GET /check/api/stats`. */
  pathPrefix: z.string().regex(/^\/[a-z0-9-]+$/),
  keyHeader: headerName,
  clientHeader: headerName,
  scopesHeader: headerName,
  routes: z.array(apiKeyRouteSchema),
});

export type CheckSettings = z.infer<typeof checkSettingsSchema>;

/** The environment apikeys reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  ...databaseConfigSchema.shape,
  /** JSON of CheckSettings, derived from the catalog. */
  EXT_AUTHZ_SETTINGS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(checkSettingsSchema),
});
