import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog, type Catalog } from '../infra/cdk8s/src/catalog.js';
import { catalogEntry, insertCatalogEntry } from '../scripts/new-service/catalog-entry.js';
import { parseNewServiceArgs, type NewServiceOptions } from '../scripts/new-service/options.js';
import { workspaceFiles } from '../scripts/new-service/templates.js';
import { withReference } from '../scripts/new-service.js';
import { workingCopy, type WorkingCopy } from './support/working-copy.js';

const versions = { express: '5.3.0', zod: '4.6.7', pg: '8.23.1' };
const options = (argv: string[]): NewServiceOptions => parseNewServiceArgs(argv, catalog);
const files = (argv: string[]): string[] =>
  [...workspaceFiles(options(argv), versions).keys()].map((path) => path.replace(/^services\/[^/]+\//, '')).sort();

describe('npm run new-service: its arguments', () => {
  it.each([
    [[], /^<name>: give exactly one service name, got 0/],
    [['a', 'b'], /^<name>: give exactly one service name, got 2/],
    [['Gifts'], /^<name>: 'Gifts' must be a DNS label/],
    [['users'], /^<name>: the catalog already has a service named 'users'/],
    [['runtime'], /^<name>: 'runtime' is reserved/],
    [
      ['gifts', '--consumes', 'gifts.sent'],
      /^--consumes: no catalog service publishes 'gifts.sent' \(published: orders.placed\)/,
    ],
    [['gifts', '--consumes'], /Option '--consumes <value>' argument missing/],
    [['gifts', '--calls', 'nobody'], /^--calls: no service named 'nobody' in the catalog \(services: users, /],
    [['gifts', '--calls', 'loadgen'], /^--calls: 'loadgen' serves no routes to call/],
    [['gifts', '--calls', 'users', '--calls', 'users'], /^--calls: 'users' is given twice/],
    [['gifts', '--databse'], /Unknown option '--databse'/],
  ])('%j is refused, naming the argument', (argv, message) => {
    expect(() => options(argv)).toThrow(message);
  });

  it('a consumer owns a database: it records the events it handled', () => {
    expect(options(['gifts', '--consumes', 'orders.placed'])).toEqual({
      name: 'gifts',
      database: true,
      consumes: 'orders.placed',
      calls: [],
    });
  });
});

describe('npm run new-service: what it writes', () => {
  it('a service without a database: no store, no migrations', () => {
    expect(files(['gifts', '--calls', 'users'])).toEqual([
      'package.json',
      'src/app.ts',
      'src/config.ts',
      'src/routes/gifts.ts',
      'src/server.ts',
      'test/gifts.test.ts',
      'tsconfig.json',
    ]);
    const written = workspaceFiles(options(['gifts', '--calls', 'users']), versions);
    expect(written.get('services/gifts/src/config.ts')).toContain('USERS_URL: serviceUrl');
    expect(JSON.parse(written.get('services/gifts/package.json')!).dependencies).toEqual({
      '@mesh-kit/runtime': '0.1.0',
      zod: '4.6.7',
      express: '5.3.0',
    });
  });

  it('products as its engineer added it by hand: a database owner with its migration and store', () => {
    expect(files(['products', '--database'])).toEqual([
      'migrations/001_products.sql',
      'package.json',
      'src/app.ts',
      'src/config.ts',
      'src/products-store.ts',
      'src/routes/products.ts',
      'src/server.ts',
      'test/products.test.ts',
      'tsconfig.json',
    ]);
  });

  it('a consumer gets its consumer module and a table of handled events', () => {
    const written = workspaceFiles(options(['gifts', '--consumes', 'orders.placed']), versions);
    expect(written.get('services/gifts/src/order-placed-consumer.ts')).toContain('schema: orderPlacedEventSchema');
    expect(written.get('services/gifts/migrations/001_gifts.sql')).toContain('CREATE TABLE handled_events');
    expect(written.get('services/gifts/src/server.ts')).toContain('startConsumerService({');
  });

  it('the catalog entry takes the next port, a database, the callee routes and a gateway route', () => {
    const entry = catalogEntry(options(['gift-cards', '--database', '--calls', 'orders']), catalog, new Set());
    const maxPort = Math.max(...catalog.services.map((s) => s.port));
    expect(entry).toContain(`port: ${maxPort + 1},`);
    expect(entry).toContain("database: 'gift_cards',");
    expect(entry).toContain("calls: [{ service: 'orders', methods: ['GET'], paths: ['/orders', '/orders/:id'] }],");
    expect(entry).toContain("gateway: [{ prefix: '/api/gift-cards', rewrite: '/gift-cards' }],");
    // Without the catalog's helpers in scope, literals stand in for them.
    expect(entry).toContain('resources: { cpuRequestMilli: 50,');
    expect(entry).not.toContain('readRoute(');
  });

  it('inserts the entry as the last service, whatever the formatting and with or without a trailing comma', () => {
    const empty: Catalog = { ...catalog, services: [] };
    const text = (services: string): string =>
      `const small = {};\nconst readRoute = (p: string) => p;\nexport const catalog: Catalog = {\n  namespace: 'shop',\n  services: [${services}],\n  version: 'v1',\n};\n`;
    const gifts = options(['gifts']);
    const once = insertCatalogEntry(text("\n    { name: 'a' }\n  "), gifts, empty);
    expect(once).toMatch(/\{ name: 'a' \},\n\{\nname: 'gifts',[^]*gateway: [^\n]*\n\},\n {2}\],\n {2}version: 'v1',/);
    expect(once).toContain("routes: [readRoute('/gifts')],");
    expect(once).toContain('resources: small,');
    const trailing = insertCatalogEntry(text("{ name: 'a' },"), gifts, empty);
    expect(trailing).toMatch(/\{ name: 'a' \},\n\{\nname: 'gifts',[^]*\n\},\],/);
    expect(insertCatalogEntry(text(''), gifts, empty)).toMatch(/services: \[\{\nname: 'gifts',/);
    expect(() => insertCatalogEntry('export const other = {};', gifts, empty)).toThrow(
      /found no `export const catalog/,
    );
  });

  it('adds the workspace to the root tsconfig references once', () => {
    const once = withReference('{ "files": [], "references": [{ "path": "services/users" }] }', 'services/gifts');
    expect(JSON.parse(once).references).toEqual([{ path: 'services/users' }, { path: 'services/gifts' }]);
    expect(withReference(once, 'services/gifts')).toBe(once);
  });
});

// One command in a copy of the repository, then what CI would run there: the scaffolded service
// (a database owner that consumes orders.placed and calls users: every optional part at once)
// type-checks, passes its own test and the checks that tie the catalog, manifests, chart and
// diagram together.
describe('npm run new-service in a copy of the repository', () => {
  const NAME = 'gift-cards';
  let copy: WorkingCopy;
  let scaffolded: { status: number | null; output: string };
  const backing = (): Record<string, string> => ({
    TEST_POSTGRES_URL: inject('backing').postgresAdminUrl,
    TEST_NATS_URL: inject('backing').natsUrl,
  });

  beforeAll(() => {
    copy = workingCopy();
    scaffolded = copy.run('npm', ['run', 'new-service', '--', NAME, '--consumes', 'orders.placed', '--calls', 'users']);
  }, 300_000);
  afterAll(() => copy?.remove());

  it('adds the workspace, registers it and regenerates the chart and the diagram', () => {
    expect(scaffolded.status, scaffolded.output).toBe(0);
    const status = copy.run('git', ['status', '--porcelain', '--untracked-files=all']).output;
    const changed = status
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3))
      .sort();
    expect(changed.filter((path) => !path.startsWith(`services/${NAME}/`))).toEqual([
      'README.md',
      'charts/mesh-kit/templates/20-data.k8s.yaml',
      `charts/mesh-kit/templates/30-${NAME}.k8s.yaml`,
      'charts/mesh-kit/templates/30-users.k8s.yaml',
      'charts/mesh-kit/templates/40-ingress.k8s.yaml',
      'infra/cdk8s/src/catalog.ts',
      'package-lock.json',
      'tsconfig.json',
    ]);
    expect(changed.filter((path) => path.startsWith(`services/${NAME}/`))).toHaveLength(10);
    const lock = JSON.parse(readFileSync(join(copy.dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    expect(lock.packages[`node_modules/@mesh-kit/${NAME}`]?.resolved).toBe(`services/${NAME}`);
  });

  it('type-checks, its test included, and passes lint and formatting', () => {
    const build = copy.run('npx', ['tsc', '-b']);
    expect(build.status, build.output).toBe(0);
    // Until the service tests have a tsconfig of their own: the generated test, checked on its own.
    writeFileSync(
      join(copy.dir, 'tsconfig.new-service-test.json'),
      JSON.stringify({
        extends: './tsconfig.base.json',
        compilerOptions: { composite: false, declaration: false, noEmit: true },
        include: [`services/${NAME}/test`, 'test-support/global-setup.ts'],
      }),
    );
    const test = copy.run('npx', ['tsc', '-p', 'tsconfig.new-service-test.json']);
    expect(test.status, test.output).toBe(0);
    const lint = copy.run('npx', ['eslint', `services/${NAME}`, 'infra/cdk8s/src/catalog.ts']);
    expect(lint.status, lint.output).toBe(0);
    const format = copy.run('npx', ['prettier', '--check', `services/${NAME}`, 'infra/cdk8s/src/catalog.ts']);
    expect(format.status, format.output).toBe(0);
  }, 300_000);

  it('passes its own test, the cross-reference checks and the chart and diagram drift tests', () => {
    const tests = copy.run(
      'npx',
      [
        'vitest',
        'run',
        `services/${NAME}/test`,
        'infra/cdk8s/test/cross-references.test.ts',
        'test/chart.test.ts',
        'test/diagram.test.ts',
        // helm's own checks of the chart need the helm binary; the drift test is what a new service can break.
        '--testNamePattern',
        '^(?!charts/mesh-kit with helm)',
        '--reporter',
        'verbose',
      ],
      backing(),
    );
    expect(tests.status, tests.output).toBe(0);
    expect(tests.output).toMatch(new RegExp(`✓ .*services/${NAME}/test/${NAME}\\.test\\.ts > ${NAME} > handles each`));
    expect(tests.output).toMatch(new RegExp(`✓ .*${NAME}'s container env satisfies its exported config schema`));
    expect(tests.output).toMatch(/✓ .*is in sync with the cdk8s app/);
  }, 300_000);

  it('npm run analyze (which synthesizes first) finds nothing', () => {
    const analyze = copy.run('npm', ['run', 'analyze'], { JWKS_FILE: 'infra/cdk8s/test/fixtures/jwks.json' });
    expect(analyze.status, analyze.output).toBe(0);
    expect(analyze.output).toContain('analyze: no findings');
    expect(analyze.output).toContain(`${NAME} /${NAME}/:id`);
  }, 300_000);
});
