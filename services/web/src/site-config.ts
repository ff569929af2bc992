import type { WebConfig } from './config.js';

/** What the browser app reads at start (`GET /config.json`): so another cluster changes the issuer, not the build. */
export interface SiteConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly jaegerUrl: string;
  readonly release: string;
}

export function siteConfig(config: WebConfig): SiteConfig {
  return {
    issuer: config.WEB_OIDC_ISSUER,
    clientId: config.WEB_OIDC_CLIENT_ID,
    scope: config.WEB_OIDC_SCOPE,
    jaegerUrl: config.WEB_JAEGER_URL,
    release: config.WEB_RELEASE,
  };
}
