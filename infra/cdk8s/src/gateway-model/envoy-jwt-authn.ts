/**
 * @models Envoy's jwt_authn filter configured directly (an EnvoyFilter's JwtAuthentication), as Istio
 * 1.30.3's proxy runs it
 *
 * Istio's own jwt_authn (from RequestAuthentication) is modelled in gateway-model.ts; this runs a
 * jwt_authn filter an EnvoyFilter adds, from its typed_config. Rules read from envoyproxy/envoy
 * source/extensions/filters/http/jwt_authn (the nearest stored version of the files Istio 1.30.3's
 * proxy pins; docs/testing.md, "Models and what they imitate"):
 *
 * - filter.cc: a CORS preflight passes when `bypass_cors_preflight`; the first rule whose match
 *   (a path prefix) fits picks the requirement; no rule → the request passes.
 * - verifier.cc: `provider_name` needs a token of that provider (none: JwtMissed, a failure);
 *   `allow_missing` passes without a token and otherwise verifies every token by its issuer;
 *   `requires_any` passes when one child does, `requires_all` when every child does.
 * - authenticator.cc (startVerify): a token's issuer must be the provider's (JwtUnknownIssuer);
 *   `exp`/`nbf` against the clock with 60 s skew (jwt.cc verifyTimeConstraint, kClockSkewInSecond);
 *   then `isLifetimeAllowed(now, exp)` (jwks_cache.cc): without `require_expiration` and
 *   `max_lifetime` any token passes; with either, a token without `exp` fails; with `max_lifetime`,
 *   `exp - now` must be below it (max_lifetime takes precedence). A failure is a 401.
 * Left to the model's token verifier: the signature and the audiences (as for Istio's rules).
 */
import type { TokenVerifier, VerifiedClaims } from './gateway-model.js';

interface JwtProviderConfig {
  issuer?: string;
  from_headers?: { name: string; value_prefix?: string }[];
  require_expiration?: boolean;
  max_lifetime?: string;
  clock_skew_seconds?: number;
}

export type JwtRequirement =
  | { provider_name: string }
  | { allow_missing: Record<string, never> }
  | { requires_any: { requirements: JwtRequirement[] } }
  | { requires_all: { requirements: JwtRequirement[] } };

export interface JwtAuthnConfig {
  providers: Record<string, JwtProviderConfig>;
  rules?: { match: { prefix?: string }; requires?: JwtRequirement }[];
  bypass_cors_preflight?: boolean;
}

/** jwt_verify's status names, the ones the model can reach. */
export type JwtStatus =
  'Ok' | 'JwtMissed' | 'JwtUnknownIssuer' | 'JwtVerificationFail' | 'JwtExpired' | 'JwtNotYetValid';

/** Envoy's kClockSkewInSecond: the default slack for exp and nbf. */
const CLOCK_SKEW_SECONDS = 60;

/** jwt.cc verifyTimeConstraint: not before nbf - skew, not after exp + skew (0 / absent: unchecked). */
export function timeConstraintOk(
  claims: Readonly<Record<string, unknown>>,
  now: number,
  skew = CLOCK_SKEW_SECONDS,
): boolean {
  if (typeof claims.nbf === 'number' && claims.nbf !== 0 && now + skew < claims.nbf) return false;
  if (typeof claims.exp === 'number' && claims.exp !== 0 && now > claims.exp + skew) return false;
  return true;
}

/** jwks_cache.cc JwksDataImpl::isLifetimeAllowed, with the constructor's choice of max_exp_. */
export function lifetimeAllowed(provider: JwtProviderConfig, exp: number | undefined, now: number): boolean {
  let max: number | undefined;
  if (provider.require_expiration === true) max = Infinity;
  if (provider.max_lifetime !== undefined) {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(provider.max_lifetime);
    if (m === null) throw new Error(`model: not a Duration: ${provider.max_lifetime}`);
    max = Number(m[1]);
  }
  if (max === undefined) return true;
  // authenticator.cc: `if (jwt_->exp_)` — an exp of 0 counts as none.
  if (exp === undefined || exp === 0) return false;
  return exp - now < max;
}

const tokenOf = (provider: JwtProviderConfig, headers: Readonly<Record<string, string>>): string | undefined => {
  for (const h of provider.from_headers ?? [{ name: 'Authorization', value_prefix: 'Bearer ' }]) {
    const value = headers[h.name.toLowerCase()];
    if (value !== undefined && value.startsWith(h.value_prefix ?? ''))
      return value.slice((h.value_prefix ?? '').length);
  }
  return undefined;
};

/** Runs the filter on one request: 'Ok' passes it on, anything else is Envoy's 401. */
export async function envoyJwtAuthn(
  config: JwtAuthnConfig,
  request: { readonly method: string; readonly path: string; readonly headers: Readonly<Record<string, string>> },
  verify: TokenVerifier,
  now: number,
): Promise<JwtStatus> {
  const { headers } = request;
  if (config.bypass_cors_preflight === true && request.method === 'OPTIONS' && headers.origin !== undefined)
    return 'Ok';
  const rule = (config.rules ?? []).find((r) => request.path.startsWith(r.match.prefix ?? '/'));
  if (rule?.requires === undefined) return 'Ok';
  const providers = Object.entries(config.providers);
  const tokens = [...new Set(providers.map(([, p]) => tokenOf(p, headers)).filter((t) => t !== undefined))];

  const check = async (token: string, provider: JwtProviderConfig | undefined): Promise<JwtStatus> => {
    const claims: VerifiedClaims | undefined = await verify(token);
    if (claims === undefined) return 'JwtVerificationFail';
    // allow_missing: findByIssuer picks the provider; a named provider must be the token's issuer.
    const p = provider ?? providers.find(([, c]) => c.issuer === claims.iss)?.[1];
    if (p === undefined || (p.issuer !== undefined && p.issuer !== claims.iss)) return 'JwtUnknownIssuer';
    // authenticator.cc: clock_skew_seconds counts only when above 0.
    const skew = (p.clock_skew_seconds ?? 0) > 0 ? p.clock_skew_seconds! : CLOCK_SKEW_SECONDS;
    if (!timeConstraintOk(claims, now, skew)) return 'JwtExpired';
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    return lifetimeAllowed(p, exp, now) ? 'Ok' : 'JwtVerificationFail';
  };

  const evaluate = async (req: JwtRequirement): Promise<JwtStatus> => {
    if ('provider_name' in req) {
      const provider = config.providers[req.provider_name];
      if (provider === undefined) throw new Error(`model: no jwt provider '${req.provider_name}'`);
      const token = tokenOf(provider, headers);
      return token === undefined ? 'JwtMissed' : check(token, provider);
    }
    if ('allow_missing' in req) {
      for (const token of tokens) {
        const status = await check(token, undefined);
        if (status !== 'Ok') return status;
      }
      return 'Ok';
    }
    if ('requires_any' in req) {
      let first: JwtStatus | undefined;
      for (const child of req.requires_any.requirements) {
        const status = await evaluate(child);
        if (status === 'Ok') return 'Ok';
        first ??= status;
      }
      return first ?? 'JwtMissed';
    }
    for (const child of req.requires_all.requirements) {
      const status = await evaluate(child);
      if (status !== 'Ok') return status;
    }
    return 'Ok';
  };
  return evaluate(rule.requires);
}
