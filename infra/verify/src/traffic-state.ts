import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog, type ServiceSpec, catalog } from '@mesh-kit/catalog';
import { DEFAULT_TRAFFIC_FILE, withTrafficFile } from '../../cdk8s/src/traffic-file.js';
import type { Sample } from './evaluate-traffic.js';
import type { ClientPacer } from './client-pacer.js';
import type { Gateway } from './gateway.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The catalog with the traffic state `make canary`/`chaos`/`mirror` last wrote (what the cluster was given). */
export function deployedCatalog(): Catalog {
  const file = process.env.TRAFFIC_FILE ?? DEFAULT_TRAFFIC_FILE;
  return withTrafficFile(catalog, file === '' ? '' : resolve(ROOT, file));
}

/** The first public GET route of a service without path parameters (`/api/overview`), if any. */
export function publicGetPath(spec: ServiceSpec): { publicPath: string; servicePath: string } | undefined {
  for (const g of spec.gateway) {
    const route = spec.routes.find((r) => r.method === 'GET' && !r.path.includes(':') && r.path.startsWith(g.rewrite));
    if (route !== undefined)
      return { publicPath: g.prefix + route.path.slice(g.rewrite.length), servicePath: route.path };
  }
  return undefined;
}

/**
 * Sends `count` requests one after another, each when `pacer` allows (one client's pacer, from
 * `clientIntervalMs`, keeps it under the gateway's per-client rate), and records status, time and
 * what the body says.
 */
export async function sample(
  count: number,
  send: () => ReturnType<Gateway['send']>,
  pacer: ClientPacer,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let n = 0; n < count; n += 1) {
    await pacer.next();
    const started = Date.now();
    const answer = await send();
    const body = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as {
      release?: unknown;
      missing?: unknown;
    };
    samples.push({
      status: answer.status,
      ms: Date.now() - started,
      ...(typeof body.release === 'string' ? { release: body.release } : {}),
      ...(Array.isArray(body.missing) ? { missing: body.missing.map(String) } : {}),
    });
  }
  return samples;
}
