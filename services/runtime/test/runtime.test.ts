import { Writable } from 'node:stream';
import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseConfigSchema,
  ConfigError,
  createLogger,
  createServiceApp,
  loadConfig,
  outgoingTraceHeaders,
  postgresUrl,
  setBodyLimit,
  serviceUrl,
} from '@mesh-kit/runtime';

function appWith(routes: Router, options: { readiness?: Record<string, () => Promise<void>>; lines?: string[] } = {}) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      options.lines?.push(chunk.toString());
      done();
    },
  });
  const service = createServiceApp('test', {
    logger: createLogger('test', 'debug', sink),
    routes,
    ...(options.readiness === undefined ? {} : { readiness: options.readiness }),
  });
  setBodyLimit(service.app, '1kb');
  return service;
}

describe('config', () => {
  it('names each bad variable and why', () => {
    const schema = baseConfigSchema.extend({ DATABASE_URL: postgresUrl });
    const error = (() => {
      try {
        loadConfig(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['PORT', 'DATABASE_URL']);
    expect((error as ConfigError).message).toMatch(/PORT: .*number.*DATABASE_URL: must be a postgres:\/\/ URL/);
  });

  it('takes only http:// service URLs, as ServiceClient does, naming the variable', () => {
    const schema = baseConfigSchema.extend({ USERS_URL: serviceUrl });
    expect(loadConfig(schema, { PORT: '1', USERS_URL: 'http://users:3001' }).USERS_URL).toBe('http://users:3001');
    expect(() => loadConfig(schema, { PORT: '1', USERS_URL: 'https://users:3001' })).toThrow(
      /USERS_URL: must be an http:\/\/ URL/,
    );
  });

  it('applies defaults', () => {
    expect(loadConfig(baseConfigSchema, { PORT: '8080' })).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: 'info',
      BODY_LIMIT: '100kb',
    });
  });
});

describe('health', () => {
  it('readyz answers 503 naming the failing check, and 503 while draining', async () => {
    let healthy = false;
    const { app, lifecycle } = appWith(Router(), {
      readiness: {
        db: async () => {
          if (!healthy) throw new Error('down');
        },
      },
    });
    const down = await request(app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ db: 'failing' });
    healthy = true;
    expect((await request(app).get('/readyz')).status).toBe(200);
    lifecycle.startDraining();
    expect((await request(app).get('/readyz')).status).toBe(503);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it('logs why a readiness check fails once when it starts failing or fails differently, and once when it passes again', async () => {
    let failure: string | undefined = 'connect ECONNREFUSED';
    const lines: string[] = [];
    const { app } = appWith(Router(), {
      lines,
      readiness: {
        db: async () => {
          if (failure !== undefined) throw new Error(failure);
        },
      },
    });
    const about = (): { level: string; message: string }[] =>
      lines
        .map((l) => JSON.parse(l) as { level: string; message: string })
        .filter((l) => l.message.startsWith('readiness'));
    await request(app).get('/readyz');
    await request(app).get('/readyz');
    failure = 'timeout exceeded when trying to connect';
    await request(app).get('/readyz');
    failure = undefined;
    await request(app).get('/readyz');
    await request(app).get('/readyz');
    expect(about()).toEqual([
      expect.objectContaining({ level: 'warn', message: 'readiness check db failing: connect ECONNREFUSED' }),
      expect.objectContaining({
        level: 'warn',
        message: 'readiness check db failing: timeout exceeded when trying to connect',
      }),
      expect.objectContaining({ level: 'info', message: 'readiness check db passes again' }),
    ]);
  });

  it('metrics label durations by route template, not raw URL', async () => {
    const routes = Router();
    routes.get('/things/:id', (_req, res) => void res.json({}));
    const { app } = appWith(routes);
    await request(app).get('/things/41');
    await request(app).get('/things/42');
    const text = (await request(app).get('/metrics')).text;
    expect(text).toContain(
      'http_server_request_duration_seconds_count{service="test",method="GET",route="/things/:id",status_code="200"} 2',
    );
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('/things/41');
  });
});

describe('body limit', () => {
  it('accepts 100kb by default and the limit set later, as runService sets BODY_LIMIT', async () => {
    const routes = Router();
    routes.post('/echo', (req, res) => void res.json(req.body));
    const { app } = createServiceApp('test', { logger: createLogger('test', 'silent'), routes });
    const body = (bytes: number) => ({ text: 'x'.repeat(bytes) });
    expect((await request(app).post('/echo').send(body(90_000))).status).toBe(200);
    expect((await request(app).post('/echo').send(body(110_000))).status).toBe(413);
    setBodyLimit(app, '2kb');
    expect((await request(app).post('/echo').send(body(1_500))).status).toBe(200);
    const refused = await request(app).post('/echo').send(body(2_500));
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ status: 413, detail: 'The request body exceeds the limit of 2048 bytes.' });
  });
});

describe('problem+json', () => {
  const routes = Router();
  routes.post('/echo', (req, res) => void res.json(req.body));
  routes.get('/items/:sku', (req, res) => void res.json({ sku: req.params.sku }));
  routes.get('/boom', () => {
    throw new Error('secret internals');
  });
  const { app } = appWith(routes);

  it.each([
    ['unknown route', () => request(app).get('/nope'), 404],
    ['non-JSON body', () => request(app).post('/echo').set('content-type', 'text/plain').send('hi'), 415],
    [
      'oversized body',
      () =>
        request(app)
          .post('/echo')
          .send({ text: 'x'.repeat(2_000) }),
      413,
    ],
    ['malformed JSON', () => request(app).post('/echo').set('content-type', 'application/json').send('{'), 400],
    ['a path that is not percent-encoding', () => request(app).get('/items/%FF'), 400],
    [
      'a gzip body that does not inflate',
      () =>
        request(app)
          .post('/echo')
          .set('content-type', 'application/json')
          .set('content-encoding', 'gzip')
          .send('{"not":"gzip"}'),
      400,
    ],
    [
      'a brotli body that does not inflate',
      () =>
        request(app)
          .post('/echo')
          .set('content-type', 'application/json')
          .set('content-encoding', 'br')
          .send(Buffer.from([1, 2, 3, 4, 5])),
      400,
    ],
  ])('%s → %d', async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'about:blank', status });
  });

  it('500 without internals', async () => {
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('secret internals');
  });
});

describe('trace propagation', () => {
  const routes = Router();
  routes.get('/outgoing', (_req, res) => void res.json(outgoingTraceHeaders()));

  it('turns incoming B3 headers into W3C and B3 outgoing headers with the same trace id', async () => {
    const lines: string[] = [];
    const { app } = appWith(routes, { lines });
    const res = await request(app)
      .get('/outgoing')
      .set('x-b3-traceid', '463ac35c9f6413ad48485a3953bb6124')
      .set('x-b3-spanid', 'a2fb4a1d1a96d312')
      .set('x-b3-sampled', '1')
      .set('x-request-id', 'abc-1');
    expect(res.body).toMatchObject({
      traceparent: '00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01',
      'x-b3-traceid': '463ac35c9f6413ad48485a3953bb6124',
      'x-b3-spanid': 'a2fb4a1d1a96d312',
      'x-request-id': 'abc-1',
    });
    expect(res.headers['x-request-id']).toBe('abc-1');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.path === '/outgoing');
    expect(logged).toMatchObject({ trace_id: '463ac35c9f6413ad48485a3953bb6124', request_id: 'abc-1' });
  });

  it('keeps tracestate and makes up a request id when none arrives', async () => {
    const { app } = appWith(routes);
    const res = await request(app)
      .get('/outgoing')
      .set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
      .set('tracestate', 'vendor=opaque');
    expect(res.body.tracestate).toBe('vendor=opaque');
    expect(res.body['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces a malformed or oversized client x-request-id, and propagates no malformed trace header', async () => {
    const lines: string[] = [];
    const { app } = appWith(routes, { lines });
    for (const bad of ['a b', 'x'.repeat(129), '<script>', 'id\u00e9', 'a;b=c', '']) {
      const res = await request(app).get('/outgoing').set('x-request-id', bad);
      expect(res.body['x-request-id'], bad).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-request-id'], bad).toBe(res.body['x-request-id']);
    }
    const longest = 'r'.repeat(128);
    expect((await request(app).get('/outgoing').set('x-request-id', longest)).body['x-request-id']).toBe(longest);
    const forged = await request(app)
      .get('/outgoing')
      .set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 extra')
      .set('x-b3-traceid', 'not-hex')
      .set('x-b3-spanid', 'a2fb4a1d1a96d312')
      .set('tracestate', `k=${'v'.repeat(600)}`);
    expect(forged.body.traceparent).toBeUndefined();
    expect(forged.body['x-b3-traceid']).toBeUndefined();
    expect(forged.body.tracestate).toBeUndefined();
    const logged = lines.map((l) => JSON.parse(l) as { request_id?: string }).map((l) => l.request_id ?? '');
    expect(logged.some((id) => id.includes(' ') || id.length > 128)).toBe(false);
  });

  it('answers with a W3C traceresponse naming the trace the request joined, and none without one', async () => {
    const { app } = appWith(routes);
    const traced = await request(app)
      .get('/no-such-path')
      .set('x-b3-traceid', '463ac35c9f6413ad48485a3953bb6124')
      .set('x-b3-spanid', 'a2fb4a1d1a96d312')
      .set('x-b3-sampled', '1');
    expect(traced.status).toBe(404);
    expect(traced.headers.traceresponse).toBe('00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01');
    const untraced = await request(app).get('/outgoing');
    expect(untraced.headers.traceresponse).toBeUndefined();
  });

  it('validates with zod: parseInput names nested fields', async () => {
    const { parseInput } = await import('@mesh-kit/runtime');
    expect(() => parseInput(z.object({ a: z.object({ b: z.number() }) }), { a: { b: 'x' } })).toThrow(/a\.b/);
  });
});
