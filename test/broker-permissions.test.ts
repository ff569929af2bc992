/**
 * The broker's users and permissions as the cluster gets them: a nats-server of the test's own runs
 * the synthesized StatefulSet's arguments with the synthesized ConfigMap, and the services' own
 * runtime code connects with each service's credentials (Law 4 on the broker, Law 6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brokerCredentialsFromConfig,
  connectEvents,
  deadLetterSubject,
  ensureStreams,
  inboxPrefix as runtimeInboxPrefix,
  requireStreams,
  eventMetrics,
  EventPublisher,
  newOrderPlacedEvent,
  ORDER_PLACED_SUBJECT,
  ORDERS_TOPOLOGY,
  orderPlacedEventSchema,
  startConsumer,
  type EventsConnection,
  type OrderPlacedEvent,
  type RunningConsumer,
} from '@mesh-kit/runtime';
import { catalog } from '@mesh-kit/catalog';
import {
  BROKER_ADMIN,
  BROKER_BOOTSTRAP,
  brokerUsers,
  inboxPrefix,
  streamLimits,
} from '../infra/cdk8s/src/broker-permissions.js';
import { createShopApp } from '../infra/cdk8s/src/charts/shop-app.js';
import { analytics as analyticsService } from '@mesh-kit/analytics/service';
import { notifications as notificationsService } from '@mesh-kit/notifications/service';
import { answers } from '../test-support/backing-services.js';
import { silentLogger } from '../test-support/silent-logger.js';
import { brokerPassword } from '../scripts/secrets.js';
import { freePort, natsServerBinary } from './events/support/nats-server.js';
import { fixtureJwksByIssuer } from '../infra/cdk8s/test/support/shop.js';

interface KubeObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template: { spec: { containers: { args: string[] }[] } } };
}

function synthesized(): { config: string; args: string[] } {
  const app = createShopApp({ catalog, imageRegistry: 'mesh-kit', imageTag: '0.1.0', jwks: fixtureJwksByIssuer });
  const objects = app.charts.flatMap((chart) => chart.toJson() as KubeObject[]);
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-config');
  const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats');
  const config = configMap?.data?.['nats.conf'];
  const args = statefulSet?.spec?.template.spec.containers[0]?.args;
  if (config === undefined || args === undefined) throw new Error('no nats-config ConfigMap or nats StatefulSet');
  return { config, args };
}

const skip = natsServerBinary === undefined ? 'nats-server not found (set NATS_SERVER_BIN)' : undefined;
const passwords = new Map(brokerUsers(catalog).map((u) => [u.user, brokerPassword()]));
const logger = silentLogger();
let dir: string;
let server: ChildProcess;
let url: string;
let orders: EventsConnection;
let notifications: EventsConnection;
let analytics: EventsConnection;
let bootstrap: EventsConnection;
const consumers: RunningConsumer[] = [];

const as = (user: string): Promise<EventsConnection> =>
  connectEvents(url, `${user}-test`, logger, { user, password: passwords.get(user)! });

function order(): OrderPlacedEvent['order'] {
  return {
    id: randomUUID(),
    userId: 'u1',
    items: [{ sku: 'mug', quantity: 1, unitPriceCents: 900 }],
    totalCents: 900,
    currency: 'EUR',
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Sends JetStream's stream-update request itself: the client's update() asks for the stream's info first. */
async function updateStream(
  events: EventsConnection,
  name: string,
  change: Record<string, unknown>,
  reader: EventsConnection = bootstrap,
): Promise<void> {
  const { config } = await reader.jsm.streams.info(name);
  const reply = await events.nc.request(`$JS.API.STREAM.UPDATE.${name}`, JSON.stringify({ ...config, ...change }), {
    timeout: 2_000,
  });
  const answer = reply.json<{ error?: { description: string } }>();
  if (answer.error !== undefined) throw new Error(answer.error.description);
}

const storedMessages = async (): Promise<number> =>
  (await orders.jsm.streams.info(ORDERS_TOPOLOGY.stream)).state.messages;

beforeAll(async () => {
  if (skip !== undefined) return;
  const { config, args } = synthesized();
  dir = mkdtempSync(join(tmpdir(), 'mesh-kit-broker-'));
  const configFile = join(dir, 'nats.conf');
  writeFileSync(configFile, config);
  const [port, monitorPort] = [await freePort(), await freePort()];
  // The pod's arguments, with its paths and ports moved to ours.
  const local = args.map((arg) =>
    arg.startsWith('/etc/nats/')
      ? configFile
      : arg === '/data'
        ? join(dir, 'store')
        : arg === '8222'
          ? String(monitorPort)
          : arg,
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const user of brokerUsers(catalog)) env[user.passwordVariable] = passwords.get(user.user);
  const log = openSync(join(dir, 'server.log'), 'a');
  server = spawn(natsServerBinary!, [...local, '-a', '127.0.0.1', '-p', String(port)], {
    env,
    stdio: ['ignore', log, log],
  });
  url = `nats://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (server.exitCode !== null)
      throw new Error(`nats-server exited:\n${readFileSync(join(dir, 'server.log'), 'utf8')}`);
    return answers(url);
  });
  [orders, notifications, analytics, bootstrap] = await Promise.all([
    as('orders'),
    as('notifications'),
    as('analytics'),
    as(BROKER_BOOTSTRAP),
  ]);
  // The bootstrap creates the streams, with the catalog's limits (the cluster's Job runs the same call).
  await ensureStreams(bootstrap.jsm, ORDERS_TOPOLOGY, streamLimits(catalog.streams[0]!));
}, 60_000);

afterAll(async () => {
  if (skip !== undefined) return;
  for (const consumer of consumers) await consumer.stop();
  await Promise.all([orders, notifications, analytics, bootstrap].map((c) => c?.close()));
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the broker permissions and the runtime agree', () => {
  it("on the stream, its dead-letter subjects, the durables' names and the inbox prefix", () => {
    expect(
      catalog.streams.map(({ name, subjects, deadLetterStream }) => ({ name, subjects, deadLetterStream })),
    ).toEqual([
      {
        name: ORDERS_TOPOLOGY.stream,
        subjects: ORDERS_TOPOLOGY.subjects,
        deadLetterStream: ORDERS_TOPOLOGY.deadLetterStream,
      },
    ]);
    expect(notificationsService.name).toBe('notifications');
    expect(analyticsService.name).toBe('analytics');
    const notifications = brokerUsers(catalog).find((u) => u.user === 'notifications')!;
    expect(notifications.publish).toContain(deadLetterSubject(ORDERS_TOPOLOGY, notificationsService.name));
    expect(inboxPrefix('analytics')).toBe(runtimeInboxPrefix('analytics'));
  });

  it('connects without credentials when none are set, and names the missing half of a pair', () => {
    expect(brokerCredentialsFromConfig({})).toBeUndefined();
    expect(brokerCredentialsFromConfig({ NATS_USER: 'orders', NATS_PASSWORD: 'x' })).toEqual({
      user: 'orders',
      password: 'x',
    });
    expect(() => brokerCredentialsFromConfig({ NATS_USER: 'orders' })).toThrow(
      /NATS_PASSWORD: required with NATS_USER/,
    );
    expect(() => brokerCredentialsFromConfig({ NATS_PASSWORD: 'x' })).toThrow(/NATS_USER: required with NATS_PASSWORD/);
  });
});

describe.skipIf(skip !== undefined)('the broker, with the users and permissions generated from the catalog', () => {
  it('refuses a connection without credentials or with a wrong password', async () => {
    await expect(connect({ servers: url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: url, reconnect: false, user: 'notifications', pass: 'guess' })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('lets orders publish orders.placed, and each consumer read it through its own durable', async () => {
    const metrics = eventMetrics(new Registry());
    const seen = { notifications: [] as string[], analytics: [] as string[] };
    for (const [events, durable, into] of [
      [notifications, notificationsService.name, seen.notifications],
      [analytics, analyticsService.name, seen.analytics],
    ] as const) {
      consumers.push(
        await startConsumer({
          events,
          topology: ORDERS_TOPOLOGY,
          durable,
          filterSubject: ORDER_PLACED_SUBJECT,
          schema: orderPlacedEventSchema,
          policy: { maxDeliver: 2, redeliveryDelaysMs: [50] },
          handle: async (event) => {
            into.push(event.id);
          },
          logger,
          metrics,
        }),
      );
    }
    const event = newOrderPlacedEvent(order());
    const result = await new EventPublisher(orders.js, metrics).publish(ORDER_PLACED_SUBJECT, event);
    expect(result.duplicate).toBe(false);
    await waitFor(() => seen.notifications.includes(event.id) && seen.analytics.includes(event.id));

    // A message no consumer can handle is parked under the consumer's own dead-letter subject.
    await orders.js.publish(ORDER_PLACED_SUBJECT, '{"not":"an event"}', { msgID: randomUUID() });
    await waitFor(async () => (await metrics.parked.get()).values.length === 2);
    const dlq = await orders.jsm.streams.info(ORDERS_TOPOLOGY.deadLetterStream, { subjects_filter: 'deadletter.>' });
    expect(Object.keys(dlq.state.subjects ?? {}).sort()).toEqual([
      `deadletter.ORDERS.${analyticsService.name}`,
      `deadletter.ORDERS.${notificationsService.name}`,
    ]);
  });

  it('refuses a forged orders.placed from a consumer: nothing is stored', async () => {
    const before = await storedMessages();
    const forged = newOrderPlacedEvent({ ...order(), totalCents: 1 });
    await expect(notifications.js.publish(ORDER_PLACED_SUBJECT, JSON.stringify(forged))).rejects.toThrow(/permission/i);
    await expect(analytics.js.publish('orders.refunded', '{}')).rejects.toThrow(/permission/i);
    expect(await storedMessages()).toBe(before);
  });

  it('refuses a consumer deleting, purging or reconfiguring the stream', async () => {
    await expect(notifications.jsm.streams.delete(ORDERS_TOPOLOGY.stream)).rejects.toThrow(/permission/i);
    await expect(notifications.jsm.streams.purge(ORDERS_TOPOLOGY.stream)).rejects.toThrow(/permission/i);
    await expect(ensureStreams(analytics.jsm, ORDERS_TOPOLOGY)).rejects.toThrow(/permission/i);
    await expect(orders.jsm.streams.delete(ORDERS_TOPOLOGY.stream)).rejects.toThrow(/permission/i);
    expect(await storedMessages()).toBeGreaterThan(0);
  });

  // issue 20, finding 3: orders could cut ORDERS to max_msgs=1 and seal it for good.
  it('refuses every service user updating, sealing, purging or deleting either stream; orders may only look', async () => {
    await expect(requireStreams(orders.jsm, ORDERS_TOPOLOGY)).resolves.toBeUndefined();
    const before = await storedMessages();
    for (const events of [orders, notifications, analytics]) {
      for (const name of [ORDERS_TOPOLOGY.stream, ORDERS_TOPOLOGY.deadLetterStream]) {
        await expect(updateStream(events, name, { max_msgs: 1 })).rejects.toThrow(/permission/i);
        await expect(updateStream(events, name, { sealed: true })).rejects.toThrow(/permission/i);
        await expect(events.jsm.streams.purge(name)).rejects.toThrow(/permission/i);
        await expect(events.jsm.streams.delete(name)).rejects.toThrow(/permission/i);
      }
      await expect(events.jsm.streams.add({ name: 'ORDERS_SHADOW', subjects: ['orders.shadow'] })).rejects.toThrow(
        /permission/i,
      );
    }
    const info = await orders.jsm.streams.info(ORDERS_TOPOLOGY.stream);
    expect(info.config.sealed ?? false).toBe(false);
    expect(info.state.messages).toBe(before);
  });

  it("gives both streams the catalog's size, count and message-size limits, and refuses a larger event", async () => {
    const [stream] = catalog.streams;
    for (const [name, limits] of [
      [ORDERS_TOPOLOGY.stream, stream!.limits],
      [ORDERS_TOPOLOGY.deadLetterStream, stream!.deadLetterLimits],
    ] as const) {
      const { config } = await orders.jsm.streams.info(name);
      expect([config.max_bytes, config.max_msgs, config.max_msg_size], name).toEqual([
        limits.maxBytes,
        limits.maxMsgs,
        limits.maxMsgSize,
      ]);
    }
    // A 900 KB dead letter (the example) no longer fits.
    await expect(
      notifications.js.publish(deadLetterSubject(ORDERS_TOPOLOGY, notificationsService.name), 'x'.repeat(900 * 1024)),
    ).rejects.toThrow(/maximum|size/i);
  });

  it('lets the bootstrap only create, update and look at the streams: no purge, delete, publish or read', async () => {
    await expect(bootstrap.jsm.streams.purge(ORDERS_TOPOLOGY.stream)).rejects.toThrow(/permission/i);
    await expect(bootstrap.jsm.streams.delete(ORDERS_TOPOLOGY.deadLetterStream)).rejects.toThrow(/permission/i);
    await expect(bootstrap.js.publish(ORDER_PLACED_SUBJECT, '{}')).rejects.toThrow(/permission/i);
    await expect(bootstrap.jsm.consumers.info(ORDERS_TOPOLOGY.stream, notificationsService.name)).rejects.toThrow(
      /permission/i,
    );
  });

  it('lets the operator repair what only it may touch: a sealed stream is replaced, and the bootstrap restores the limits', async () => {
    const admin = await as(BROKER_ADMIN);
    try {
      const scratch = { ...ORDERS_TOPOLOGY, stream: 'REPAIR', subjects: ['repair.>'], deadLetterStream: 'REPAIR_DLQ' };
      await admin.jsm.streams.add({ name: scratch.stream, subjects: [...scratch.subjects] });
      await updateStream(admin, scratch.stream, { sealed: true }, admin);
      await expect(admin.js.publish('repair.x', '{}')).rejects.toThrow();
      await admin.jsm.streams.delete(scratch.stream);
      await ensureStreams(admin.jsm, scratch, streamLimits(catalog.streams[0]!));
      expect((await admin.js.publish('repair.x', '{}')).seq).toBe(1);
      // The operator may change a live stream's limits; the bootstrap, run again, puts the catalog's back.
      await admin.jsm.streams.update(ORDERS_TOPOLOGY.deadLetterStream, { max_msgs: 5 });
      await ensureStreams(bootstrap.jsm, ORDERS_TOPOLOGY, streamLimits(catalog.streams[0]!));
      const { config } = await admin.jsm.streams.info(ORDERS_TOPOLOGY.deadLetterStream);
      expect(config.max_msgs).toBe(catalog.streams[0]!.deadLetterLimits.maxMsgs);
    } finally {
      await admin.close();
    }
  });

  it("refuses a consumer reading or deleting another service's durable", async () => {
    await expect(notifications.jsm.consumers.info(ORDERS_TOPOLOGY.stream, analyticsService.name)).rejects.toThrow(
      /permission/i,
    );
    await expect(notifications.js.consumers.get(ORDERS_TOPOLOGY.stream, analyticsService.name)).rejects.toThrow(
      /permission/i,
    );
    await expect(
      notifications.nc.request(`$JS.API.CONSUMER.MSG.NEXT.${ORDERS_TOPOLOGY.stream}.${analyticsService.name}`, '1', {
        timeout: 2_000,
      }),
    ).rejects.toThrow(/permission/i);
    await expect(notifications.jsm.consumers.delete(ORDERS_TOPOLOGY.stream, analyticsService.name)).rejects.toThrow(
      /permission/i,
    );
    // orders, which publishes, reads no durable at all.
    await expect(orders.jsm.consumers.info(ORDERS_TOPOLOGY.stream, notificationsService.name)).rejects.toThrow(
      /permission/i,
    );
  });
});
