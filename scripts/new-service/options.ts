import { parseArgs } from 'node:util';
import type { Catalog } from '@mesh-kit/catalog';
import { EVENT_CONTRACTS } from './event-contracts.js';

/** What `npm run new-service` was asked for, checked against the catalog. */
export interface NewServiceOptions {
  readonly name: string;
  /** The service owns a PostgreSQL database (a consumer always does: it records what it handled). */
  readonly database: boolean;
  /** The event subject it consumes, if any. */
  readonly consumes: string | undefined;
  /** The services it calls, in the order given. */
  readonly calls: readonly string[];
}

/** A usage error; its message names the flag or argument at fault. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = 'usage: npm run new-service -- <name> [--database] [--consumes <subject>] [--calls <service>]...';
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RESERVED = new Set(['runtime', 'gateway']);

export function parseNewServiceArgs(argv: readonly string[], catalog: Catalog): NewServiceOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        database: { type: 'boolean' },
        consumes: { type: 'string' },
        calls: { type: 'string', multiple: true },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    throw new UsageError(`<name>: give exactly one service name, got ${positionals.length}\n${USAGE}`);
  }
  const name = positionals[0]!;
  if (!DNS_LABEL.test(name) || name.length > 40) {
    throw new UsageError(
      `<name>: '${name}' must be a DNS label of at most 40 characters (lower-case letters, digits and '-', starting with a letter)`,
    );
  }
  if (RESERVED.has(name)) throw new UsageError(`<name>: '${name}' is reserved`);
  if (catalog.services.some((s) => s.name === name)) {
    throw new UsageError(`<name>: the catalog already has a service named '${name}'`);
  }

  const consumes = values.consumes;
  if (consumes !== undefined) {
    const published = [...new Set(catalog.services.flatMap((s) => s.publishes))].sort();
    if (!published.includes(consumes)) {
      throw new UsageError(
        `--consumes: no catalog service publishes '${consumes}' (published: ${published.join(', ') || 'none'})`,
      );
    }
    if (EVENT_CONTRACTS[consumes] === undefined) {
      throw new UsageError(`--consumes: the runtime has no event contract for '${consumes}' to parse it with`);
    }
  }

  const calls = values.calls ?? [];
  for (const callee of calls) {
    const spec = catalog.services.find((s) => s.name === callee);
    if (spec === undefined) {
      const known = catalog.services.map((s) => s.name).join(', ');
      throw new UsageError(`--calls: no service named '${callee}' in the catalog (services: ${known})`);
    }
    if (spec.routes.length === 0) throw new UsageError(`--calls: '${callee}' serves no routes to call`);
  }
  const repeated = calls.find((callee, index) => calls.indexOf(callee) !== index);
  if (repeated !== undefined) throw new UsageError(`--calls: '${repeated}' is given twice`);

  return { name, database: values.database === true || consumes !== undefined, consumes, calls };
}
