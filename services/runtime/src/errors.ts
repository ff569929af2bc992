import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { DependencyUnreachable } from './outbound.js';
import { isDatabaseUnavailable } from './database.js';

function sendProblem(res: Parameters<RequestHandler>[1], problem: HttpProblem, instance: string): void {
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toJSON(instance)));
}

/** body-parser marks its errors with `type`; map them to the problem they are. */
function fromBodyParser(error: { type?: unknown; limit?: unknown }): HttpProblem | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new HttpProblem(413, `The request body exceeds the limit of ${String(error.limit)} bytes.`);
    case 'entity.parse.failed':
      return new HttpProblem(400, 'The request body is not valid JSON.', {
        errors: [{ field: '(body)', message: 'malformed JSON' }],
      });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpProblem(415, 'The request body encoding is not supported.');
    default:
      return undefined;
  }
}

/**
 * Any other client error Express or its body parsers raise carries its status (http-errors'
 * convention: a path segment that is not valid percent-encoding, a body whose content-encoding does
 * not inflate): the client gets that status, never a 500 the mesh would retry and count against
 * the pod for outlier ejection. The message is shown only where the error says it may be.
 */
function fromClientError(error: { status?: unknown; expose?: unknown; name?: unknown }): HttpProblem | undefined {
  const { status } = error;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) return undefined;
  if (error.name === 'URIError') return new HttpProblem(status, 'The request path is not valid percent-encoding.');
  if (status === 400 && error.expose === true) {
    return new HttpProblem(400, 'The request body could not be read: its content-encoding does not decode.', {
      errors: [{ field: 'content-encoding', message: 'the body does not decode' }],
    });
  }
  return new HttpProblem(status, 'The request was not accepted.');
}

export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    sendProblem(res, new HttpProblem(404, `No route for ${req.method} ${req.path}.`), req.originalUrl);
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let problem: HttpProblem;
    if (error instanceof HttpProblem) {
      problem = error;
    } else if (error instanceof DependencyUnreachable) {
      logger.warn({ err: error, dependency: error.service }, 'dependency unreachable');
      problem = new HttpProblem(503, `${error.service} is unavailable.`);
    } else if (isDatabaseUnavailable(error)) {
      // The connection this request used was lost or could not be had: this request fails, the process lives.
      logger.warn({ err: error }, 'database unavailable');
      problem = new HttpProblem(503, 'The database is unavailable.');
      res.setHeader('retry-after', '1');
    } else {
      problem =
        (typeof error === 'object' && error !== null ? (fromBodyParser(error) ?? fromClientError(error)) : undefined) ??
        new HttpProblem(500, 'An unexpected error occurred.');
      if (problem.status === 500) logger.error({ err: error }, 'unhandled error');
    }
    sendProblem(res, problem, req.originalUrl);
  };
}

/** Requests that carry a body must declare it as JSON: anything else is a 415, before parsing. */
export function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is('application/json')) {
      next(
        new HttpProblem(415, 'Send the request body as application/json.', {
          errors: [
            { field: 'content-type', message: `expected application/json, got ${req.get('content-type') ?? 'none'}` },
          ],
        }),
      );
      return;
    }
    next();
  };
}
