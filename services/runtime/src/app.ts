import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { DEFAULT_BODY_LIMIT } from './config.js';
import { errorHandler, notFoundHandler, requireJsonBody } from './errors.js';
import { healthRouter, Lifecycle, type HealthDetail, type ReadinessCheck } from './health.js';
import { HttpProblem } from './problem.js';
import { createMetrics, recordRequest, type ServiceMetrics } from './metrics.js';
import {
  acceptRequestId,
  extractContext,
  installTracePropagation,
  REQUEST_ID_HEADER,
  traceResponse,
} from './trace-context.js';

export interface ServiceAppOptions {
  readonly logger: Logger;
  /** The service's routes, mounted at `/`. */
  readonly routes: Router;
  /** Dependency checks behind /readyz. */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** Shared with the server so that SIGTERM turns /readyz to 503. */
  readonly lifecycle?: Lifecycle;
  readonly metrics?: ServiceMetrics;
  /** Extra facts for /healthz (e.g. the outbox backlog); never fails liveness. */
  readonly healthDetail?: HealthDetail;
  /**
   * Parse JSON bodies and answer 415 to any other body. False for a service whose routes parse their
   * own (identity: HTML forms and an OpenID provider): then only the body limit is enforced here.
   * @default true
   */
  readonly jsonBodies?: boolean;
}

export interface ServiceApp {
  readonly app: Express;
  readonly lifecycle: Lifecycle;
  readonly metrics: ServiceMetrics;
}

const BODY_LIMIT_SETTING = 'json body limit';

/**
 * Sets the largest JSON body `app` accepts (a body-parser size such as `100kb`). runService applies
 * the service's BODY_LIMIT this way to whatever app it serves, so no service can leave it out.
 */
export function setBodyLimit(app: Express, limit: string): void {
  app.set(BODY_LIMIT_SETTING, limit);
}

/**
 * JSON bodies, parsed with the app's current body limit; a body of any other type is a 415. A
 * request without a body (most GETs) passes straight through.
 */
function jsonBodies(app: Express): RequestHandler {
  const parsers = new Map<string, RequestHandler>();
  const onlyJson = requireJsonBody();
  return (req, res, next) => {
    if (req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? 0) <= 0) {
      next();
      return;
    }
    const limit = String(app.get(BODY_LIMIT_SETTING));
    let parser = parsers.get(limit);
    if (parser === undefined) {
      parser = express.json({ limit, type: 'application/json' });
      parsers.set(limit, parser);
    }
    onlyJson(req, res, (error?: unknown) => (error === undefined ? parser(req, res, next) : next(error)));
  };
}

/** A body-parser size (`100kb`, as BODY_LIMIT allows) in bytes. */
function sizeInBytes(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (match === null) throw new Error(`body limit: '${limit}' is not a size such as 100kb`);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[match[2]!.toLowerCase() as 'b' | 'kb' | 'mb'];
  return Number(match[1]) * unit;
}

/**
 * For a service that parses its own bodies: a declared body larger than the app's body limit is a
 * 413 before any route reads it (the routes' own parsers bound what arrives chunked).
 */
function bodySizeLimit(app: Express): RequestHandler {
  return (req, _res, next) => {
    const limit = String(app.get(BODY_LIMIT_SETTING));
    if (Number(req.headers['content-length'] ?? 0) > sizeInBytes(limit)) {
      next(new HttpProblem(413, `The request body exceeds the limit of ${sizeInBytes(limit)} bytes.`));
      return;
    }
    next();
  };
}

/** Requests are logged at debug, failures (5xx) at warn. */
const requestLogLevel = (res: Response): 'warn' | 'debug' => (res.statusCode >= 500 ? 'warn' : 'debug');

function logRequest(logger: Logger, req: Request, res: Response): void {
  logger[requestLogLevel(res)]({ method: req.method, path: req.path, status: res.statusCode }, 'request');
}

/** One named step of the request pipeline every service shares. */
export interface PipelineLayer {
  readonly name: string;
  readonly handler: RequestHandler | Router;
}

/** What createServiceApp mounts around a service's routes, in order. */
export interface ServicePipeline {
  readonly lifecycle: Lifecycle;
  readonly metrics: ServiceMetrics;
  /** Before the routes: request context, health, the start-up gate, JSON bodies. */
  readonly before: readonly PipelineLayer[];
  /** After the routes: the 404 and problem+json answers. */
  readonly after: readonly (RequestHandler | ErrorRequestHandler)[];
}

/**
 * The layers of createServiceApp, named, so that `npm run bench` can measure what each costs
 * (mounting the first few of them on bare Express) with the very handlers the services run.
 */
export function servicePipeline(
  service: string,
  app: Express,
  options: Omit<ServiceAppOptions, 'routes'>,
): ServicePipeline {
  installTracePropagation();
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const metrics = options.metrics ?? createMetrics(service);
  const requestContext: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = acceptRequestId(req.get(REQUEST_ID_HEADER), randomUUID);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (lifecycle.isDraining) res.setHeader('connection', 'close');
    const ctx = extractContext(req.headers, requestId);
    const joined = traceResponse(ctx);
    if (joined !== undefined) res.setHeader('traceresponse', joined);
    res.once('finish', () => {
      recordRequest(metrics, req, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      // 'finish' fires outside the request's context; the log line must still carry its trace id.
      if (options.logger.isLevelEnabled(requestLogLevel(res)))
        context.with(ctx, () => logRequest(options.logger, req, res));
    });
    context.with(ctx, next);
  };
  const startupGate: RequestHandler = (_req, res, next) => {
    if (!lifecycle.isStarting) {
      next();
      return;
    }
    res.setHeader('retry-after', '1');
    next(new HttpProblem(503, `${service} is starting: its database is not ready yet.`));
  };
  return {
    lifecycle,
    metrics,
    before: [
      { name: 'request context (id, trace context, metrics, log line)', handler: requestContext },
      {
        name: 'health routes',
        handler: healthRouter(lifecycle, options.readiness ?? {}, metrics, options.logger, options.healthDetail),
      },
      { name: 'start-up gate', handler: startupGate },
      options.jsonBodies === false
        ? { name: 'body size limit', handler: bodySizeLimit(app) }
        : { name: 'JSON bodies', handler: jsonBodies(app) },
    ],
    after: [notFoundHandler(), errorHandler(options.logger)],
  };
}

/** Express with the kit's settings: no x-powered-by, no ETags, the default body limit. */
export function bareServiceExpress(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  setBodyLimit(app, DEFAULT_BODY_LIMIT);
  return app;
}

/**
 * The Express wiring every service shares: request id and trace context, metrics, health,
 * JSON bodies with a limit, problem+json errors. Connects to nothing and listens on nothing.
 */
export function createServiceApp(service: string, options: ServiceAppOptions): ServiceApp {
  const app = bareServiceExpress();
  const { lifecycle, metrics, before, after } = servicePipeline(service, app, options);
  for (const layer of before) app.use(layer.handler);
  app.use(options.routes);
  for (const handler of after) app.use(handler);
  return { app, lifecycle, metrics };
}
