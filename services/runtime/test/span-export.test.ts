import { context, trace } from '@opentelemetry/api';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { exportSpans, extractContext, installTracePropagation } from '@mesh-kit/runtime';
import { listen } from '../../../test-support/listen.js';

describe('exportSpans', () => {
  afterAll(() => trace.disable());

  it("sends the app's spans to a Zipkin collector as children of the incoming trace, and only sampled ones", async () => {
    const received: Record<string, unknown>[] = [];
    const collector = express();
    collector.post('/api/v2/spans', express.json(), (req, res) => {
      received.push(...(req.body as Record<string, unknown>[]));
      res.status(202).end();
    });
    const server = await listen(collector);
    installTracePropagation();
    const stop = exportSpans('notifications', `${server.url}/api/v2/spans`);

    const tracer = trace.getTracer('test');
    const sampled = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const unsampled = extractContext({ traceparent: '00-11111111111111111111111111111111-2222222222222222-00' });
    tracer.startSpan('orders.placed process', {}, sampled).end();
    context.with(unsampled, () => tracer.startSpan('not sampled').end());
    await stop();
    await server.close();

    expect(received).toEqual([
      expect.objectContaining({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        parentId: '00f067aa0ba902b7',
        name: 'orders.placed process',
        localEndpoint: expect.objectContaining({ serviceName: 'notifications' }),
      }),
    ]);
  });
});
