/**
 * The files of a new service workspace, in the house pattern of services/users (a database
 * owner), services/notifications (a consumer) and services/storefront (a caller): createApp
 * without side effects, server.ts the only place that reads env, a config schema the manifests'
 * env is checked against, one router module, a test against real PostgreSQL and NATS.
 */
import { EVENT_CONTRACTS, type EventContract } from './event-contracts.js';
import { namesOf, type ServiceNames } from './names.js';
import type { NewServiceOptions } from './options.js';

/** Exact versions of the libraries every service uses, taken from the runtime's package.json. */
export type LibraryVersions = Readonly<Record<'express' | 'zod' | 'pg', string>>;

interface Parts {
  readonly n: ServiceNames;
  readonly database: boolean;
  readonly contract: EventContract | undefined;
  readonly callees: readonly ServiceNames[];
}

const lines = (...parts: (string | false | undefined)[]): string =>
  `${parts.filter((p): p is string => typeof p === 'string').join('\n')}\n`;

/** `{ a, b }` import list, sorted the way the house writes them (values, then types). */
const importList = (names: readonly string[]): string => {
  const values = names.filter((n) => !n.startsWith('type ')).sort((a, b) => a.localeCompare(b));
  const types = names.filter((n) => n.startsWith('type ')).sort((a, b) => a.localeCompare(b));
  return `{ ${[...values, ...types].join(', ')} }`;
};

function packageJson(p: Parts, versions: LibraryVersions): string {
  const owns = p.database ? `; owns the ${p.n.snake} database` : '';
  const consumes = p.contract === undefined ? '' : `; consumes ${consumedSubject(p)}`;
  return `${JSON.stringify(
    {
      name: `@mesh-kit/${p.n.name}`,
      version: '0.1.0',
      private: true,
      type: 'module',
      description: `The ${p.n.name} service${consumes}${owns}.`,
      exports: { './config': { types: './dist/config.d.ts', default: './dist/config.js' } },
      scripts: { start: 'node dist/server.js' },
      dependencies: {
        '@mesh-kit/runtime': '0.1.0',
        zod: versions.zod,
        express: versions.express,
        ...(p.database ? { pg: versions.pg } : {}),
      },
    },
    null,
    2,
  )}\n`;
}

const consumedSubject = (p: Parts): string =>
  Object.entries(EVENT_CONTRACTS).find(([, contract]) => contract === p.contract)?.[0] ?? '';

const tsconfig = (): string =>
  `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
      references: [{ path: '../runtime' }],
    },
    null,
    2,
  )}\n`;

function config(p: Parts): string {
  const imports = ['baseConfigSchema'];
  const extra: string[] = [];
  if (p.database) {
    imports.push('databaseConfigSchema');
    extra.push(
      "  // DATABASE_URL and the pool's limits: see databaseConfigSchema.",
      '  ...databaseConfigSchema.shape,',
    );
  }
  if (p.contract !== undefined) {
    imports.push('consumerPolicyConfigSchema', 'natsUrl');
    extra.push('  NATS_URL: natsUrl,');
  }
  if (p.callees.length > 0) imports.push('serviceUrl');
  for (const callee of p.callees) extra.push(`  ${urlVariable(callee)}: serviceUrl,`);
  const base =
    p.contract === undefined ? 'baseConfigSchema' : 'baseConfigSchema.extend(consumerPolicyConfigSchema.shape)';
  return lines(
    `import ${importList(imports)} from '@mesh-kit/runtime';`,
    '',
    `/** The environment ${p.n.name} reads at start-up; the manifests' env is checked against it. */`,
    extra.length === 0 ? `export const configSchema = ${base};` : `export const configSchema = ${base}.extend({`,
    ...extra,
    extra.length > 0 && '});',
  );
}

const urlVariable = (callee: ServiceNames): string => `${callee.snake.toUpperCase()}_URL`;

function app(p: Parts): string {
  const runtime = ['createServiceApp', 'type Lifecycle', 'type Logger', 'type ServiceApp'];
  if (p.database) runtime.push('postgresCheck', 'type ReadinessCheck');
  if (p.contract !== undefined) runtime.push('type ServiceMetrics');
  if (p.callees.length > 0) runtime.push('ServiceClient');
  const deps = [
    p.database && '  readonly pool: pg.Pool;',
    '  readonly logger: Logger;',
    ...p.callees.map((c) => `  /** Base URL of ${c.name} (${urlVariable(c)}). */\n  readonly ${c.camel}Url: string;`),
    p.database && "  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */",
    p.database && '  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;',
    '  readonly lifecycle?: Lifecycle;',
    p.contract !== undefined && '  /** Shared with the event consumer, so /metrics shows its counters. */',
    p.contract !== undefined && '  readonly metrics?: ServiceMetrics;',
    '  readonly bodyLimit?: string;',
  ];
  const routeDeps = [
    p.database && `store: new ${p.n.pascal}Store(deps.pool)`,
    p.callees.length > 0 &&
      `clients: { ${p.callees.map((c) => `${c.camel}: new ServiceClient('${c.name}', deps.${c.camel}Url)`).join(', ')} }`,
  ].filter((x): x is string => typeof x === 'string');
  return lines(
    p.database && "import type pg from 'pg';",
    `import ${importList(runtime)} from '@mesh-kit/runtime';`,
    `import { ${p.n.camel}Router } from './routes/${p.n.name}.js';`,
    p.database && `import { ${p.n.pascal}Store } from './${p.n.name}-store.js';`,
    '',
    `export interface ${p.n.pascal}Deps {`,
    ...deps,
    '}',
    '',
    `export function createApp(deps: ${p.n.pascal}Deps): ServiceApp {`,
    `  return createServiceApp('${p.n.name}', {`,
    '    logger: deps.logger,',
    `    routes: ${p.n.camel}Router(${routeDeps.length === 0 ? '' : `{ ${routeDeps.join(', ')} }`}),`,
    p.database && '    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },',
    '    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),',
    p.contract !== undefined && '    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),',
    '    ...(deps.bodyLimit === undefined ? {} : { bodyLimit: deps.bodyLimit }),',
    '  });',
    '}',
  );
}

function routes(p: Parts): string {
  const runtime = p.database ? ['HttpProblem', 'parseInput'] : ['requireUserId'];
  if (p.callees.length > 0) runtime.push('type ServiceClient');
  const deps = [
    p.database && `  readonly store: ${p.n.pascal}Store;`,
    p.callees.length > 0 &&
      `  /** The services ${p.n.name} calls (its catalog \`calls\`). A route that calls one lists the call on its catalog route. */`,
    p.callees.length > 0 &&
      `  readonly clients: { ${p.callees.map((c) => `readonly ${c.camel}: ServiceClient`).join('; ')} };`,
  ];
  const handlers = p.database
    ? [
        `  router.post('/${p.n.name}', async (req, res) => {`,
        '    const { name } = parseInput(newItem, req.body);',
        '    const item = await deps.store.create(name);',
        `    res.status(201).location(\`/${p.n.name}/\${item.id}\`).json(item);`,
        '  });',
        '',
        `  router.get('/${p.n.name}/:id', async (req, res) => {`,
        '    const { id } = parseInput(itemId, req.params);',
        '    const item = await deps.store.find(id);',
        '    if (item === undefined) throw new HttpProblem(404, `No item ${id}.`);',
        '    res.json(item);',
        '  });',
      ]
    : [`  router.get('/${p.n.name}', (req, res) => {`, '    res.json({ userId: requireUserId(req) });', '  });'];
  const hasDeps = p.database || p.callees.length > 0;
  const parameter = hasDeps ? `${p.database ? '' : '_'}deps: ${p.n.pascal}RoutesDeps` : '';
  return lines(
    "import { Router } from 'express';",
    p.database && "import { z } from 'zod';",
    `import ${importList(runtime)} from '@mesh-kit/runtime';`,
    p.database && `import type { ${p.n.pascal}Store } from '../${p.n.name}-store.js';`,
    '',
    p.database && 'const newItem = z.strictObject({ name: z.string().trim().min(1).max(200) });',
    p.database && 'const itemId = z.strictObject({ id: z.uuid() });',
    p.database && '',
    hasDeps && `export interface ${p.n.pascal}RoutesDeps {`,
    ...(hasDeps ? deps : []),
    hasDeps && '}',
    hasDeps && '',
    `export function ${p.n.camel}Router(${parameter}): Router {`,
    '  const router = Router();',
    ...handlers,
    '  return router;',
    '}',
  );
}

function store(p: Parts): string {
  return lines(
    "import { randomUUID } from 'node:crypto';",
    "import type pg from 'pg';",
    '',
    'export interface Item {',
    '  readonly id: string;',
    '  readonly name: string;',
    '}',
    '',
    `/** ${p.n.name}'s data, in its own database (migrations/). */`,
    `export class ${p.n.pascal}Store {`,
    '  constructor(private readonly pool: pg.Pool) {}',
    '',
    '  async create(name: string): Promise<Item> {',
    "    const result = await this.pool.query<Item>('INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id, name', [",
    '      randomUUID(),',
    '      name,',
    '    ]);',
    '    return result.rows[0]!;',
    '  }',
    '',
    '  async find(id: string): Promise<Item | undefined> {',
    "    const result = await this.pool.query<Item>('SELECT id, name FROM items WHERE id = $1', [id]);",
    '    return result.rows[0];',
    '  }',
    p.contract !== undefined && '',
    p.contract !== undefined &&
      '  /** Records a handled event; false when it was handled before (JetStream delivers at least once). */',
    p.contract !== undefined &&
      '  async recordEvent(id: string, type: string, traceId: string | undefined): Promise<boolean> {',
    p.contract !== undefined && '    const result = await this.pool.query(',
    p.contract !== undefined &&
      "      'INSERT INTO handled_events (event_id, type, trace_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',",
    p.contract !== undefined && '      [id, type, traceId ?? null],',
    p.contract !== undefined && '    );',
    p.contract !== undefined && '    return result.rowCount === 1;',
    p.contract !== undefined && '  }',
    '}',
  );
}

function migration(p: Parts): string {
  return lines(
    '-- Up Migration',
    'CREATE TABLE items (',
    '  id uuid PRIMARY KEY,',
    '  name text NOT NULL,',
    '  created_at timestamptz NOT NULL DEFAULT now()',
    ');',
    p.contract !== undefined && '-- One row per event handled: a redelivered event finds its row and changes nothing.',
    p.contract !== undefined && 'CREATE TABLE handled_events (',
    p.contract !== undefined && '  event_id uuid PRIMARY KEY,',
    p.contract !== undefined && '  type text NOT NULL,',
    p.contract !== undefined && '  trace_id text,',
    p.contract !== undefined && '  handled_at timestamptz NOT NULL DEFAULT now()',
    p.contract !== undefined && ');',
    '',
    '-- Down Migration',
    p.contract !== undefined && 'DROP TABLE handled_events;',
    'DROP TABLE items;',
  );
}

const consumerFunction = (c: EventContract): string => `consume${namesOf(c.slug).pascal}`;

function consumer(p: Parts, c: EventContract, subject: string): string {
  return lines(
    `import ${importList([
      'eventMetrics',
      c.subjectConstant,
      c.schema,
      'startConsumer',
      'wireSubject',
      'type ConsumerPolicy',
      'type EventsConnection',
      'type EventTopology',
      'type Logger',
      'type RunningConsumer',
      'type ServiceMetrics',
    ])} from '@mesh-kit/runtime';`,
    `import type { ${p.n.pascal}Store } from './${p.n.name}-store.js';`,
    '',
    `export const DURABLE = '${p.n.name}';`,
    '',
    `/** ${p.n.name}'s durable consumer of ${subject}: each event handled once, however often it is delivered. */`,
    `export function ${consumerFunction(c)}(deps: {`,
    '  readonly events: EventsConnection;',
    '  readonly topology: EventTopology;',
    '  readonly policy: ConsumerPolicy;',
    `  readonly store: ${p.n.pascal}Store;`,
    '  readonly logger: Logger;',
    '  readonly metrics: ServiceMetrics;',
    '}): Promise<RunningConsumer> {',
    '  const { store, logger } = deps;',
    '  return startConsumer({',
    '    events: deps.events,',
    '    topology: deps.topology,',
    '    durable: DURABLE,',
    `    filterSubject: wireSubject(deps.topology, ${c.subjectConstant}),`,
    `    schema: ${c.schema},`,
    '    policy: deps.policy,',
    '    logger,',
    '    metrics: eventMetrics(deps.metrics.registry),',
    '    async handle(event, delivery) {',
    '      const first = await store.recordEvent(event.id, event.type, delivery.traceId);',
    "      logger.info({ eventId: event.id, first }, first ? 'event handled' : 'event handled before; redelivery ignored');",
    '    },',
    '  });',
    '}',
  );
}

function server(p: Parts): string {
  const urls = p.callees.map((c) => `${c.camel}Url: config.${urlVariable(c)}`);
  if (p.contract !== undefined) {
    const c = p.contract;
    return lines(
      "import { fileURLToPath } from 'node:url';",
      `import ${importList(['consumerPolicyFromConfig', c.topologyFromConfig, 'runService', 'startConsumerService'])} from '@mesh-kit/runtime';`,
      "import { createApp } from './app.js';",
      "import { configSchema } from './config.js';",
      `import { ${consumerFunction(c)} } from './${c.slug}-consumer.js';`,
      `import { ${p.n.pascal}Store } from './${p.n.name}-store.js';`,
      '',
      'await runService({',
      `  name: '${p.n.name}',`,
      '  configSchema,',
      '  // Serves at once; not ready until PostgreSQL and NATS are there and its consumer runs.',
      '  start: async (config, logger) =>',
      '    startConsumerService({',
      `      name: '${p.n.name}',`,
      '      config,',
      '      logger,',
      "      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),",
      `      consumer: 'the ${consumedSubject(p)} consumer',`,
      '      consume: ({ events, pool, metrics }) =>',
      `        ${consumerFunction(c)}({`,
      '          events,',
      `          topology: ${c.topologyFromConfig}(config),`,
      '          policy: consumerPolicyFromConfig(config),',
      `          store: new ${p.n.pascal}Store(pool),`,
      '          logger,',
      '          metrics,',
      '        }),',
      urls.length === 0 ? '      createApp,' : `      createApp: (deps) => createApp({ ...deps, ${urls.join(', ')} }),`,
      '    }),',
      '});',
    );
  }
  if (p.database) {
    return lines(
      "import { fileURLToPath } from 'node:url';",
      "import { Lifecycle, openDatabase, runService } from '@mesh-kit/runtime';",
      "import { createApp } from './app.js';",
      "import { configSchema } from './config.js';",
      '',
      'await runService({',
      `  name: '${p.n.name}',`,
      '  configSchema,',
      '  async start(config, logger) {',
      '    // Serves at once; /readyz stays 503 until PostgreSQL answers and the migrations are applied.',
      '    const database = openDatabase(config, {',
      "      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),",
      '      logger,',
      '    });',
      '    const lifecycle = new Lifecycle();',
      '    lifecycle.startingUntil(database.migrated);',
      '    const { app } = createApp({',
      '      pool: database.pool,',
      '      logger,',
      ...urls.map((u) => `      ${u},`),
      '      lifecycle,',
      '      bodyLimit: config.BODY_LIMIT,',
      '      readiness: { postgres: database.readiness },',
      '    });',
      '    return { app, lifecycle, close: () => database.close() };',
      '  },',
      '});',
    );
  }
  return lines(
    "import { runService } from '@mesh-kit/runtime';",
    "import { createApp } from './app.js';",
    "import { configSchema } from './config.js';",
    '',
    'await runService({',
    `  name: '${p.n.name}',`,
    '  configSchema,',
    '  async start(config, logger) {',
    `    return createApp({ logger, ${[...urls, 'bodyLimit: config.BODY_LIMIT'].join(', ')} });`,
    '  },',
    '});',
  );
}

/** An address that refuses connections: the generated tests make no calls to other services. */
const NO_SERVICE = "'http://127.0.0.1:9'";

function test(p: Parts): string {
  const urls = p.callees.map((c) => `${c.camel}Url: ${NO_SERVICE}`);
  const c = p.contract;
  if (!p.database) {
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
  const runtime = ['migrate'];
  if (c !== undefined) {
    runtime.push(
      'connectEvents',
      'createMetrics',
      c.factory,
      'namespacedTopology',
      c.subjectConstant,
      c.topology,
      'wireSubject',
      'type EventsConnection',
      'type RunningConsumer',
    );
  }
  const appDeps = ['pool', 'logger: silentLogger()', ...urls];
  if (c !== undefined) appDeps.push('metrics', 'readiness: { nats: events.readiness }');
  return lines(
    c !== undefined ? "import { randomBytes, randomUUID } from 'node:crypto';" : undefined,
    "import { fileURLToPath } from 'node:url';",
    "import pg from 'pg';",
    "import request from 'supertest';",
    `import { afterAll, beforeAll, describe, expect, ${c !== undefined ? 'inject, ' : ''}it } from 'vitest';`,
    `import ${importList(runtime)} from '@mesh-kit/runtime';`,
    "import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';",
    "import { silentLogger } from '../../../test-support/silent-logger.js';",
    "import { createApp } from '../src/app.js';",
    c !== undefined && `import { ${consumerFunction(c)} } from '../src/${c.slug}-consumer.js';`,
    c !== undefined && `import { ${p.n.pascal}Store } from '../src/${p.n.name}-store.js';`,
    '',
    "const migrations = fileURLToPath(new URL('../migrations', import.meta.url));",
    c !== undefined && `const topology = namespacedTopology(${c.topology}, \`t\${randomBytes(3).toString('hex')}\`);`,
    'let db: TestDatabase;',
    'let pool: pg.Pool;',
    "let app: ReturnType<typeof createApp>['app'];",
    c !== undefined && 'let events: EventsConnection;',
    c !== undefined && 'let consumer: RunningConsumer;',
    '',
    'beforeAll(async () => {',
    `  db = await createTestDatabase('${p.n.snake}');`,
    '  await migrate(db.url, migrations, silentLogger());',
    '  pool = new pg.Pool({ connectionString: db.url });',
    c !== undefined && `  events = await connectEvents(inject('backing').natsUrl, '${p.n.name}-test', silentLogger());`,
    c !== undefined && `  const metrics = createMetrics('${p.n.name}');`,
    `  app = createApp({ ${appDeps.join(', ')} }).app;`,
    c !== undefined && `  consumer = await ${consumerFunction(c)}({`,
    c !== undefined && '    events,',
    c !== undefined && '    topology,',
    // The first delay is also JetStream's ack wait: long enough that a slow handler is not redelivered here.
    c !== undefined && '    policy: { maxDeliver: 3, redeliveryDelaysMs: [5_000, 5_000] },',
    c !== undefined && `    store: new ${p.n.pascal}Store(pool),`,
    c !== undefined && '    logger: silentLogger(),',
    c !== undefined && '    metrics,',
    c !== undefined && '  });',
    '});',
    '',
    'afterAll(async () => {',
    c !== undefined && '  await consumer.stop();',
    c !== undefined && '  await events.jsm.streams.delete(topology.stream).catch(() => undefined);',
    c !== undefined && '  await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);',
    c !== undefined && '  await events.close();',
    '  await pool.end();',
    '  await db.drop();',
    '});',
    '',
    `describe('${p.n.name}', () => {`,
    "  it('creates an item and reads it back', async () => {",
    `    const created = await request(app).post('/${p.n.name}').send({ name: 'first' });`,
    '    expect(created.status).toBe(201);',
    "    expect(created.body).toEqual({ id: expect.any(String), name: 'first' });",
    `    expect(created.headers.location).toBe(\`/${p.n.name}/\${created.body.id}\`);`,
    `    const read = await request(app).get(\`/${p.n.name}/\${created.body.id}\`);`,
    '    expect(read.status).toBe(200);',
    '    expect(read.body).toEqual(created.body);',
    '  });',
    '',
    "  it('answers 400 naming the field on bad input, and 404 problem+json for an unknown id', async () => {",
    `    const bad = await request(app).post('/${p.n.name}').send({ name: '', extra: 1 });`,
    '    expect(bad.status).toBe(400);',
    "    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['extra', 'name']);",
    `    const missing = await request(app).get('/${p.n.name}/7f1d3c8e-7a9b-4c31-9d2e-2f0a6b8c1d23');`,
    '    expect(missing.status).toBe(404);',
    "    expect(missing.headers['content-type']).toMatch(/^application\\/problem\\+json/);",
    '  });',
    c !== undefined && '',
    c !== undefined &&
      `  it('handles each ${consumedSubject(p)} event once, however often it is delivered', async () => {`,
    c !== undefined && `    const event = ${c.factory}(${c.exampleBody});`,
    c !== undefined && `    const subject = wireSubject(topology, ${c.subjectConstant});`,
    c !== undefined &&
      '    // Two copies past the duplicate window, as a re-publish after a long outage would send them.',
    c !== undefined && '    for (const copy of [1, 2]) {',
    c !== undefined &&
      '      await events.js.publish(subject, JSON.stringify(event), { msgID: `${event.id}-${copy}` });',
    c !== undefined && '    }',
    c !== undefined && '    const until = Date.now() + 10_000;',
    c !== undefined &&
      `    while (!/events_processed_total\\{consumer="${p.n.name}",service="${p.n.name}"\\} [2-9]/.test((await request(app).get('/metrics')).text)) {`,
    c !== undefined && "      if (Date.now() > until) throw new Error('the consumer did not handle both copies');",
    c !== undefined && '      await new Promise((resolve) => setTimeout(resolve, 25));',
    c !== undefined && '    }',
    c !== undefined && "    const rows = await pool.query('SELECT event_id FROM handled_events');",
    c !== undefined && '    expect(rows.rows).toEqual([{ event_id: event.id }]);',
    c !== undefined && '  });',
    '',
    `  it('is ready while PostgreSQL${c !== undefined ? ' and NATS answer' : ' answers'}', async () => {`,
    "    const res = await request(app).get('/readyz');",
    '    expect(res.status).toBe(200);',
    `    expect(res.body.checks).toEqual({ postgres: 'ok'${c !== undefined ? ", nats: 'ok'" : ''} });`,
    '  });',
    '});',
  );
}

/** Every file of the new workspace, by path relative to the repository root (not yet formatted). */
export function workspaceFiles(options: NewServiceOptions, versions: LibraryVersions): Map<string, string> {
  const n = namesOf(options.name);
  const contract = options.consumes === undefined ? undefined : EVENT_CONTRACTS[options.consumes];
  const p: Parts = { n, database: options.database, contract, callees: options.calls.map(namesOf) };
  const dir = `services/${n.name}`;
  const files = new Map<string, string>([
    [`${dir}/package.json`, packageJson(p, versions)],
    [`${dir}/tsconfig.json`, tsconfig()],
    [`${dir}/src/config.ts`, config(p)],
    [`${dir}/src/app.ts`, app(p)],
    [`${dir}/src/routes/${n.name}.ts`, routes(p)],
    [`${dir}/src/server.ts`, server(p)],
    [`${dir}/test/${n.name}.test.ts`, test(p)],
  ]);
  if (p.database) {
    files.set(`${dir}/src/${n.name}-store.ts`, store(p));
    files.set(`${dir}/migrations/001_${n.snake}.sql`, migration(p));
  }
  if (contract !== undefined && options.consumes !== undefined) {
    files.set(`${dir}/src/${contract.slug}-consumer.ts`, consumer(p, contract, options.consumes));
  }
  return files;
}
