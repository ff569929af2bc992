/**
 * `npm run bench`: the local stack under load, against a bare node:http baseline run in the same
 * process tree. Prints figures; asserts nothing (figures and targets: docs/benchmarks.md).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, load, loadWithCpu, row, rssMiB } from './bench/measure.js';
import { paced } from './bench/paced.js';
import { dropDatabases, ensureDatabases } from './stack/databases.js';
import { stackOptions } from './stack/options.js';
import { planStack, withDatabase } from './stack/plan.js';
import { startService, stopAll, waitReady } from './stack/processes.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const options = {
  ...stackOptions({ ...process.env, STACK_LOG_LEVEL: process.env.STACK_LOG_LEVEL ?? 'warn' }),
  databasePrefix: `bench_${process.pid}_`,
  portOffset: 10_000,
  only: ['users', 'products', 'payments', 'orders'],
};
const plan = planStack(options);
await ensureDatabases(
  options.postgresAdminUrl,
  plan.flatMap((s) => (s.database === undefined ? [] : [s.database])),
);
const running = plan.map((s) => startService(s, mkdtempSync(join(tmpdir(), 'mesh-kit-bench-'))));
const urls = Object.fromEntries(plan.map((s) => [s.name, s.url]));

const baselinePort = options.portOffset + 3_999;
const usersDb = withDatabase(options.postgresAdminUrl, `${options.databasePrefix}users`);
const baseline = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./bench/baseline-server.ts', import.meta.url))],
  {
    env: { ...process.env, PORT: String(baselinePort), DATABASE_URL: usersDb },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);

try {
  await Promise.all(running.map((r) => waitReady(r, 30_000)));
  await new Promise<void>((resolve) => baseline.stdout.once('data', () => resolve()));

  // A profile belongs to the caller's subject (x-user-id), and users answers only that caller.
  const user = { id: randomUUID() };
  await fetch(`${urls.users}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': user.id },
    body: JSON.stringify({ name: 'Bench', email: `bench-${user.id}@example.com` }),
  });
  const userPath = `/users/${user.id}`;
  const asUser = { 'x-user-id': user.id };

  console.log(`mesh-kit bench: ${seconds}s per run, ${connections} connections, node ${process.version}\n`);
  const warm = { connections, duration: 2 };
  await load({ ...warm, url: `http://127.0.0.1:${baselinePort}${userPath}` });
  const base = await loadWithCpu(baseline.pid!, {
    url: `http://127.0.0.1:${baselinePort}${userPath}`,
    connections,
    duration: seconds,
  });
  await load({ ...warm, url: `${urls.users}${userPath}`, headers: asUser });
  const usersPid = running.find((r) => r.service.name === 'users')!.child.pid!;
  const users = await loadWithCpu(usersPid, {
    url: `${urls.users}${userPath}`,
    headers: asUser,
    connections,
    duration: seconds,
  });
  console.log(row('baseline GET (node:http+pg)', base, `   ${base.cpuUsPerRequest.toFixed(0)} µs CPU/req`));
  console.log(row('users GET /users/:id', users, `   ${users.cpuUsPerRequest.toFixed(0)} µs CPU/req`));
  console.log(
    `  ratio to baseline: throughput ${(users.requestsPerSecond / base.requestsPerSecond).toFixed(2)} (target ≥ 0.80), ` +
      `CPU per request ${(base.cpuUsPerRequest / users.cpuUsPerRequest).toFixed(2)}`,
  );

  // A seeded sku: products prices it.
  const body = JSON.stringify({ items: [{ sku: 'mug-001', quantity: 2 }] });
  // Evenly paced, open loop: autocannon's overallRate sends each second's budget in a burst,
  // which measures its own queueing rather than the service's latency at 200/s.
  const newOrder = () => ({
    method: 'POST',
    path: '/orders',
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-user-id': user.id,
      'idempotency-key': randomUUID(),
    },
  });
  await paced(urls.orders!, 100, 2, newOrder); // warm-up: JIT, pools, keep-alive sockets
  const cpuBefore = running.map((r) => cpuSeconds(r.child.pid!));
  const paced200 = await paced(urls.orders!, 200, seconds, newOrder);
  const orders = {
    requestsPerSecond: paced200.achievedPerSecond,
    p50Ms: paced200.p50Ms,
    p99Ms: paced200.p99Ms,
    non2xx: paced200.failed,
    errors: 0,
  };
  console.log(row('orders POST /orders @200/s', orders, '   (target p99 ≤ 10 ms)'));
  const perOrder = running.map((r, i) => {
    const ms = ((cpuSeconds(r.child.pid!) - cpuBefore[i]!) * 1e3) / Math.max(1, orders.requestsPerSecond * seconds);
    return `${r.service.name} ${ms.toFixed(2)} ms`;
  });
  console.log(`  CPU per order: ${perOrder.join(', ')}`);

  console.log('\nRSS after the run (target ≤ 100 MiB each):');
  for (const r of running) console.log(`  ${r.service.name.padEnd(12)} ${rssMiB(r.child.pid!).toFixed(1)} MiB`);
  console.log(`  ${'baseline'.padEnd(12)} ${rssMiB(baseline.pid!).toFixed(1)} MiB`);
} finally {
  baseline.kill('SIGTERM');
  await stopAll(running, 10_000);
  await dropDatabases(
    options.postgresAdminUrl,
    plan.flatMap((s) => (s.database === undefined ? [] : [s.database])),
  );
}
