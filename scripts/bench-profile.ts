/**
 * `npm run bench:profile`: CPU profiles (flame graphs) of the services under the benchmark's load,
 * and where their time went by package. Writes `.bench/profiles/<service>.cpuprofile` (open in
 * Chrome DevTools' Performance panel or https://www.speedscope.app) and prints, per service, the
 * CPU µs per request that each package used (self time: express, pino, prom-client, pg, the
 * runtime, Node itself, GC …). Two loads: GET /users/:id (users alone) and POST /orders paced
 * at BENCH_PROFILE_RATE (default 200/s) through orders and every service it calls.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { catalog } from '@mesh-kit/catalog';
import { selfTimeByOwner, type CpuProfile, type Window } from './bench/attribution.js';
import { runUnderImageNode } from './bench/image-node.js';
import { load } from './bench/measure.js';
import { paced, type PacedRequest } from './bench/paced.js';
import { dropDatabases, ensureDatabases } from './stack/databases.js';
import { stackOptions } from './stack/options.js';
import { planStack } from './stack/plan.js';
import { bootstrapStreams } from './stack/streams.js';
import { startService, stopAll, waitReady, type RunningService } from './stack/processes.js';

runUnderImageNode('bench:profile');

const parsed = z
  .object({
    BENCH_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    BENCH_PROFILE_RATE: z.coerce.number().int().min(1).max(2000).default(200),
  })
  .safeParse(process.env);
if (!parsed.success) {
  process.stderr.write(
    `bench:profile: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`,
  );
  process.exit(64);
}
const { BENCH_SECONDS: seconds, BENCH_PROFILE_RATE: rate } = parsed.data;
const outDir = resolve('.bench/profiles');
mkdirSync(outDir, { recursive: true });

const orderPath = ['orders', ...(catalog.services.find((s) => s.name === 'orders')?.calls.map((c) => c.service) ?? [])];
const options = {
  ...stackOptions({ ...process.env, STACK_LOG_LEVEL: process.env.STACK_LOG_LEVEL ?? 'warn' }),
  databasePrefix: `benchprof_${process.pid}_`,
  portOffset: 11_000,
  only: [...new Set(['users', ...orderPath])],
};
const plan = planStack(options);
const databases = plan.flatMap((s) => (s.database === undefined ? [] : [s.database]));
const urls = Object.fromEntries(plan.map((s) => [s.name, s.url]));
const logDir = mkdtempSync(join(tmpdir(), 'mesh-kit-bench-profile-'));

/** Starts the services with --cpu-prof, runs `drive`, stops them (the profiles are written on exit). */
async function profiled(label: string, drive: () => Promise<number>): Promise<void> {
  const profDir = mkdtempSync(join(tmpdir(), 'mesh-kit-cpuprof-'));
  const running: RunningService[] = plan.map((s) =>
    startService(s, logDir, ['--cpu-prof', `--cpu-prof-dir=${join(profDir, s.name)}`]),
  );
  let requests = 0;
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  let window: Window | undefined;
  try {
    await Promise.all(running.map((r) => waitReady(r, 30_000)));
    const fromUs = nowUs();
    requests = await drive();
    window = { fromUs, toUs: nowUs() };
  } finally {
    await stopAll(running, 10_000);
  }
  console.log(`\n${label}: CPU µs per request by package (self time; ${requests} requests)`);
  for (const r of running) {
    const dir = join(profDir, r.service.name);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) continue;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const owners = selfTimeByOwner(profile, window);
    const total = owners.reduce((sum, [, ms]) => sum + ms, 0);
    if (total * 1000 < requests) continue; // a service this load did not touch
    const perRequest = (ms: number): string => ((ms * 1000) / Math.max(1, requests)).toFixed(0);
    const target = join(outDir, `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${r.service.name}.cpuprofile`);
    renameSync(join(dir, file), target);
    console.log(`  ${r.service.name.padEnd(9)} ${perRequest(total).padStart(5)} µs  (${target})`);
    for (const [owner, ms] of owners.filter(([, ms]) => ms / total >= 0.01)) {
      console.log(
        `    ${owner.padEnd(28)} ${perRequest(ms).padStart(5)} µs  ${((ms / total) * 100).toFixed(1).padStart(5)} %`,
      );
    }
  }
  rmSync(profDir, { recursive: true, force: true });
}

async function createUser(): Promise<string> {
  const id = randomUUID();
  await fetch(`${urls.users}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': id },
    body: JSON.stringify({ name: 'Profile', email: `profile-${id}@example.com` }),
  });
  return id;
}

await ensureDatabases(options.postgresAdminUrl, databases);
await bootstrapStreams(options.natsUrl, options.eventsNamespace ?? '', catalog);
try {
  await profiled('GET /users/:id', async () => {
    const id = await createUser();
    const result = await load({
      url: `${urls.users}/users/${id}`,
      headers: { 'x-user-id': id },
      connections: 32,
      duration: seconds,
    });
    return Math.round(result.requestsPerSecond * seconds);
  });
  await profiled(`POST /orders at ${rate}/s`, async () => {
    const id = await createUser();
    const order = (): PacedRequest => {
      const body = JSON.stringify({ items: [{ sku: 'mug-001', quantity: 1 }] });
      return {
        method: 'POST',
        path: '/orders',
        body,
        headers: { 'content-type': 'application/json', 'x-user-id': id, 'idempotency-key': randomUUID() },
      };
    };
    const result = await paced(urls.orders!, rate, seconds, order);
    return result.ok;
  });
} finally {
  await dropDatabases(options.postgresAdminUrl, databases);
}
