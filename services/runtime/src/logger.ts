import { pino, type Logger, type DestinationStream } from 'pino';
import { activeRequestId, activeTraceId } from './trace-context.js';

export type { Logger } from 'pino';

/**
 * Credentials that must never reach a log line, wherever a headers object is logged: API keys,
 * bearer tokens and cookies are replaced by `[redacted]`.
 */
export const REDACTED_PATHS = [
  'headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
];

/** JSON logs; each line made inside a request carries its trace id and request id. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'message',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const traceId = activeTraceId();
        const requestId = activeRequestId();
        return {
          ...(traceId === undefined ? {} : { trace_id: traceId }),
          ...(requestId === undefined ? {} : { request_id: requestId }),
        };
      },
    },
    destination,
  );
}
