import { execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { synthesize } from '../scripts/chart.js';
import type { KubeObject } from '../scripts/manifests.js';
import { generateSigningKeys } from '../scripts/secrets.js';
import { bootstrapStreams } from '../scripts/stack/streams.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { reservePortOffset, type PortOffset } from '../test-support/port-offset.js';

// Every service image, built through `make images` from the repository's Dockerfile, then run the
// way its pod runs it: the uid, read-only root filesystem, no capabilities, no new privileges and
// the env of the synthesized Deployment — with the cluster's hosts rewritten to 127.0.0.1, the
// shared PostgreSQL and NATS, and host networking (containers are never addressed on Docker's
// bridge). NODE_IMAGE names the base image when none can be pulled (CI: scripts/ci/base-image.sh).
const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('package.json', `file://${root}`), 'utf8')) as { version: string };

const daemon = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' });
const dockerRuns = daemon.status === 0 && daemon.stdout.trim() !== '';
if (!dockerRuns) {
  console.warn(
    `images: skipped — no Docker daemon answers (\`docker version\`: ${(daemon.stderr || String(daemon.error ?? '')).trim().split('\n')[0]}). ` +
      'Install Docker (CI installs Debian docker.io: .ci/run) to build and run the images.',
  );
}

interface Container {
  readonly service: string;
  readonly name: string;
  readonly image: string;
  readonly url: string;
  readonly graceSeconds: number;
  readonly mounts: readonly string[];
  startedAt: number;
  readyMs?: number;
}

const docker = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
const must = (...args: string[]): string => {
  const run = docker(...args);
  if (run.status !== 0) throw new Error(`docker ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
};
const execFileAsync = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function call(
  container: Container,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of several shapes, asserted field by field
): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(`${container.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** Polls until `check` holds, or fails after `ms` with the last value. */
async function eventually<T>(ms: number, read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await sleep(250);
    value = await read();
  }
  return value;
}

describe.skipIf(!dockerRuns)('every service image, built through make and run as its pod runs it', () => {
  const containers = new Map<string, Container>();
  const databases: TestDatabase[] = [];
  const gatewayRequests: IncomingHttpHeaders[] = [];
  const sizes = new Map<string, number>();
  const run = randomBytes(3).toString('hex');
  let offset: PortOffset;
  let gateway: Server;
  let buildSeconds = 0;
  let built: string[] = [];

  beforeAll(async () => {
    offset = await reservePortOffset();
    const started = Date.now();
    const make = spawnSync('make', ['--no-print-directory', 'images'], {
      cwd: root,
      encoding: 'utf8',
      env: process.env,
      timeout: 40 * 60_000,
    });
    buildSeconds = (Date.now() - started) / 1000;
    if (make.status !== 0) {
      const hint =
        process.env['NODE_IMAGE'] === undefined
          ? '\n(without a reachable image registry, build a stand-in base first: NODE_IMAGE=$(scripts/ci/base-image.sh) npm test)'
          : '';
      throw new Error(`make images failed:\n${make.stdout}${make.stderr}${hint}`);
    }
    built = [...make.stdout.matchAll(/==> images: building mesh-kit\/([a-z-]+):/g)].map((m) => m[1] ?? '');

    // Each service's tag as make computed it, and the manifests synthesized with those tags.
    const listed = spawnSync(
      'bash',
      [
        '-c',
        `. scripts/lib.sh && for s in ${catalog.services.map((s) => s.name).join(' ')}; do echo "$s=$(image_tag "$s")"; done`,
      ],
      { cwd: root, encoding: 'utf8', env: process.env },
    );
    if (listed.status !== 0) throw new Error(`image_tag: ${listed.stderr}`);
    const tags = Object.fromEntries(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    const objects = synthesize({ registry: 'mesh-kit', tag: version, tags }).flatMap((file) => file.objects);

    gatewayRequests.length = 0;
    // A stand-in gateway: the public catalogue, then 503 for the rest of a journey.
    gateway = createServer((req, res) => {
      gatewayRequests.push({ ...req.headers, ':path': `${req.method} ${req.url}` });
      if (req.method === 'GET' && req.url?.startsWith('/api/products') === true) {
        const items = [{ sku: 'book-7', name: 'A book', priceCents: 1999, currency: 'EUR' }];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
        return;
      }
      req.resume();
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"title":"stand-in gateway"}');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const { natsUrl } = inject('backing');
    // As `make deploy` runs the broker's bootstrap Job before the services: orders only checks the streams exist.
    await bootstrapStreams(natsUrl, `img${run}`, catalog);
    const signingKey = generateSigningKeys().privatePem;
    const portOf = (name: string): number => (catalog.services.find((s) => s.name === name)?.port ?? 0) + offset.offset;

    for (const spec of catalog.services) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === spec.name) as
        (KubeObject & { spec: { template: { spec: PodSpec } } }) | undefined;
      if (deployment === undefined) throw new Error(`no Deployment ${spec.name} in the synthesized manifests`);
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0]!;
      const user = `${container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser}:${container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup}`;
      expect(container.securityContext?.readOnlyRootFilesystem, spec.name).toBe(true);
      expect(container.securityContext?.capabilities?.drop, spec.name).toEqual(['ALL']);
      expect(container.securityContext?.allowPrivilegeEscalation, spec.name).toBe(false);

      const env: string[] = [];
      let database: TestDatabase | undefined;
      for (const variable of container.env ?? []) {
        const { name } = variable;
        let value = variable.value;
        if (name === 'DATABASE_URL' || name === 'DATABASE_MIGRATION_URL') {
          // The pod's two roles: it migrates as the owner and serves as the DML-only runtime role.
          if (database === undefined) {
            database = await createTestDatabase(`image_${spec.name}`);
            databases.push(database);
          }
          value = name === 'DATABASE_URL' ? database.runtimeUrl : database.ownerUrl;
        } else if (name === 'JWT_SIGNING_KEY' || name === 'IDENTITY_SIGNING_KEY') value = signingKey;
        else if (name === 'NATS_URL') value = natsUrl;
        else if (name === 'GATEWAY_URL') value = gatewayUrl;
        else if (name === 'PORT') value = String(portOf(spec.name));
        // The local NATS runs without accounts (as for the local stack); no zipkin runs here.
        else if (['NATS_USER', 'NATS_PASSWORD', 'OTEL_EXPORTER_ZIPKIN_ENDPOINT'].includes(name)) continue;
        else if (value !== undefined) {
          value = value.replace(
            /http:\/\/([a-z0-9-]+)\.[a-z0-9-]+\.svc\.cluster\.local:\d+/g,
            (_, host: string) => `http://127.0.0.1:${portOf(host)}`,
          );
        }
        if (value === undefined)
          throw new Error(
            `${spec.name}: env ${name} comes from ${JSON.stringify(variable.valueFrom)}, which the test does not provide`,
          );
        env.push('--env', `${name}=${value}`);
      }
      // Host networking: listen on loopback only, and keep this run's streams apart on the shared NATS.
      env.push('--env', 'HOST=127.0.0.1', '--env', `EVENTS_NAMESPACE=img${run}`);
      const scratch = new Map(
        (pod.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => [v.name, v.emptyDir?.sizeLimit]),
      );
      const mounts = (container.volumeMounts ?? []).filter((m) => scratch.has(m.name));
      const name = `mesh-kit-image-${spec.name}-${run}`;
      const image = container.image;
      sizes.set(spec.name, Number(must('image', 'inspect', '--format', '{{.Size}}', image)));
      const entry: Container = {
        service: spec.name,
        name,
        image,
        url: `http://127.0.0.1:${portOf(spec.name)}`,
        graceSeconds: pod.terminationGracePeriodSeconds ?? 30,
        mounts: mounts.map((m) => m.mountPath),
        startedAt: Date.now(),
      };
      must(
        'run',
        '--detach',
        '--name',
        name,
        '--network',
        'host',
        '--user',
        user,
        '--read-only',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        ...mounts.flatMap((m) => ['--tmpfs', `${m.mountPath}:rw,noexec,nosuid,size=${toBytes(scratch.get(m.name))}`]),
        ...env,
        image,
      );
      containers.set(spec.name, entry);
    }
    await Promise.all(
      [...containers.values()].map(async (c) => {
        const ready = await eventually(
          90_000,
          () =>
            fetch(`${c.url}/readyz`).then(
              (r) => r.status,
              () => 0,
            ),
          (status) => status === 200,
        );
        if (ready !== 200) {
          throw new Error(`${c.service} not ready within 90 s:\n${docker('logs', '--tail', '30', c.name).stderr}`);
        }
        c.readyMs = Date.now() - c.startedAt;
      }),
    );
  }, 45 * 60_000);

  afterAll(async () => {
    for (const c of containers.values()) docker('rm', '--force', c.name);
    await Promise.all(databases.map((d) => d.drop()));
    await new Promise((resolve) => gateway?.close(resolve));
    offset?.release();
    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
    console.log(
      [
        `images: make images took ${buildSeconds.toFixed(0)} s (${built.length === 0 ? 'nothing to build' : `built ${built.join(', ')}`})`,
        ...[...containers.values()].map(
          (c) =>
            `images: ${c.image} ${mib(sizes.get(c.service) ?? 0)} MiB, ready ${((c.readyMs ?? NaN) / 1000).toFixed(1)} s after docker run`,
        ),
      ].join('\n'),
    );
  });

  it('runs each container as its pod: uid 1000, read-only root, no capabilities, no new privileges, scratch only where the pod mounts it', () => {
    for (const c of containers.values()) {
      const status = must('exec', c.name, 'cat', '/proc/1/status');
      expect(`${c.service} ${/^Uid:\s+(\d+)/m.exec(status)?.[1]}`).toBe(`${c.service} 1000`);
      expect(`${c.service} ${/^CapBnd:\s+(\S+)/m.exec(status)?.[1]}`).toBe(`${c.service} 0000000000000000`);
      expect(`${c.service} ${/^NoNewPrivs:\s+(\d)/m.exec(status)?.[1]}`).toBe(`${c.service} 1`);
      const write = docker('exec', c.name, 'sh', '-c', 'echo x > /app/written');
      expect(write.status, c.service).not.toBe(0);
      expect(write.stderr, c.service).toContain('Read-only file system');
      for (const path of c.mounts)
        expect(docker('exec', c.name, 'sh', '-c', `echo x > ${path}/written`).status).toBe(0);
    }
  });

  it('each serves its routes, an order crossing users, products, payments, orders, NATS, notifications and analytics', async () => {
    const get = (service: string): Container => containers.get(service)!;
    const user = randomUUID();
    const created = await call(
      get('users'),
      'POST',
      '/users',
      { 'x-user-id': user },
      { name: 'Ada', email: `ada-${user}@example.com` },
    );
    expect(created.status).toBe(201);
    const products = await call(get('products'), 'GET', '/products?limit=5');
    expect(products.status).toBe(200);
    expect(products.body.items.length).toBeGreaterThan(0);
    const authorization = await call(
      get('payments'),
      'POST',
      '/authorizations',
      {},
      {
        orderKey: randomUUID(),
        userId: user,
        amountCents: 500,
        currency: 'EUR',
      },
    );
    expect(authorization.status).toBe(201);
    const order = await call(
      get('orders'),
      'POST',
      '/orders',
      { 'x-user-id': user, 'idempotency-key': randomUUID() },
      { items: [{ sku: 'book-7', quantity: 2 }] },
    );
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body.totalCents).toBe(2 * 1999);
    const notified = await eventually(
      20_000,
      () => call(get('notifications'), 'GET', '/notifications', { 'x-user-id': user }),
      (r) => r.status === 200 && JSON.stringify(r.body).includes(order.body.id),
    );
    expect(JSON.stringify(notified.body)).toContain(order.body.id);
    const stats = await eventually(
      20_000,
      () => call(get('analytics'), 'GET', '/stats'),
      (r) => r.status === 200 && r.body.orders >= 1,
    );
    expect(stats.body.orders).toBeGreaterThanOrEqual(1);
    const overview = await call(get('storefront'), 'GET', '/overview', { 'x-user-id': user });
    expect(overview.status).toBe(200);
    expect(overview.body.user.id).toBe(user);
    expect(overview.body.missing).toEqual([]);
    const check = await call(get('apikeys'), 'GET', '/check/api/stats');
    expect(check.status).toBe(401);
    expect(check.type).toContain('application/problem+json');
    // loadgen signs its own tokens and drives journeys at the gateway it is given.
    const signUp = (): IncomingHttpHeaders | undefined => gatewayRequests.find((h) => h[':path'] === 'POST /api/users');
    await eventually(
      15_000,
      async () => signUp(),
      (found) => found !== undefined,
    );
    expect(signUp()?.authorization).toMatch(/^Bearer ey/);
  }, 120_000);

  it('each exits 0 on SIGTERM within its terminationGracePeriodSeconds', async () => {
    const lines: string[] = [];
    for (const c of containers.values()) {
      const started = Date.now();
      // Asynchronously: loadgen's last journey waits on the stand-in gateway in this process.
      await execFileAsync('docker', ['stop', '--time', String(c.graceSeconds), c.name]);
      const seconds = (Date.now() - started) / 1000;
      const exit = must('inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', c.name);
      expect(`${c.service} ${exit}`, docker('logs', '--tail', '20', c.name).stdout).toBe(`${c.service} 0 false`);
      expect(seconds, c.service).toBeLessThan(c.graceSeconds);
      lines.push(`images: ${c.service} stopped in ${seconds.toFixed(1)} s (grace ${c.graceSeconds} s), exit 0`);
    }
    console.log(lines.join('\n'));
  }, 300_000);
});

interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
  containers: {
    image: string;
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    volumeMounts?: { name: string; mountPath: string }[];
    securityContext?: {
      runAsUser?: number;
      runAsGroup?: number;
      readOnlyRootFilesystem?: boolean;
      allowPrivilegeEscalation?: boolean;
      capabilities?: { drop?: string[] };
    };
  }[];
}

/** A Kubernetes quantity (64Mi) in bytes, for --tmpfs size=; no limit → 64 MiB. */
function toBytes(quantity: string | undefined): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity ?? '64Mi');
  if (match === null) throw new Error(`emptyDir sizeLimit '${quantity}' is not <n>[Ki|Mi|Gi]`);
  return Number(match[1]) * 1024 ** ({ Ki: 1, Mi: 2, Gi: 3 }[match[2] as 'Ki'] ?? 0);
}
