import type { AccessLogEntry } from './access-log.js';
import { fail, pass, type CheckResult } from './check-result.js';
import type { ClusterHost } from './envoy-stats.js';
import { isService, traceServices, type JaegerTrace } from './jaeger.js';
import { describeProbe, formatTally, type ProbeResult } from './probe.js';

/** The fields of a V1Pod the sidecar check reads (structurally compatible with client-node's V1Pod). */
export interface PodView {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: Date | string;
  };
  readonly spec?: {
    readonly initContainers?: readonly { readonly name: string; readonly restartPolicy?: string }[];
    readonly containers: readonly { readonly name: string }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly initContainerStatuses?: readonly { readonly name: string; readonly ready: boolean }[];
    readonly containerStatuses?: readonly { readonly name: string; readonly ready: boolean }[];
  };
}

const PROXY = 'istio-proxy';

/** Every app pod runs a ready istio-proxy, as a native sidecar (init container, restartPolicy Always) or a regular container. */
export function evaluateSidecars(pods: readonly PodView[], apps: readonly string[]): CheckResult {
  const problems: string[] = [];
  let native = 0;
  for (const app of apps) {
    // Pods on their way out (an earlier rollout, a finished job) are not serving.
    const own = pods.filter(
      (p) =>
        p.metadata?.labels?.app === app &&
        p.metadata.deletionTimestamp === undefined &&
        p.status?.phase !== 'Succeeded' &&
        p.status?.phase !== 'Failed',
    );
    if (own.length === 0) problems.push(`${app}: no pods`);
    for (const pod of own) {
      const name = pod.metadata?.name ?? app;
      const asNative = pod.spec?.initContainers?.find((c) => c.name === PROXY && c.restartPolicy === 'Always');
      const asContainer = pod.spec?.containers.find((c) => c.name === PROXY);
      if (asNative === undefined && asContainer === undefined) {
        problems.push(`${name}: no istio-proxy (is the namespace labelled for injection?)`);
        continue;
      }
      const statuses = asNative === undefined ? pod.status?.containerStatuses : pod.status?.initContainerStatuses;
      if (statuses?.find((s) => s.name === PROXY)?.ready !== true) problems.push(`${name}: istio-proxy not ready`);
      if (asNative !== undefined) native += 1;
    }
  }
  if (problems.length > 0) return fail(problems.join('; '));
  const counted = pods.filter(
    (p) => apps.includes(p.metadata?.labels?.app ?? '') && p.metadata?.deletionTimestamp === undefined,
  ).length;
  return pass(`${counted} pods of ${apps.length} services, each with a ready istio-proxy (${native} native sidecars)`);
}

/** STRICT mTLS: a plaintext call from outside the mesh fails while the same kind of call from inside works. */
export function evaluateMtls(plaintext: ProbeResult | undefined, fromMesh: ProbeResult | undefined): CheckResult {
  if (fromMesh === undefined || fromMesh.kind !== 'response') {
    return fail(
      `the control call from inside the mesh did not get an answer (${describeProbe(fromMesh)}): cannot judge`,
    );
  }
  if (plaintext !== undefined && plaintext.kind === 'response') {
    return fail(`a plaintext call from outside the mesh got ${describeProbe(plaintext)}: mTLS is not STRICT`);
  }
  return pass(`plaintext from outside the mesh ${describeProbe(plaintext)}; from inside: ${describeProbe(fromMesh)}`);
}

export interface DenialProbe {
  /** e.g. `storefront → POST orders /orders`. */
  readonly label: string;
  readonly result: ProbeResult | undefined;
  /**
   * Whether the caller's Sidecar egress does not list the callee, so that the call may also be
   * stopped before it leaves the pod (no route: connection refused, or 502 from the BlackHoleCluster).
   */
  readonly outsideEgress: boolean;
}

/** Least privilege: calls that the catalog does not declare are refused with 403 by the callee's AuthorizationPolicy. */
export function evaluateDenials(probes: readonly DenialProbe[]): CheckResult {
  const lines: string[] = [];
  let ok = true;
  for (const probe of probes) {
    const result = probe.result;
    const denied = result !== undefined && result.kind === 'response' && result.status === 403;
    const blocked =
      probe.outsideEgress &&
      result !== undefined &&
      (result.kind !== 'response' || result.status === 502 || result.status === 404);
    if (!denied && !blocked) ok = false;
    lines.push(`${probe.label}: ${describeProbe(result)}${blocked ? ' (not in its Sidecar egress)' : ''}`);
  }
  return ok ? pass(lines.join('; ')) : fail(`expected 403: ${lines.join('; ')}`);
}

export interface JwtObservation {
  /** The answer to a request without any token. */
  readonly noToken: { readonly status: number; readonly headers: Readonly<Record<string, string>> };
  readonly forged: number;
  readonly valid: number;
  /** The status for `Authorization: Basic …`, a credential that is not a JWT. */
  readonly basic: number;
}

/**
 * The gateway answers 401 problem+json with a Bearer challenge without a token, 401 with a token
 * signed by another key, refuses a non-Bearer credential, and lets a valid token through.
 */
export function evaluateJwt(seen: JwtObservation): CheckResult {
  const { noToken, forged, valid, basic } = seen;
  const detail = `no token → ${noToken.status}, forged signature → ${forged}, Basic credentials → ${basic}, valid token → ${valid}`;
  if (noToken.status === 403 && forged === 401) {
    // RequestAuthentication lets a request without a token through; an unconditional DENY policy then answers 403.
    return fail(
      `${detail}: a missing token was refused by authorization (403), not answered 401 by the gateway's require-token route`,
    );
  }
  if (noToken.status !== 401 || forged !== 401) return fail(`expected 401 without a valid JWT: ${detail}`);
  const contentType = noToken.headers['content-type'] ?? '';
  const challenge = noToken.headers['www-authenticate'] ?? '';
  if (!contentType.startsWith('application/problem+json') || !/^Bearer\b/.test(challenge)) {
    return fail(
      `${detail}: the 401 without a token should be problem+json with a Bearer challenge, got content-type '${contentType}', www-authenticate '${challenge}'`,
    );
  }
  if (basic !== 401 && basic !== 403) return fail(`a non-Bearer credential was not refused: ${detail}`);
  if (valid === 401 || valid === 403) return fail(`a valid token was refused: ${detail}`);
  return pass(detail);
}

export interface ClientRateLimitObservation {
  /** Statuses of one client's burst (a verified token of its own). */
  readonly burst: readonly number[];
  /** content-type of the first 429 of the burst, if any. */
  readonly limitedContentType: string | undefined;
  /** Statuses of another client's requests sent right after the burst. */
  readonly other: readonly number[];
}

/** A burst from one client meets its own bucket (429 problem+json) while another client is not limited. */
export function evaluateClientRateLimit(o: ClientRateLimitObservation): CheckResult {
  const count = (statuses: readonly number[], status: number) => statuses.filter((s) => s === status).length;
  const limited = count(o.burst, 429);
  const passed = o.burst.filter((s) => s < 400).length;
  const otherPassed = o.other.filter((s) => s < 400).length;
  const detail =
    `one client's ${o.burst.length} requests: ${passed} passed, ${limited} answered 429; ` +
    `another client's ${o.other.length} right after: ${otherPassed} passed, ${count(o.other, 429)} answered 429`;
  if (limited === 0) return fail(`no 429: ${detail}`);
  if (passed === 0) return fail(`every request was refused, not a rate limit: ${detail}`);
  if (!(o.limitedContentType ?? '').startsWith('application/problem+json')) {
    return fail(`${detail}: the 429 is not problem+json (content-type '${o.limitedContentType ?? ''}')`);
  }
  if (o.other.length === 0 || otherPassed !== o.other.length) {
    return fail(`the other client was limited too, one bucket for everyone: ${detail}`);
  }
  return pass(detail);
}

export interface ApiKeyObservation {
  readonly noKey: number;
  readonly userToken: number;
  /** A user token beside a valid key: the case a check that trusted a token-derived header let through. */
  readonly userTokenAndKey: number;
  readonly valid: number;
  readonly wrongScope: number;
  readonly malformed: number;
  readonly revoked: number;
  /** content-type of the answer without a key. */
  readonly noKeyContentType: string;
}

/** GET /api/stats takes an API key with stats:read and nothing else; a revoked key stops working at once. */
export function evaluateApiKeys(o: ApiKeyObservation): CheckResult {
  const expected: Record<keyof Omit<ApiKeyObservation, 'noKeyContentType'>, number> = {
    noKey: 401,
    userToken: 403,
    userTokenAndKey: 403,
    valid: 200,
    wrongScope: 403,
    malformed: 400,
    revoked: 401,
  };
  const labels: Record<keyof typeof expected, string> = {
    noKey: 'no key',
    userToken: 'user token',
    userTokenAndKey: 'user token with a valid key',
    valid: 'valid key',
    wrongScope: 'key without stats:read',
    malformed: 'malformed key',
    revoked: 'revoked key',
  };
  const keys = Object.keys(expected) as (keyof typeof expected)[];
  const detail = keys.map((k) => `${labels[k]} → ${o[k]}`).join(', ');
  const wrong = keys.filter((k) => o[k] !== expected[k]);
  if (wrong.length > 0) {
    return fail(`${detail}; expected ${wrong.map((k) => `${labels[k]} → ${expected[k]}`).join(', ')}`);
  }
  if (!o.noKeyContentType.startsWith('application/problem+json')) {
    return fail(`${detail}: the refusal is not problem+json (content-type '${o.noKeyContentType}')`);
  }
  return pass(detail);
}

export interface RetryObservation {
  /** Statuses of the orders placed through the gateway while payments failed. */
  readonly orderStatuses: readonly number[];
  /** Growth of `upstream_rq_retry` on orders' outbound cluster for payments, summed over orders pods; undefined when not recorded. */
  readonly retries: number | undefined;
  /**
   * 503s that payments' own sidecars logged for POST /authorizations meanwhile. Services never
   * retry (Law 1), so a 503 behind an order that still succeeded was retried by the mesh: the
   * evidence when the proxies do not record `upstream_rq_retry`.
   */
  readonly payments503: number;
  readonly failureRate: number;
  /** Share of orders that must succeed. @default 0.9 */
  readonly minSuccessShare?: number;
}

/** With payments failing part of its requests, orders still succeed because the sidecars retry. */
export function evaluateRetries(o: RetryObservation): CheckResult {
  const ok = o.orderStatuses.filter((s) => s === 201).length;
  const share = o.orderStatuses.length === 0 ? 0 : ok / o.orderStatuses.length;
  const detail =
    `payments failing ${Math.round(o.failureRate * 100)}%: ${ok}/${o.orderStatuses.length} orders placed, ` +
    `upstream_rq_retry +${o.retries ?? '? (not recorded)'}, ${o.payments503} payments 503s in its access log`;
  if (share < (o.minSuccessShare ?? 0.9)) return fail(`too many orders failed: ${detail}`);
  if ((o.retries ?? 0) > 0) return pass(detail);
  if (o.retries === undefined && o.payments503 > 0) return pass(detail);
  return fail(`no retries seen: ${detail}`);
}

/** A slow payments call ends in 504 from the caller's sidecar, no later than the route timeout (plus slack for exec and scheduling). */
export function evaluateTimeout(result: ProbeResult | undefined, timeoutMs: number, slackMs: number): CheckResult {
  const detail = `${describeProbe(result)}, route timeout ${timeoutMs} ms`;
  if (result === undefined || result.kind !== 'response' || result.status !== 504)
    return fail(`expected 504: ${detail}`);
  if (result.ms > timeoutMs + slackMs) return fail(`504 came later than the timeout allows: ${detail}`);
  return pass(detail);
}

export interface BreakerObservation {
  readonly results: readonly ProbeResult[];
  /** Access-log entries of the caller's sidecar for the callee's path during the burst. */
  readonly accessLog: readonly AccessLogEntry[];
  /** Growth of `upstream_rq_pending_overflow`; undefined when not recorded. */
  readonly pendingOverflow: number | undefined;
}

/** Overload trips the circuit breaker: some calls are refused at once with 503 and response flag UO. */
export function evaluateBreaker(o: BreakerObservation): CheckResult {
  const refused = o.results.filter((r) => r.kind === 'response' && r.status === 503);
  const marked = refused.filter((r) => r.kind === 'response' && r.overloaded).length;
  const uo = o.accessLog.filter((e) => e.status === 503 && e.flags.includes('UO')).length;
  const detail = `${o.results.length} concurrent calls: ${formatTally(o.results)}; ${marked} with x-envoy-overloaded, ${uo} access-log entries 503 UO, upstream_rq_pending_overflow +${o.pendingOverflow ?? '?'}`;
  if (refused.length === 0) return fail(`no 503: ${detail}`);
  if (uo === 0 && marked === 0 && (o.pendingOverflow ?? 0) === 0) {
    return fail(`503s but none from the circuit breaker (no UO): ${detail}`);
  }
  return pass(detail);
}

/**
 * Outlier detection ejected the failing endpoint: its health flags in the caller's `/clusters`
 * say `failed_outlier_check`, or the caller's `outlier_detection.ejections_enforced_total` grew
 * (recorded only when the stats matcher includes it).
 */
export function evaluateOutlier(
  failingAddress: string,
  hosts: readonly ClusterHost[],
  ejections?: number,
): CheckResult {
  const host = hosts.find((h) => h.address === failingAddress);
  const others = hosts.filter((h) => h !== host);
  const detail =
    `${failingAddress}: ${host?.healthFlags.join('/') ?? 'not in the cluster'}; ` +
    `${others.length} other endpoints ${others.every((h) => h.healthFlags.includes('healthy')) ? 'healthy' : 'not all healthy'}` +
    (ejections === undefined ? '' : `; ejections_enforced_total +${ejections}`);
  if (host === undefined) return fail(`the failing pod never became an endpoint: ${detail}`);
  if (!host.healthFlags.includes('failed_outlier_check') && (ejections ?? 0) === 0)
    return fail(`not ejected: ${detail}`);
  return pass(detail);
}

export interface TraceExpectation {
  /** Workloads that must all appear in one trace, e.g. ingress gateway, orders, payments. */
  readonly required: readonly string[];
  /** At least one of these must appear too: the consumers behind the async hop. */
  readonly anyOf: readonly string[];
}

/** One trace spans the gateway, the synchronous calls and the asynchronous hop. */
export function evaluateTrace(traces: readonly JaegerTrace[], expected: TraceExpectation): CheckResult {
  let best: { trace: JaegerTrace; missing: string[]; services: Set<string> } | undefined;
  for (const trace of traces) {
    const services = traceServices(trace);
    const has = (w: string): boolean => [...services].some((s) => isService(s, w));
    const missing = expected.required.filter((w) => !has(w));
    if (!expected.anyOf.some(has)) missing.push(expected.anyOf.join(' or '));
    if (best === undefined || missing.length < best.missing.length) best = { trace, missing, services };
  }
  if (best === undefined) return fail('Jaeger returned no traces for the gateway');
  const names = [...best.services].sort().join(', ');
  if (best.missing.length > 0) {
    return fail(
      `of ${traces.length} traces, the most complete (${best.trace.traceID}) lacks ${best.missing.join(', ')}; it has ${names}`,
    );
  }
  return pass(`trace ${best.trace.traceID}: ${best.trace.spans.length} spans across ${names}`);
}

/** What the caller's overview showed when its token said one user and its own header another. */
export interface IdentityObservation {
  /** The token's `sub`: the user the gateway must pass on. */
  readonly subject: string;
  /** The `x-user-id` the client sent itself. */
  readonly spoofed: string;
  readonly status: number;
  /** `user.id` in the overview storefront built from the identity header it received. */
  readonly seenUserId: unknown;
}

/** The identity header is the token's `sub`, never the client's own copy. */
export function evaluateIdentity(seen: IdentityObservation): CheckResult {
  const detail = `token sub ${seen.subject}, client x-user-id ${seen.spoofed} → ${seen.status}, overview of ${String(seen.seenUserId)}`;
  if (seen.status !== 200) return fail(`expected 200 for a valid token: ${detail}`);
  if (seen.seenUserId === seen.spoofed) return fail(`the client's x-user-id reached the service: ${detail}`);
  if (seen.seenUserId !== seen.subject) return fail(`the service did not see the token's sub: ${detail}`);
  return pass(detail);
}
