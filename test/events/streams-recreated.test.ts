/**
 * Only orders may create the event streams (docs/security.md, "Broker"), so when the broker comes
 * back without its store (a lost volume) orders must create them again, not wait for a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropDatabases, ensureDatabases } from '../../scripts/stack/databases.js';
import { planStack } from '../../scripts/stack/plan.js';
import { startService, stopAll, waitReady, type RunningService } from '../../scripts/stack/processes.js';
import { answers } from '../../test-support/backing-services.js';
import { freePort, natsServerBinary } from './support/nats-server.js';
import { reservePortOffset, type PortOffset } from '../../test-support/port-offset.js';

let dir: string;
let port: number;
let nats: ChildProcess | undefined;
let orders: RunningService | undefined;
let database: string | undefined;

async function startNats(): Promise<void> {
  const log = openSync(join(dir, 'server.log'), 'a');
  nats = spawn(natsServerBinary!, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store')], {
    stdio: ['ignore', log, log],
  });
  while (!(await answers(`nats://127.0.0.1:${port}`))) await sleep(20);
}

async function stopNats(): Promise<void> {
  const running = nats;
  if (running === undefined || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await exited;
}

/** The names of the streams and when each was created. */
async function streams(): Promise<Record<string, string>> {
  const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const created: Record<string, string> = {};
    for await (const info of jsm.streams.list()) created[info.config.name] = info.created;
    return created;
  } finally {
    await nc.close();
  }
}

async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return true;
    await sleep(100);
  }
  return false;
}

let ports: PortOffset | undefined;

describe.skipIf(natsServerBinary === undefined)('the event streams', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-kit-streams-'));
    port = await freePort();
    await startNats();
    const { postgresAdminUrl } = inject('backing');
    ports = await reservePortOffset();
    const [plan] = planStack({
      postgresAdminUrl,
      natsUrl: `nats://127.0.0.1:${port}`,
      databasePrefix: `sr_${randomBytes(3).toString('hex')}_`,
      portOffset: ports.offset,
      host: '127.0.0.1',
      sharedEnv: { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '2000' },
      only: ['orders'],
    });
    database = plan!.database;
    await ensureDatabases(postgresAdminUrl, [database!]);
    orders = startService(plan!, dir);
    await waitReady(orders, 30_000);
  }, 60_000);

  afterAll(async () => {
    if (orders !== undefined) await stopAll([orders], 5_000);
    await stopNats();
    if (database !== undefined) await dropDatabases(inject('backing').postgresAdminUrl, [database]);
    rmSync(dir, { recursive: true, force: true });
    ports?.release();
  });

  it('are created again by orders when the broker comes back without its store', async () => {
    const names = (created: Record<string, string>): string[] => Object.keys(created).sort();
    expect(await eventually(async () => names(await streams()).length === 2, 15_000)).toBe(true);
    const before = await streams();
    expect(names(before)).toEqual(['ORDERS', 'ORDERS_DLQ']);
    await stopNats();
    rmSync(join(dir, 'store'), { recursive: true, force: true });
    await startNats();
    // New streams, not the old ones: the store is gone, so only orders can have made them.
    const renewed = async (): Promise<boolean> => {
      const now = await streams();
      return names(now).length === 2 && names(now).every((name) => now[name] !== before[name]);
    };
    expect(await eventually(renewed, 15_000)).toBe(true);
  });
});
