import {
  context,
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

/** Envoy's request id: not part of any propagator, so it rides in the context under its own key. */
export const REQUEST_ID_HEADER = 'x-request-id';
const requestIdKey = createContextKey('mesh-kit.request-id');

/** Longest client-sent request id kept (Envoy's own are 36-character UUIDs). */
export const MAX_REQUEST_ID_LENGTH = 128;
/** A request id: letters, digits and `-_.:` only, so it cannot inject anything into logs, headers or events. */
const REQUEST_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

/**
 * The request id to carry: the incoming one when it is well-formed, otherwise a new one (a
 * malformed or oversized id from a client is replaced, never propagated). The W3C and B3 headers
 * need no such step: the propagators parse them (ids, flags, tracestate's key/value grammar and its
 * 512-character cap) and outgoing headers are written from the parsed context, never copied.
 */
export function acceptRequestId(incoming: unknown, fresh: () => string): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : fresh();
}

let installed = false;

/**
 * Registers the global context manager and the W3C + B3 (multi-header, as Envoy/Zipkin use)
 * propagators. Idempotent; the OpenTelemetry globals refuse a second registration anyway.
 */
export function installTracePropagation(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
      ],
    }),
  );
}

/** A carrier of string headers, as Node and NATS give them. */
export type HeaderCarrier = Record<string, string | string[] | undefined>;

/** Builds the context of an incoming request or message from its headers. */
export function extractContext(headers: HeaderCarrier, requestId?: string): Context {
  let ctx = propagation.extract(context.active(), headers, defaultTextMapGetter);
  if (requestId !== undefined && requestId !== '') ctx = ctx.setValue(requestIdKey, requestId);
  return ctx;
}

/** The headers that carry `ctx` (default: the active context) onto an outgoing call or message. */
export function outgoingTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers, defaultTextMapSetter);
  const requestId = ctx.getValue(requestIdKey);
  if (typeof requestId === 'string') headers[REQUEST_ID_HEADER] = requestId;
  return headers;
}

/** The trace id of the active context, for log lines; undefined outside a traced request. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext === undefined ? undefined : spanContext.traceId;
}

/**
 * The W3C Trace Context Level 2 `traceresponse` value (version-traceid-spanid-flags) for `ctx`: the
 * trace the request joined, so a browser can link an action to its trace. Undefined when the
 * request arrived without a valid trace context (this service starts no traces of its own).
 */
export function traceResponse(ctx: Context): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

export function activeRequestId(): string | undefined {
  const value = context.active().getValue(requestIdKey);
  return typeof value === 'string' ? value : undefined;
}
