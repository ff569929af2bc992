/**
 * jwt_authn for the local gateway, from the synthesized RequestAuthentication: a token is checked
 * against the rule of the issuer it names (Envoy picks the provider by `iss` when several read the
 * same header), with that rule's inline JWKS and audiences. Like Istio 1.30, a token without `exp`
 * is accepted (istio/istio#59200); an expired one or one not yet valid is not.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import type { TokenVerifier, VerifiedClaims } from '../../infra/cdk8s/src/gateway-model/gateway-model.js';
import type { KubeObject } from '../../infra/cdk8s/src/gateway-model/kube-object.js';

interface JwtRule {
  issuer: string;
  audiences?: string[];
  jwks?: string;
}

export function jwtVerifier(objects: readonly KubeObject[]): TokenVerifier {
  const rules = objects
    .filter((o) => o.kind === 'RequestAuthentication')
    .flatMap((o) => (o.spec as { jwtRules?: JwtRule[] }).jwtRules ?? []);
  const byIssuer = new Map(
    rules.map((rule) => {
      if (rule.jwks === undefined) throw new Error(`gateway: issuer ${rule.issuer} has no inline JWKS`);
      return [rule.issuer, { rule, keys: createLocalJWKSet(JSON.parse(rule.jwks) as JSONWebKeySet) }] as const;
    }),
  );
  return async (token) => {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    const known = typeof issuer === 'string' ? byIssuer.get(issuer) : undefined;
    if (known === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(token, known.keys, {
        issuer: known.rule.issuer,
        ...(known.rule.audiences === undefined ? {} : { audience: known.rule.audiences }),
      });
      if (typeof payload.sub !== 'string') return undefined;
      return { ...payload, iss: known.rule.issuer, sub: payload.sub } satisfies VerifiedClaims;
    } catch {
      return undefined;
    }
  };
}
