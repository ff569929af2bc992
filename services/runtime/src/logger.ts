import { pino, type Logger, type DestinationStream } from 'pino';
import { activeRequestId, activeTraceId } from './trace-context.js';

export type { Logger } from 'pino';

/** JSON logs; each line made inside a request carries its trace id and request id. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'message',
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
