import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyze } from '../infra/cdk8s/src/analyze/analyze.js';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { synthObjects } from '../infra/cdk8s/test/support/shop.js';
import * as runtime from '@mesh-kit/runtime';
import { catalogEntry, insertCatalogEntry, nextPort } from '../scripts/new-service/catalog-entry.js';
import { EVENT_CONTRACTS } from '../scripts/new-service/event-contracts.js';
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

  it('a database owner (the reviews example of docs/architecture.md): its migration and store', () => {
    expect(files(['reviews', '--database'])).toEqual([
      'migrations/001_reviews.sql',
      'package.json',
      'src/app.ts',
      'src/config.ts',
      'src/reviews-store.ts',
      'src/routes/reviews.ts',
      'src/server.ts',
      'test/reviews.test.ts',
      'tsconfig.json',
    ]);
  });

  it('a consumer is a consumer service definition, its handler and a table of handled events', () => {
    expect(files(['gifts', '--consumes', 'orders.placed'])).toEqual([
      'migrations/001_gifts.sql',
      'package.json',
      'src/config.ts',
      'src/gifts-store.ts',
      'src/order-placed-handler.ts',
      'src/routes/gifts.ts',
      'src/server.ts',
      'src/service.ts',
      'test/gifts.test.ts',
      'tsconfig.json',
    ]);
    const written = workspaceFiles(options(['gifts', '--consumes', 'orders.placed']), versions);
    expect(written.get('services/gifts/src/service.ts')).toContain('consumes: ORDER_PLACED,');
    expect(written.get('services/gifts/migrations/001_gifts.sql')).toContain('CREATE TABLE handled_events');
    expect(written.get('services/gifts/src/server.ts')).toContain('await runConsumerService(gifts);');
    expect(written.get('services/gifts/src/config.ts')).toContain('consumerServiceConfigSchema as configSchema');
    expect(written.get('services/gifts/test/gifts.test.ts')).toContain('startConsumerServiceForTest(gifts)');
  });

  it('names only what the runtime exports for each consumable subject', () => {
    for (const [subject, names] of Object.entries(EVENT_CONTRACTS)) {
      const contract = (runtime as Record<string, unknown>)[names.contract] as { subject?: unknown } | undefined;
      expect(contract?.subject, `${names.contract}`).toBe(subject);
      expect(typeof (runtime as Record<string, unknown>)[names.factory], names.factory).toBe('function');
    }
  });

  it('no service passes a body limit: runService applies BODY_LIMIT to every app', () => {
    for (const argv of [
      ['gifts'],
      ['gifts', '--database', '--calls', 'users'],
      ['gifts', '--consumes', 'orders.placed'],
    ]) {
      for (const [path, text] of workspaceFiles(options(argv), versions)) {
        expect(text, path).not.toMatch(/bodyLimit|BODY_LIMIT/);
      }
    }
  });

  it('the catalog entry takes the next port, a database, the callee routes and a gateway route', () => {
    const entry = catalogEntry(options(['gift-cards', '--database', '--calls', 'orders']), catalog, new Set());
    expect(entry).toContain(`port: ${nextPort(catalog)},`);
    expect(entry).toContain("database: 'gift_cards',");
    expect(entry).toContain("calls: [{ service: 'orders', methods: ['GET'], paths: ['/orders', '/orders/:id'] }],");
    expect(entry).toContain("gateway: [{ prefix: '/api/gift-cards', rewrite: '/gift-cards' }],");
    // Without the catalog's helpers in scope, literals stand in for them.
    expect(entry).toContain('resources: { cpuRequestMilli: 50,');
    expect(entry).toContain('autoscaling: { minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70 },');
    expect(entry).not.toContain('readRoute(');
  });

  it("takes the first port above the services' highest that the catalog leaves free", () => {
    const maxPort = Math.max(...catalog.services.map((s) => s.port));
    expect(nextPort(catalog)).toBe(maxPort + 1);
    const below = (port: number): Catalog => ({
      ...catalog,
      services: [...catalog.services, { ...catalog.services[0]!, name: 'x', port }],
    });
    expect(nextPort(below(catalog.postgres.port - 1))).toBe(catalog.postgres.port + 1);
  });

  it('inserts the entry as the last service, whatever the formatting and with or without a trailing comma', () => {
    const empty: Catalog = { ...catalog, services: [] };
    const text = (services: string): string =>
      `const small = {};\nconst scaledFromOne = {};\nconst readRoute = (p: string) => p;\nexport const catalog: Catalog = {\n  namespace: 'shop',\n  services: [${services}],\n  version: 'v1',\n};\n`;
    const gifts = options(['gifts']);
    const once = insertCatalogEntry(text("\n    { name: 'a' }\n  "), gifts, empty);
    expect(once).toMatch(/\{ name: 'a' \},\n\{\nname: 'gifts',[^]*gateway: [^\n]*\n\},\n {2}\],\n {2}version: 'v1',/);
    expect(once).toContain("routes: [readRoute('/gifts')],");
    expect(once).toContain('resources: small,');
    expect(once).toContain('autoscaling: scaledFromOne,');
    const trailing = insertCatalogEntry(text("{ name: 'a' },"), gifts, empty);
    expect(trailing).toMatch(/\{ name: 'a' \},\n\{\nname: 'gifts',[^]*\n\},\],/);
    expect(insertCatalogEntry(text(''), gifts, empty)).toMatch(/services: \[\{\nname: 'gifts',/);
    expect(() => insertCatalogEntry('export const other = {};', gifts, empty)).toThrow(
      /found no `export const catalog/,
    );
  });

  it('adds the workspace to the root tsconfig references once, after the other services', () => {
    const root =
      '{ "//": "kept", "files": [], "references": [{ "path": "services/users" }, { "path": "infra/cdk8s" }] }';
    const once = withReference(root, 'services/gifts');
    expect(JSON.parse(once)).toEqual({
      '//': 'kept',
      files: [],
      references: [{ path: 'services/users' }, { path: 'services/gifts' }, { path: 'infra/cdk8s' }],
    });
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
    // The copy's budget becomes exactly what the namespace asks today plus what the new service
    // should ask (one replica of `small` and the default sidecar), as a user raising it on purpose
    // would set it: analyze then passes however full main's budget is, and fails if the scaffold
    // asks for more.
    const { totals } = analyze(synthObjects());
    const catalogPath = join(copy.dir, 'packages/catalog/src/catalog.ts');
    const budget = {
      cpuMilli: totals.cpuMilli + 50 + catalog.defaults.sidecar.cpuRequestMilli,
      memoryMi: totals.memoryMi + 64 + catalog.defaults.sidecar.memoryRequestMi,
    };
    const text = readFileSync(catalogPath, 'utf8');
    const raised = text.replace(
      /requestBudget: \{ cpuMilli: [\d_]+, memoryMi: [\d_]+ \}/,
      `requestBudget: { cpuMilli: ${budget.cpuMilli}, memoryMi: ${budget.memoryMi} }`,
    );
    if (raised === text) throw new Error('catalog.ts: no requestBudget to raise');
    writeFileSync(catalogPath, raised);
    scaffolded = copy.run('npm', ['run', 'new-service', '--', NAME, '--consumes', 'orders.placed', '--calls', 'users']);
  }, 300_000);
  afterAll(() => copy?.remove());

  it('adds the workspace, registers it and regenerates the chart, the dashboard, the diagram and the docs', () => {
    expect(scaffolded.status, scaffolded.output).toBe(0);
    const status = copy.run('git', ['status', '--porcelain', '--untracked-files=all']).output;
    const changed = status
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3))
      .sort();
    expect(changed.filter((path) => !path.startsWith(`services/${NAME}/`))).toEqual([
      'README.md',
      // The namespace carries the request budget, which this test set (beforeAll).
      'charts/mesh-kit/templates/00-namespace.k8s.yaml',
      'charts/mesh-kit/templates/20-data.k8s.yaml',
      `charts/mesh-kit/templates/30-${NAME}.k8s.yaml`,
      'charts/mesh-kit/templates/30-users.k8s.yaml',
      'charts/mesh-kit/templates/40-ingress.k8s.yaml',
      // Each service's own image tag is a value of the chart (image.tags.<service>).
      'charts/mesh-kit/values.schema.json',
      // The shop, readiness, route, circuit-breaker and autoscaling tables and the analyze excerpt.
      'docs/architecture.md',
      'docs/try-the-mesh.md',
      'mesh/grafana/shop.json',
      'package-lock.json',
      'packages/catalog/src/catalog.ts',
      'tsconfig.json',
    ]);
    expect(changed.filter((path) => path.startsWith(`services/${NAME}/`))).toHaveLength(10);
    const lock = JSON.parse(readFileSync(join(copy.dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    expect(lock.packages[`node_modules/@mesh-kit/${NAME}`]?.resolved).toBe(`services/${NAME}`);
  });

  it('type-checks, its test included, and passes lint and formatting', () => {
    // The root project builds the workspace (its reference) and type-checks its test (its globs).
    const build = copy.run('npx', ['tsc', '-b']);
    expect(build.status, build.output).toBe(0);
    const lint = copy.run('npx', ['eslint', `services/${NAME}`, 'packages/catalog/src/catalog.ts']);
    expect(lint.status, lint.output).toBe(0);
    const format = copy.run('npx', ['prettier', '--check', `services/${NAME}`, 'packages/catalog/src/catalog.ts']);
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
        'test/generated-docs.test.ts',
        'test/typecheck-coverage.test.ts',
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
    const analyze = copy.run('npm', ['run', 'analyze'], {
      JWKS_FILE: 'infra/cdk8s/test/fixtures/jwks.json',
      LOADGEN_JWKS_FILE: 'infra/cdk8s/test/fixtures/loadgen-jwks.json',
      IDENTITY_JWKS_FILE: 'infra/cdk8s/test/fixtures/identity-jwks.json',
    });
    expect(analyze.status, analyze.output).toBe(0);
    expect(analyze.output).toContain('analyze: no findings');
    expect(analyze.output).toContain(`${NAME} /${NAME}/:id`);
  }, 300_000);
});
