/**
 * What the ingress router knows about the caller's token, and its answer when there is none.
 *
 * A route match keyed `@request.auth.claims.<claim>` is matched by Istio against the dynamic metadata
 * of jwt_authn, which only a successful verification writes; a client header of that name is not
 * consulted. On gateways Istio has jwt_authn clear the route cache after a verification, so the route
 * is chosen again with the claims in place (istio.io "JWT claim based routing"; supported on ingress
 * gateways only). Without a verified token no such route can ever match.
 */
import type { VirtualServiceSpecHttp } from '../imports/networking.istio.io.js';

/** The JWT claim that names the caller (copied into the identity header). */
export const IDENTITY_CLAIM = 'sub';

/** The route-match key of a verified claim. */
export const verifiedClaimKey = (claim: string): string => `@request.auth.claims.${claim}`;

/** A StringMatch for any non-empty value (Envoy matches RE2 regexes against the whole value). */
export const NON_EMPTY = { regex: '.+' } as const;

export interface UnauthorizedRouteOptions {
  /** Path prefix the route answers for, with its trailing slash (`/api/`). */
  readonly prefix: string;
  /** The RFC 6750 realm of the challenge. */
  readonly realm: string;
  /** @default IDENTITY_CLAIM */
  readonly claim?: string;
  /** @default 'require-token' */
  readonly name?: string;
}

/** The RFC 9457 body of the gateway's 401, shaped like the services' own problems. */
export function unauthorizedProblem(): string {
  return JSON.stringify({
    type: 'about:blank',
    title: 'Unauthorized',
    status: 401,
    detail: 'A bearer token is required: send Authorization: Bearer <JWT>.',
  });
}

/**
 * An HTTP route that answers 401 itself (no upstream, so no timeout or retries apply) for every
 * request under `prefix` that carries no verified claim: requests without a token, and, defensively,
 * anything else that reached the router without one.
 */
export function unauthorizedRoute(options: UnauthorizedRouteOptions): VirtualServiceSpecHttp {
  if (!options.prefix.startsWith('/') || !options.prefix.endsWith('/')) {
    throw new Error(`unauthorizedRoute: prefix must start and end with '/', got '${options.prefix}'`);
  }
  if (/["\\]/.test(options.realm)) {
    throw new Error(`unauthorizedRoute: realm must not contain '"' or '\\', got '${options.realm}'`);
  }
  return {
    name: options.name ?? 'require-token',
    match: [
      {
        uri: { prefix: options.prefix },
        withoutHeaders: { [verifiedClaimKey(options.claim ?? IDENTITY_CLAIM)]: { ...NON_EMPTY } },
      },
    ],
    directResponse: { status: 401, body: { string: unauthorizedProblem() } },
    headers: {
      response: {
        set: { 'content-type': 'application/problem+json', 'www-authenticate': `Bearer realm="${options.realm}"` },
      },
    },
  };
}
