/**
 * No service may create the event streams, orders included (docs/security.md, "Broker"): the
 * bootstrap does, with the catalog's limits. When the broker comes back without its store (a lost
 * volume) orders reconnects and creates nothing; running the bootstrap again (docs/operations.md,
 * "Broker") brings both streams back with their limits.
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
import { bootstrapStreams } from '../../scripts/stack/streams.js';
import { catalog } from '@mesh-kit/catalog';
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

/** The names of the streams and when each was created, with its byte and message limits. */
async function streams(): Promise<Record<string, string>> {
  const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const created: Record<string, string> = {};
    for await (const info of jsm.streams.list()) {
      created[info.config.name] =
        `${info.created} ${info.config.max_bytes} ${info.config.max_msgs} ${info.config.max_msg_size}`;
    }
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

  it('are not created by orders after the broker lost its store, and come back from the bootstrap with their limits', async () => {
    const names = (created: Record<string, string>): string[] => Object.keys(created).sort();
    const url = `nats://127.0.0.1:${port}`;
    await bootstrapStreams(url, '', catalog);
    const before = await streams();
    expect(names(before)).toEqual(['ORDERS', 'ORDERS_DLQ']);
    const [stream] = catalog.streams;
    const { limits, deadLetterLimits } = stream!;
    expect(before['ORDERS']).toMatch(new RegExp(` ${limits.maxBytes} ${limits.maxMsgs} ${limits.maxMsgSize}$`));
    expect(before['ORDERS_DLQ']).toMatch(
      new RegExp(` ${deadLetterLimits.maxBytes} ${deadLetterLimits.maxMsgs} ${deadLetterLimits.maxMsgSize}$`),
    );

    await stopNats();
    rmSync(join(dir, 'store'), { recursive: true, force: true });
    await startNats();
    // orders reconnects (its health says so) and, unlike before, makes nothing.
    const reconnected = async (): Promise<boolean> => {
      const health = (await (await fetch(`${orders!.service.url}/healthz`)).json()) as { nats?: string };
      return health.nats === 'connected';
    };
    expect(await eventually(reconnected, 15_000)).toBe(true);
    expect(names(await streams())).toEqual([]);

    await bootstrapStreams(url, '', catalog);
    const after = await streams();
    expect(names(after)).toEqual(['ORDERS', 'ORDERS_DLQ']);
    for (const name of names(after)) expect(after[name]).not.toBe(before[name]);
  });
});
