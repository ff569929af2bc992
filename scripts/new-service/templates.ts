/**
 * The files of a new service workspace, in the house pattern of services/users (a database
 * owner), services/notifications (a consumer) and services/storefront (a caller): createApp
 * without side effects, server.ts the only place that reads env, a config schema the manifests'
 * env is checked against, one router module, a test against real PostgreSQL and NATS.
 */
import { consumerServer, handlerModule, serviceModule } from './consumer-templates.js';
import { EVENT_CONTRACTS } from './event-contracts.js';
import { namesOf } from './names.js';
import type { NewServiceOptions } from './options.js';
import { clientsLiteral, handlerOf, importList, lines, urlVariable, type Parts } from './parts.js';
import { testModule } from './test-template.js';

/** Exact versions of the libraries every service uses, taken from the runtime's package.json. */
export type LibraryVersions = Readonly<Record<'express' | 'zod' | 'pg', string>>;

function packageJson(p: Parts, versions: LibraryVersions): string {
  const owns = p.database ? `; owns the ${p.n.snake} database` : '';
  const consumes = p.consumes === undefined ? '' : `; consumes ${p.consumes.subject}`;
  return `${JSON.stringify(
    {
      name: `@mesh-kit/${p.n.name}`,
      version: '0.1.0',
      private: true,
      type: 'module',
      description: `The ${p.n.name} service${consumes}${owns}.`,
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

/** Builds src only: the image has no tests, and the root tsconfig type-checks test/. */
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
  const urls = p.callees.map((c) => `  ${urlVariable(c)}: serviceUrl,`);
  if (p.consumes !== undefined) {
    if (urls.length === 0) {
      return lines(
        `/** The environment ${p.n.name} reads at start-up (every consumer service's); the manifests' env is checked against it. */`,
        "export { consumerServiceConfigSchema as configSchema } from '@mesh-kit/runtime';",
      );
    }
    return lines(
      "import { consumerServiceConfigSchema, serviceUrl } from '@mesh-kit/runtime';",
      '',
      `/** The environment ${p.n.name} reads at start-up (every consumer service's, and its callees' URLs); the manifests' env is checked against it. */`,
      'export const configSchema = consumerServiceConfigSchema.extend({',
      ...urls,
      '});',
    );
  }
  const extra = [
    ...(p.database
      ? ["  // DATABASE_URL and the pool's limits: see databaseConfigSchema.", '  ...databaseConfigSchema.shape,']
      : []),
    ...urls,
  ];
  const imports = ['baseConfigSchema', p.database && 'databaseConfigSchema', urls.length > 0 && 'serviceUrl'];
  return lines(
    `import ${importList(imports)} from '@mesh-kit/runtime';`,
    '',
    `/** The environment ${p.n.name} reads at start-up; the manifests' env is checked against it. */`,
    extra.length === 0
      ? 'export const configSchema = baseConfigSchema;'
      : 'export const configSchema = baseConfigSchema.extend({',
    ...extra,
    extra.length > 0 && '});',
  );
}

/** app.ts of a service that is not a consumer (a consumer's app is the runtime's createConsumerApp). */
function app(p: Parts): string {
  const calls = p.callees.length > 0;
  const runtime = [
    'createServiceApp',
    p.database && 'postgresCheck',
    calls && 'ServiceClient',
    'type Lifecycle',
    'type Logger',
    p.database && 'type ReadinessCheck',
    'type ServiceApp',
  ];
  const routeDeps = [
    p.database && `store: new ${p.n.pascal}Store(deps.pool)`,
    calls && `clients: ${clientsLiteral(p, 'deps')}`,
  ].filter((x): x is string => typeof x === 'string');
  return lines(
    p.database && "import type pg from 'pg';",
    `import ${importList(runtime)} from '@mesh-kit/runtime';`,
    `import { ${p.n.camel}Router } from './routes/${p.n.name}.js';`,
    p.database && `import { ${p.n.pascal}Store } from './${p.n.name}-store.js';`,
    '',
    `export interface ${p.n.pascal}Deps {`,
    p.database && '  readonly pool: pg.Pool;',
    '  readonly logger: Logger;',
    ...p.callees.map((c) => `  /** Base URL of ${c.name} (${urlVariable(c)}). */\n  readonly ${c.camel}Url: string;`),
    '  readonly lifecycle?: Lifecycle;',
    p.database && "  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */",
    p.database && '  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;',
    '}',
    '',
    `export function createApp(deps: ${p.n.pascal}Deps): ServiceApp {`,
    `  return createServiceApp('${p.n.name}', {`,
    '    logger: deps.logger,',
    `    routes: ${p.n.camel}Router(${routeDeps.length === 0 ? '' : `{ ${routeDeps.join(', ')} }`}),`,
    p.database && '    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },',
    '    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),',
    '  });',
    '}',
  );
}

function routes(p: Parts): string {
  const calls = p.callees.length > 0;
  const runtime = p.database ? ['HttpProblem', 'parseInput'] : ['requireUserId'];
  if (calls) runtime.push('type ServiceClient');
  const deps = [
    p.database && `  readonly store: ${p.n.pascal}Store;`,
    calls &&
      `  /** The services ${p.n.name} calls (its catalog \`calls\`). A route that calls one lists the call on its catalog route. */`,
    calls && `  readonly clients: { ${p.callees.map((c) => `readonly ${c.camel}: ServiceClient`).join('; ')} };`,
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
  const hasDeps = p.database || calls;
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
    '',
    ...handlers,
    '',
    '  return router;',
    '}',
  );
}

function store(p: Parts): string {
  const consumer = p.consumes !== undefined;
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
    consumer && '',
    consumer &&
      '  /** Records a handled event; false when it was handled before (JetStream delivers at least once). */',
    consumer && '  async recordEvent(id: string, type: string, traceId: string | undefined): Promise<boolean> {',
    consumer && '    const result = await this.pool.query(',
    consumer &&
      "      'INSERT INTO handled_events (event_id, type, trace_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',",
    consumer && '      [id, type, traceId ?? null],',
    consumer && '    );',
    consumer && '    return result.rowCount === 1;',
    consumer && '  }',
    '}',
  );
}

function migration(p: Parts): string {
  const consumer = p.consumes !== undefined;
  return lines(
    '-- Up Migration',
    'CREATE TABLE items (',
    '  id uuid PRIMARY KEY,',
    '  name text NOT NULL,',
    '  created_at timestamptz NOT NULL DEFAULT now()',
    ');',
    consumer && '-- One row per event handled: a redelivered event finds its row and changes nothing.',
    consumer && 'CREATE TABLE handled_events (',
    consumer && '  event_id uuid PRIMARY KEY,',
    consumer && '  type text NOT NULL,',
    consumer && '  trace_id text,',
    consumer && '  handled_at timestamptz NOT NULL DEFAULT now()',
    consumer && ');',
    '',
    '-- Down Migration',
    consumer && 'DROP TABLE handled_events;',
    'DROP TABLE items;',
  );
}

/** server.ts of a service that is not a consumer: runDatabaseService when it owns a database, else runService. */
function server(p: Parts): string {
  const urls = p.callees.map((c) => `${c.camel}Url: config.${urlVariable(c)}`);
  if (p.database) {
    const createApp =
      urls.length === 0
        ? '  createApp,'
        : `  createApp: ({ config, ...deps }) => createApp({ ...deps, ${urls.join(', ')} }),`;
    return lines(
      "import { fileURLToPath } from 'node:url';",
      "import { runDatabaseService } from '@mesh-kit/runtime';",
      "import { createApp } from './app.js';",
      "import { configSchema } from './config.js';",
      '',
      '// Serves at once; /readyz stays 503 until PostgreSQL answers and the migrations are applied.',
      'await runDatabaseService({',
      `  name: '${p.n.name}',`,
      '  configSchema,',
      "  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),",
      createApp,
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
    `    return createApp({ ${['logger', ...urls].join(', ')} });`,
    '  },',
    '});',
  );
}

/** Every file of the new workspace, by path relative to the repository root (not yet formatted). */
export function workspaceFiles(options: NewServiceOptions, versions: LibraryVersions): Map<string, string> {
  const n = namesOf(options.name);
  const names = options.consumes === undefined ? undefined : EVENT_CONTRACTS[options.consumes];
  const consumes =
    options.consumes === undefined || names === undefined ? undefined : { subject: options.consumes, names };
  const p: Parts = {
    n,
    database: options.database || consumes !== undefined,
    consumes,
    callees: options.calls.map(namesOf),
  };
  const dir = `services/${n.name}`;
  const files = new Map<string, string>([
    [`${dir}/package.json`, packageJson(p, versions)],
    [`${dir}/tsconfig.json`, tsconfig()],
    [`${dir}/src/config.ts`, config(p)],
    [`${dir}/src/routes/${n.name}.ts`, routes(p)],
    [`${dir}/test/${n.name}.test.ts`, testModule(p)],
  ]);
  if (consumes === undefined) {
    files.set(`${dir}/src/app.ts`, app(p));
    files.set(`${dir}/src/server.ts`, server(p));
  } else {
    files.set(`${dir}/src/service.ts`, serviceModule(p, consumes));
    files.set(`${dir}/src/${handlerOf(consumes.names).file}.ts`, handlerModule(p, consumes));
    files.set(`${dir}/src/server.ts`, consumerServer(p));
  }
  if (p.database) {
    files.set(`${dir}/src/${n.name}-store.ts`, store(p));
    files.set(`${dir}/migrations/001_${n.snake}.sql`, migration(p));
  }
  return files;
}
