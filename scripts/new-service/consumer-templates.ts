/**
 * The files that make a consumer service, in the shape of services/notifications and
 * services/analytics: the runtime's defineConsumerService holds the wiring (database, NATS, the
 * durable consumer, health, metrics, shutdown); the service declares its migrations, the
 * contract it consumes, an idempotent handler and its routes.
 */
import { clientsLiteral, handlerOf, importList, lines, urlVariable, type Parts } from './parts.js';

type Consumer = NonNullable<Parts['consumes']>;

/** service.ts: the definition; with callees, a function of their URLs (only server.ts reads env). */
export function serviceModule(p: Parts, c: Consumer): string {
  const handler = handlerOf(c.names);
  const calls = p.callees.length > 0;
  const routes = `routes: (pool) => ${p.n.camel}Router({ store: new ${p.n.pascal}Store(pool)${
    calls ? `, clients: ${clientsLiteral(p, 'callees')}` : ''
  } }),`;
  const definition = [
    `defineConsumerService('${p.n.name}', {`,
    "  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),",
    `  consumes: ${c.names.contract},`,
    `  handler: ${handler.fn},`,
    `  ${routes}`,
    '})',
  ];
  const summary = `/** ${p.n.name}: consumes ${c.subject} into its own database and serves /${p.n.name}. */`;
  return lines(
    "import { fileURLToPath } from 'node:url';",
    `import ${importList(['defineConsumerService', c.names.contract, calls && 'ServiceClient'])} from '@mesh-kit/runtime';`,
    `import { ${handler.fn} } from './${handler.file}.js';`,
    `import { ${p.n.pascal}Store } from './${p.n.name}-store.js';`,
    `import { ${p.n.camel}Router } from './routes/${p.n.name}.js';`,
    '',
    ...(calls
      ? [
          `/** The base URLs of the services ${p.n.name} calls (server.ts reads them from config). */`,
          `export interface ${p.n.pascal}Callees {`,
          ...p.callees.map((callee) => `  /** ${urlVariable(callee)} */\n  readonly ${callee.camel}Url: string;`),
          '}',
          '',
          summary,
          `export function ${p.n.camel}(callees: ${p.n.pascal}Callees) {`,
          `  return ${definition.join('\n  ')};`,
          '}',
        ]
      : [summary, `export const ${p.n.camel} = ${definition.join('\n')};`]),
  );
}

/** The handler: idempotent by event id, since JetStream delivers at least once. */
export function handlerModule(p: Parts, c: Consumer): string {
  const handler = handlerOf(c.names);
  return lines(
    `import type { ConsumerDomainDeps, Delivery, ${c.names.eventType} } from '@mesh-kit/runtime';`,
    `import { ${p.n.pascal}Store } from './${p.n.name}-store.js';`,
    '',
    `/** Handles each ${c.subject} event once: a redelivered event is acknowledged without doing its work again. */`,
    `export function ${handler.fn}({ pool, logger }: ConsumerDomainDeps) {`,
    `  const store = new ${p.n.pascal}Store(pool);`,
    `  return async (event: ${c.names.eventType}, delivery: Delivery): Promise<void> => {`,
    '    const first = await store.recordEvent(event.id, event.type, delivery.traceId);',
    "    logger.info({ eventId: event.id, first }, first ? 'event handled' : 'event handled before; redelivery ignored');",
    '  };',
    '}',
  );
}

/** server.ts: the runtime runs the definition; with callees, their URLs come from config here. */
export function consumerServer(p: Parts): string {
  const comment = '// Serves at once; not ready until PostgreSQL and NATS are there and its consumer runs.';
  if (p.callees.length === 0) {
    return lines(
      "import { runConsumerService } from '@mesh-kit/runtime';",
      `import { ${p.n.camel} } from './service.js';`,
      '',
      comment,
      `await runConsumerService(${p.n.camel});`,
    );
  }
  const urls = p.callees.map((c) => `${c.camel}Url: config.${urlVariable(c)}`).join(', ');
  return lines(
    "import { runService, startConsumerService } from '@mesh-kit/runtime';",
    "import { configSchema } from './config.js';",
    `import { ${p.n.camel} } from './service.js';`,
    '',
    comment,
    'await runService({',
    `  name: '${p.n.name}',`,
    '  configSchema,',
    `  start: async (config, logger) => startConsumerService(${p.n.camel}({ ${urls} }), config, logger),`,
    '});',
  );
}
