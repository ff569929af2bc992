/**
 * The new service's entry in packages/catalog/src/catalog.ts, and where it goes: found with the
 * TypeScript parser (the `services` array of the exported `catalog`), so formatting, comments
 * and the order of the catalog's other fields do not matter.
 */
import ts from 'typescript';
import type { Catalog, ServiceSpec } from '@mesh-kit/catalog';
import { namesOf } from './names.js';
import type { NewServiceOptions } from './options.js';

/** The helpers catalog.ts declares at its top level that an entry may use, with their literal stand-ins. */
const SMALL_LITERAL = '{ cpuRequestMilli: 50, cpuLimitMilli: 500, memoryRequestMi: 64, memoryLimitMi: 192 }';
const SCALED_FROM_ONE_LITERAL = '{ minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70 }';
const readRouteLiteral = (path: string): string =>
  `{ method: 'GET', path: '${path}', idempotent: true, timeoutMs: 900, retries: { attempts: 2, perTryTimeoutMs: 300, retryOn: 'connect-failure,refused-stream,5xx' } }`;

function topLevelConstants(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
    }
  }
  return names;
}

/** The `services: [...]` array literal of `export const catalog = {...}`. */
function servicesArray(source: ts.SourceFile): ts.ArrayLiteralExpression {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== 'catalog') continue;
      const init = declaration.initializer;
      if (init === undefined || !ts.isObjectLiteralExpression(init)) break;
      for (const property of init.properties) {
        if (
          ts.isPropertyAssignment(property) &&
          ts.isIdentifier(property.name) &&
          property.name.text === 'services' &&
          ts.isArrayLiteralExpression(property.initializer)
        ) {
          return property.initializer;
        }
      }
    }
  }
  throw new Error('catalog.ts: found no `export const catalog = { services: [...] }` to add the service to');
}

/** The callee's routes a new caller may use: its GET routes, else its first route. */
export function callOf(callee: ServiceSpec): { methods: string[]; paths: string[] } {
  const reads = callee.routes.filter((route) => route.method === 'GET');
  const routes = reads.length > 0 ? reads : callee.routes.slice(0, 1);
  return { methods: [...new Set(routes.map((r) => r.method))], paths: routes.map((r) => r.path) };
}

/**
 * The first port above the services' highest that nothing in the catalog uses (a removed
 * service's port is not reused: an old pod or a stale port-forward would still answer on it).
 */
export function nextPort(catalog: Catalog): number {
  const taken = new Set([...catalog.services.map((s) => s.port), catalog.postgres.port, catalog.nats.port]);
  let port = Math.max(3000, ...catalog.services.map((s) => s.port)) + 1;
  while (taken.has(port)) port += 1;
  return port;
}

/** The entry's TypeScript text (formatted afterwards with the rest of the file). */
export function catalogEntry(options: NewServiceOptions, catalog: Catalog, helpers: ReadonlySet<string>): string {
  const n = namesOf(options.name);
  const readRoute = (path: string): string =>
    helpers.has('readRoute') ? `readRoute('${path}')` : readRouteLiteral(path);
  const routes = options.database
    ? [
        `{ method: 'POST', path: '/${n.name}', idempotent: false, timeoutMs: 2_000, retries: { attempts: 1, perTryTimeoutMs: 1_000, retryOn: 'connect-failure,refused-stream' } }`,
        readRoute(`/${n.name}/:id`),
      ]
    : [readRoute(`/${n.name}`)];
  const calls = options.calls.map((name) => {
    const callee = catalog.services.find((s) => s.name === name);
    if (callee === undefined) throw new Error(`catalog: no service named '${name}'`);
    const { methods, paths } = callOf(callee);
    return `{ service: '${name}', methods: [${methods.map((m) => `'${m}'`).join(', ')}], paths: [${paths.map((p) => `'${p}'`).join(', ')}] }`;
  });
  return [
    '{',
    `name: '${n.name}',`,
    `port: ${nextPort(catalog)},`,
    'replicas: 1,',
    // Every service autoscales or says why not (the catalog check); one pod at rest fits the budget.
    `autoscaling: ${helpers.has('scaledFromOne') ? 'scaledFromOne' : SCALED_FROM_ONE_LITERAL},`,
    `resources: ${helpers.has('small') ? 'small' : SMALL_LITERAL},`,
    options.database ? `database: '${n.snake}',` : '',
    `routes: [${routes.join(', ')}],`,
    `calls: [${calls.join(', ')}],`,
    'publishes: [],',
    `consumes: [${options.consumes === undefined ? '' : `'${options.consumes}'`}],`,
    `gateway: [{ prefix: '/api/${n.name}', rewrite: '/${n.name}' }],`,
    '}',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** catalog.ts with `entry` appended to the services array. */
export function insertCatalogEntry(text: string, options: NewServiceOptions, catalog: Catalog): string {
  const source = ts.createSourceFile('catalog.ts', text, ts.ScriptTarget.Latest, true);
  const array = servicesArray(source);
  const entry = catalogEntry(options, catalog, topLevelConstants(source));
  const last = array.elements.at(-1);
  if (last === undefined) return `${text.slice(0, array.elements.pos)}${entry},${text.slice(array.elements.pos)}`;
  const at = last.end;
  return `${text.slice(0, at)},\n${entry}${array.elements.hasTrailingComma ? '' : ','}${text.slice(at)}`;
}
