/**
 * The generated test/<name>.test.ts: the app against real PostgreSQL and NATS (Law 6), in the
 * shape of services/users' (a database owner), services/notifications' (a consumer, through
 * test-support/consumer-service.ts) and services/storefront's (a caller) tests.
 */
import { importList, lines, type Parts } from './parts.js';

/** An address that refuses connections: the generated tests make no calls to other services. */
const NO_SERVICE = "'http://127.0.0.1:9'";

function withoutDatabase(p: Parts): string {
  const urls = p.callees.map((c) => `${c.camel}Url: ${NO_SERVICE}`);
  return lines(
    "import request from 'supertest';",
    "import { describe, expect, it } from 'vitest';",
    "import { silentLogger } from '../../../test-support/silent-logger.js';",
    "import { createApp } from '../src/app.js';",
    '',
    `const { app } = createApp({ ${['logger: silentLogger()', ...urls].join(', ')} });`,
    '',
    `describe('${p.n.name}', () => {`,
    "  it('answers the caller named by the gateway', async () => {",
    `    const res = await request(app).get('/${p.n.name}').set('x-user-id', 'ada');`,
    '    expect(res.status).toBe(200);',
    "    expect(res.body).toEqual({ userId: 'ada' });",
    '  });',
    '',
    "  it('answers 401 problem+json naming x-user-id without a caller', async () => {",
    `    const res = await request(app).get('/${p.n.name}');`,
    '    expect(res.status).toBe(401);',
    "    expect(res.headers['content-type']).toMatch(/^application\\/problem\\+json/);",
    "    expect(res.body.errors).toEqual([{ field: 'x-user-id', message: 'missing' }]);",
    '  });',
    '',
    "  it('is ready', async () => {",
    "    expect((await request(app).get('/readyz')).status).toBe(200);",
    '  });',
    '});',
  );
}

/** The item routes' cases, against the app `app` names. */
const itemCases = (p: Parts, app: string): string[] => [
  "  it('creates an item and reads it back', async () => {",
  `    const created = await request(${app}).post('/${p.n.name}').send({ name: 'first' });`,
  '    expect(created.status).toBe(201);',
  "    expect(created.body).toEqual({ id: expect.any(String), name: 'first' });",
  `    expect(created.headers.location).toBe(\`/${p.n.name}/\${created.body.id}\`);`,
  `    const read = await request(${app}).get(\`/${p.n.name}/\${created.body.id}\`);`,
  '    expect(read.status).toBe(200);',
  '    expect(read.body).toEqual(created.body);',
  '  });',
  '',
  "  it('answers 400 naming the field on bad input, and 404 problem+json for an unknown id', async () => {",
  `    const bad = await request(${app}).post('/${p.n.name}').send({ name: '', extra: 1 });`,
  '    expect(bad.status).toBe(400);',
  "    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['extra', 'name']);",
  `    const missing = await request(${app}).get('/${p.n.name}/7f1d3c8e-7a9b-4c31-9d2e-2f0a6b8c1d23');`,
  '    expect(missing.status).toBe(404);',
  "    expect(missing.headers['content-type']).toMatch(/^application\\/problem\\+json/);",
  '  });',
];

function databaseOwner(p: Parts): string {
  const urls = p.callees.map((c) => `${c.camel}Url: ${NO_SERVICE}`);
  return lines(
    "import { fileURLToPath } from 'node:url';",
    "import pg from 'pg';",
    "import request from 'supertest';",
    "import { afterAll, beforeAll, describe, expect, it } from 'vitest';",
    "import { migrate } from '@mesh-kit/runtime';",
    "import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';",
    "import { silentLogger } from '../../../test-support/silent-logger.js';",
    "import { createApp } from '../src/app.js';",
    '',
    "const migrations = fileURLToPath(new URL('../migrations', import.meta.url));",
    'let db: TestDatabase;',
    'let pool: pg.Pool;',
    "let app: ReturnType<typeof createApp>['app'];",
    '',
    'beforeAll(async () => {',
    `  db = await createTestDatabase('${p.n.snake}');`,
    '  await migrate(db.url, migrations, silentLogger());',
    '  pool = new pg.Pool({ connectionString: db.url });',
    `  app = createApp({ ${['pool', 'logger: silentLogger()', ...urls].join(', ')} }).app;`,
    '});',
    '',
    'afterAll(async () => {',
    '  await pool.end();',
    '  await db.drop();',
    '});',
    '',
    `describe('${p.n.name}', () => {`,
    ...itemCases(p, 'app'),
    '',
    "  it('is ready while PostgreSQL answers', async () => {",
    "    const res = await request(app).get('/readyz');",
    '    expect(res.status).toBe(200);',
    "    expect(res.body.checks).toEqual({ postgres: 'ok' });",
    '  });',
    '});',
  );
}

function consumer(p: Parts, c: NonNullable<Parts['consumes']>): string {
  const urls = p.callees.map((callee) => `${callee.camel}Url: ${NO_SERVICE}`);
  const definition = p.callees.length === 0 ? p.n.camel : `${p.n.camel}({ ${urls.join(', ')} })`;
  return lines(
    "import { randomUUID } from 'node:crypto';",
    "import request from 'supertest';",
    "import { afterAll, beforeAll, describe, expect, it } from 'vitest';",
    `import ${importList([c.names.factory])} from '@mesh-kit/runtime';`,
    "import { startConsumerServiceForTest, type ConsumerServiceUnderTest } from '../../../test-support/consumer-service.js';",
    `import { ${p.n.camel} } from '../src/service.js';`,
    '',
    'let service: ConsumerServiceUnderTest;',
    '',
    'beforeAll(async () => {',
    `  service = await startConsumerServiceForTest(${definition});`,
    '});',
    '',
    'afterAll(async () => {',
    '  await service.close();',
    '});',
    '',
    `describe('${p.n.name}', () => {`,
    ...itemCases(p, 'service.app'),
    '',
    `  it('handles each ${c.subject} event once, however often it is delivered', async () => {`,
    `    const event = ${c.names.factory}(${c.names.exampleBody});`,
    '    const { app, events, publisher, subject } = service;',
    '    await publisher.publish(subject, event);',
    '    // A second copy past the duplicate window (another Nats-Msg-Id), as a re-publish after a long outage sends it.',
    '    await events.js.publish(subject, JSON.stringify(event), { msgID: randomUUID() });',
    '    await service.settled(2);',
    "    const rows = await service.pool.query('SELECT event_id FROM handled_events');",
    '    expect(rows.rows).toEqual([{ event_id: event.id }]);',
    "    expect((await request(app).get('/metrics')).text).toMatch(",
    `      /events_processed_total\\{consumer="${p.n.name}",service="${p.n.name}"\\} 2/,`,
    '    );',
    '  });',
    '',
    "  it('is ready while PostgreSQL and NATS answer', async () => {",
    "    const res = await request(service.app).get('/readyz');",
    '    expect(res.status).toBe(200);',
    "    expect(res.body.checks).toEqual({ postgres: 'ok', nats: 'ok' });",
    '  });',
    '});',
  );
}

export function testModule(p: Parts): string {
  if (p.consumes !== undefined) return consumer(p, p.consumes);
  return p.database ? databaseOwner(p) : withoutDatabase(p);
}
