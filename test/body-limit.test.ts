import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { dropDatabases, ensureDatabases } from '../scripts/stack/databases.js';
import { planStack, type PlannedService } from '../scripts/stack/plan.js';
import { startService, stopAll, type RunningService } from '../scripts/stack/processes.js';
import { reservePortOffset, type PortOffset } from '../test-support/port-offset.js';

// Every service of the catalog as its own process (services/<name>/dist/server.js) with BODY_LIMIT
// set: each must refuse a larger JSON body with 413, whatever its own code passes to the runtime.

const LIMIT_BYTES = 1_024;
/** Nothing listens there: the services keep waiting for the broker, which this test does not need. */
const NO_NATS = 'nats://127.0.0.1:1';
const host = '127.0.0.1';
const sharedEnv = { LOG_LEVEL: 'warn', BODY_LIMIT: `${LIMIT_BYTES}b` };

/** Services that only call the ingress gateway (loadgen) are not in the local stack: wired by hand. */
function gatewayCallers(portOffset: number): PlannedService[] {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return catalog.services
    .filter((s) => s.callsGateway === true)
    .map((spec) => ({
      name: spec.name,
      url: `http://${host}:${spec.port + portOffset}`,
      entry: fileURLToPath(new URL(`../services/${spec.name}/dist/server.js`, import.meta.url)),
      database: undefined,
      env: {
        ...sharedEnv,
        ...spec.env,
        PORT: String(spec.port + portOffset),
        HOST: host,
        GATEWAY_URL: 'http://127.0.0.1:9',
        JWT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    }));
}

/** POSTs `bytes` of JSON; retries while the service answers 503 (starting: migrations not applied yet). */
async function post(service: PlannedService, bytes: number): Promise<Response> {
  const body = JSON.stringify({ text: 'x'.repeat(bytes - '{"text":""}'.length) });
  expect(body).toHaveLength(bytes);
  const until = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${service.url}/body-limit-probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }).catch(() => undefined);
    if ((res !== undefined && res.status !== 503) || Date.now() > until) {
      if (res === undefined) throw new Error(`${service.name} did not answer on ${service.url}`);
      return res;
    }
    await sleep(100);
  }
}

describe('BODY_LIMIT is honoured by every service', () => {
  const { postgresAdminUrl } = inject('backing');
  const databasePrefix = `bl_${randomBytes(3).toString('hex')}_`;
  let ports: PortOffset | undefined;
  let plan: PlannedService[] = [];
  let databases: string[] = [];
  let running: RunningService[] = [];

  beforeAll(async () => {
    ports = await reservePortOffset();
    plan = [
      ...planStack({
        postgresAdminUrl,
        natsUrl: NO_NATS,
        databasePrefix,
        portOffset: ports.offset,
        host,
        sharedEnv,
      }),
      ...gatewayCallers(ports.offset),
    ];
    databases = plan.flatMap((s) => (s.database === undefined ? [] : [s.database]));
    await ensureDatabases(postgresAdminUrl, databases);
    const logDir = mkdtempSync(join(tmpdir(), 'mesh-kit-body-limit-'));
    running = plan.map((service) => startService(service, logDir));
  }, 60_000);

  afterAll(async () => {
    await stopAll(running, 10_000);
    await dropDatabases(postgresAdminUrl, databases);
    ports?.release();
  }, 60_000);

  it('runs every service of the catalog', () => {
    expect(plan.map((s) => s.name).sort()).toEqual(catalog.services.map((s) => s.name).sort());
  });

  it.each(catalog.services.map((s) => s.name))(
    '%s: a body over BODY_LIMIT → 413 problem+json, one under it reaches the routes',
    async (name) => {
      const service = plan.find((s) => s.name === name)!;
      const refused = await post(service, LIMIT_BYTES + 1);
      expect(refused.status).toBe(413);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await refused.json()).toMatchObject({ status: 413, detail: expect.stringContaining(`${LIMIT_BYTES}`) });
      expect((await post(service, LIMIT_BYTES)).status).toBe(404);
    },
    60_000,
  );
});
