/**
 * The local stack's ingress gateway: an HTTP server that runs the gateway model
 * (infra/cdk8s/src/gateway-model) over the synthesized objects, the same model the tests check the
 * manifests with, and forwards what it lets through to the local services. Filters run in Istio's
 * order (header strip, ext_authz, jwt_authn, RBAC, local rate limit, router); tokens are verified
 * for real against the inline JWKS, API keys by the local apikeys over HTTP, the rate limit refills
 * in real time. What it does not do (the mesh does it on a cluster): retries, mTLS, the sidecars'
 * authorization, tracing spans, canary weights (the first destination of a route takes everything).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  type CheckAnswer,
  type ExtAuthzService,
  type Outcome,
  gatewayModel,
} from '../../infra/cdk8s/src/gateway-model/gateway-model.js';
import type { MeshExtAuthzProvider } from '../../infra/cdk8s/src/gateway-model/ext-authz-providers.js';
import type { KubeObject } from '../../infra/cdk8s/src/gateway-model/kube-object.js';
import { rateLimitModel } from '../../infra/cdk8s/src/gateway-model/local-rate-limit.js';
import { EDGE_RATE_LIMIT_FILTER } from '../../infra/cdk8s/src/constructs/gateway-edge-rate-limit.js';
import { localReplyBody } from './local-reply.js';
import { jwtVerifier } from './jwt-verifier.js';

export interface LocalGatewayProps {
  readonly objects: readonly KubeObject[];
  readonly host: string;
  readonly port: number;
  /** The header jwt_authn sets from a verified token's `sub` (the catalog's identity header). */
  readonly identityHeader: string;
  /** The mesh's ext_authz providers (mesh/istio/istio-operator.yaml). */
  readonly providers: Readonly<Record<string, MeshExtAuthzProvider>>;
  /** The local base URL of a cluster host name (`users.shop.svc.cluster.local`), or undefined when it does not run. */
  readonly upstream: (host: string) => string | undefined;
  /**
   * Also serve HTTPS on `port` with this certificate and key, as the cluster gateway's HTTPS server
   * does (with its HSTS header). @default HTTP only
   */
  readonly tls?: { readonly cert: string; readonly key: string; readonly port: number };
}

export interface LocalGateway {
  readonly url: string;
  /** The HTTPS address, when `tls` was given. */
  readonly httpsUrl?: string;
  close(): Promise<void>;
}

interface Route {
  name: string;
  timeout?: string;
  rewrite?: { uri?: string; uriRegexRewrite?: { match: string; rewrite: string } };
  route?: { destination: { host: string } }[];
  headers?: { response?: { remove?: string[]; set?: Record<string, string> } };
  match?: { uri?: { prefix?: string } }[];
}

const seconds = (duration: string | undefined): number | undefined =>
  duration === undefined ? undefined : Number(/^(\d+(?:\.\d+)?)s$/.exec(duration)?.[1]) * 1000;

/** Envoy's HTTP ext_authz client: the check over HTTP, status_on_error when the server cannot answer. */
function httpExtAuthz(upstream: LocalGatewayProps['upstream']): ExtAuthzService {
  return async (check, provider): Promise<CheckAnswer> => {
    const { service = '', statusOnError, timeout } = provider as MeshExtAuthzProvider;
    const onError = { status: Number(statusOnError ?? 403) };
    const base = upstream(service);
    if (base === undefined) return onError;
    const headers = Object.fromEntries(Object.entries(check.headers).filter(([h]) => h !== 'host'));
    try {
      const answer = await fetch(`${base}${check.path}`, {
        method: check.method,
        headers,
        signal: AbortSignal.timeout(seconds(timeout) ?? 200),
      });
      return { status: answer.status, headers: Object.fromEntries(answer.headers), body: await answer.text() };
    } catch {
      return onError;
    }
  };
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startGateway(props: LocalGatewayProps): Promise<LocalGateway> {
  const { objects } = props;
  const model = gatewayModel(objects, {
    identityHeader: props.identityHeader,
    verifyToken: jwtVerifier(objects),
    providers: props.providers,
    extAuthz: httpExtAuthz(props.upstream),
    rateLimit: rateLimitModel(objects, () => performance.now()),
    rateLimits: { [EDGE_RATE_LIMIT_FILTER]: rateLimitModel(objects, () => performance.now(), EDGE_RATE_LIMIT_FILTER) },
  });
  const ingress = objects.find((o) => o.kind === 'VirtualService' && o.spec?.gateways !== undefined);
  const routes = new Map(((ingress?.spec as { http?: Route[] } | undefined)?.http ?? []).map((r) => [r.name, r]));

  const localReply = (res: ServerResponse, outcome: Exclude<Outcome, { by: 'upstream' }>): void => {
    const mapped = localReplyBody(objects, outcome.status);
    const route = outcome.route === undefined ? undefined : routes.get(outcome.route);
    const headers = { ...outcome.headers, ...route?.headers?.response?.set };
    if (mapped !== undefined)
      reply(res, outcome.status, mapped.body, { ...headers, 'content-type': mapped.contentType });
    else reply(res, outcome.status, outcome.body ?? '', headers);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, outcome: Extract<Outcome, { by: 'upstream' }>): void => {
    const route = routes.get(outcome.route);
    const destination = route?.route?.[0]?.destination.host;
    const base = destination === undefined ? undefined : props.upstream(destination);
    if (route === undefined || base === undefined) {
      reply(res, 503, 'no healthy upstream');
      return;
    }
    const [path = '/', query] = (req.url ?? '/').split(/\?(.*)/s);
    let upstreamPath = path;
    const regexRewrite = route.rewrite?.uriRegexRewrite;
    if (regexRewrite !== undefined)
      upstreamPath = path.replace(new RegExp(regexRewrite.match, 'g'), regexRewrite.rewrite);
    else if (route.rewrite?.uri !== undefined) {
      const prefix = route.match?.find((m) => m.uri?.prefix !== undefined)?.uri?.prefix ?? path;
      upstreamPath = `${route.rewrite.uri}${path.slice(prefix.length)}`;
    }
    const target = new URL(`${upstreamPath}${query === undefined ? '' : `?${query}`}`, base);
    const upstream = httpRequest(target, { method: req.method, headers: outcome.headers });
    const timeoutMs = seconds(route.timeout);
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            upstream.destroy();
            if (!res.headersSent) reply(res, 504, 'upstream request timeout');
          }, timeoutMs);
    upstream.on('response', (answer) => {
      clearTimeout(timer);
      const headers = { ...answer.headers };
      for (const h of route.headers?.response?.remove ?? []) delete headers[h.toLowerCase()];
      Object.assign(headers, route.headers?.response?.set);
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      clearTimeout(timer);
      if (!res.headersSent) reply(res, 503, 'upstream connect error or disconnect/reset before headers');
      else res.destroy();
    });
    req.pipe(upstream);
  };

  // The HSTS value the cluster gateway's HTTPS route configuration adds (the shop-hsts EnvoyFilter).
  const hsts = /"key":"strict-transport-security","value":"([^"]+)"/.exec(
    JSON.stringify(objects.filter((o) => o.kind === 'EnvoyFilter')),
  )?.[1];
  const handle = (secure: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    if (secure && hsts !== undefined) res.setHeader('strict-transport-security', hsts);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // Envoy at the edge (use_remote_address, preserve_external_request_id false): every external
    // request gets a new x-request-id, and the forwarded-for and -proto headers.
    headers['x-request-id'] = randomUUID();
    headers['x-forwarded-proto'] = secure ? 'https' : 'http';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    // The mesh's tracer (Zipkin, B3 headers; the catalog samples every request) starts a trace at the
    // edge for a request that carries none: the services continue it and name it in `traceresponse`,
    // which the browser shop links to Jaeger.
    if (headers['x-b3-traceid'] === undefined && headers.traceparent === undefined) {
      headers['x-b3-traceid'] = randomBytes(16).toString('hex');
      headers['x-b3-spanid'] = randomBytes(8).toString('hex');
      headers['x-b3-sampled'] = '1';
    }
    const remoteAddress = req.socket.remoteAddress ?? '';
    model.send({ method: req.method ?? 'GET', path: req.url ?? '/', headers, remoteAddress }).then(
      (outcome) => (outcome.by === 'upstream' ? forward(req, res, outcome) : localReply(res, outcome)),
      (error: unknown) => reply(res, 500, `gateway: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  const server = createServer(handle(false));
  const secureServer =
    props.tls === undefined ? undefined : createHttpsServer({ cert: props.tls.cert, key: props.tls.key }, handle(true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(props.port, props.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  if (secureServer !== undefined) {
    await new Promise<void>((resolve, reject) => {
      secureServer.once('error', reject);
      secureServer.listen(props.tls!.port, props.host, () => resolve());
    });
  }
  const httpsPort = secureServer === undefined ? undefined : (secureServer.address() as AddressInfo).port;
  return {
    // The browser's address: the shop's provider issues under `http://localhost:<port>/auth` and sends
    // the browser back to that origin (scripts/stack/gateway-objects.ts, stackCatalog).
    url: `http://localhost:${port}`,
    ...(httpsPort === undefined ? {} : { httpsUrl: `https://localhost:${httpsPort}` }),
    close: async () => {
      for (const s of [server, secureServer]) {
        if (s === undefined) continue;
        await new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        });
      }
    },
  };
}
