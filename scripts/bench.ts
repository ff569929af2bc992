/**
 * `npm run bench`: the figures of docs/benchmarks.md in one run, each against a baseline measured
 * in the same process tree. Prints them; asserts nothing (the targets are printed beside them).
 * `npm run bench -- --json` also writes every figure to docs/benchmarks.json (`--out <file>` for
 * another path); `npm run bench:table` renders the table of docs/benchmarks.md from that file.
 *
 * In order: the idle cost of each service; GET /users/:id through node:http, bare Express and the
 * users service; POST /orders paced at 200/s with the catalog's heap caps (CPU per order, RSS);
 * the knee; the same 200/s without the caps; the whole shop with the event lag
 * (scripts/bench-events.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { catalog } from '../infra/cdk8s/src/catalog.js';
import { findKnee } from './bench/knee.js';
import { cpuSeconds, load, loadWithCpu, rssMiB } from './bench/measure.js';
import { paced, type PacedRequest } from './bench/paced.js';
import { machine, renderTable, type BenchResults, type OrderRun, type ReadRow } from './bench/results.js';
import { dropDatabases, ensureDatabases } from './stack/databases.js';
import { stackOptions } from './stack/options.js';
import { planStack, withDatabase } from './stack/plan.js';
import { startService, stopAll, waitReady, type RunningService } from './stack/processes.js';

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(64);
}

let flags: { json: boolean; out: string };
try {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, out: { type: 'string', default: 'docs/benchmarks.json' } },
    strict: true,
  });
  flags = { json: values.json || process.argv.includes('--out'), out: values.out };
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)} (flags: --json, --out <file>)`);
}
const parsedEnv = z
  .object({
    BENCH_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(32),
    BENCH_IDLE_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    BENCH_KNEE_SECONDS: z.coerce.number().int().min(1).max(600).default(5),
  })
  .safeParse(process.env);
if (!parsedEnv.success) fail(parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
const { BENCH_SECONDS: seconds, BENCH_CONNECTIONS: connections } = parsedEnv.data;

/** What a new order touches: orders and every service it calls (from the catalog). */
const orderPath = ['orders', ...(catalog.services.find((s) => s.name === 'orders')?.calls.map((c) => c.service) ?? [])];
const options = {
  ...stackOptions({ ...process.env, STACK_LOG_LEVEL: process.env.STACK_LOG_LEVEL ?? 'warn' }),
  databasePrefix: `bench_${process.pid}_`,
  portOffset: 10_000,
  only: [...new Set(['users', ...orderPath])],
};
const plan = planStack(options);
const databases = plan.flatMap((s) => (s.database === undefined ? [] : [s.database]));
const logDir = mkdtempSync(join(tmpdir(), 'mesh-kit-bench-'));
const urls = Object.fromEntries(plan.map((s) => [s.name, s.url]));

const startAll = (nodeOptions?: string): RunningService[] =>
  plan.map((s) =>
    startService(nodeOptions === undefined ? s : { ...s, env: { ...s.env, NODE_OPTIONS: nodeOptions } }, logDir),
  );

/** A bare server of scripts/bench/ on `port` reading the users database; resolves once it listens. */
async function startBaseline(file: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: withDatabase(options.postgresAdminUrl, `${options.databasePrefix}users`),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

async function readRow(pid: number, url: string, headers: Record<string, string>): Promise<ReadRow> {
  await load({ url, headers, connections, duration: 2 });
  const r = await loadWithCpu(pid, { url, headers, connections, duration: seconds });
  return {
    requestsPerSecond: round(r.requestsPerSecond, 0),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    cpuUsPerRequest: round(r.cpuUsPerRequest, 0),
  };
}

async function orderRun(running: RunningService[], userId: string, heapCaps: boolean): Promise<OrderRun> {
  const newOrder = (): PacedRequest => {
    const body = JSON.stringify({ items: [{ sku: 'mug-001', quantity: 2 }] });
    return {
      method: 'POST',
      path: '/orders',
      body,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-user-id': userId,
        'idempotency-key': randomUUID(),
      },
    };
  };
  await paced(urls.orders!, 100, 2, newOrder); // warm-up: JIT, pools, keep-alive sockets
  const onPath = running.filter((r) => orderPath.includes(r.service.name));
  const before = onPath.map((r) => cpuSeconds(r.child.pid!));
  const result = await paced(urls.orders!, 200, seconds, newOrder);
  const placed = Math.max(1, result.ok);
  return {
    heapCaps,
    ratePerSecond: 200,
    achievedPerSecond: round(result.achievedPerSecond, 0),
    failed: result.failed,
    p50Ms: round(result.p50Ms, 1),
    p99Ms: round(result.p99Ms, 1),
    cpuMsPerOrder: Object.fromEntries(
      onPath.map((r, i) => [r.service.name, round(((cpuSeconds(r.child.pid!) - before[i]!) * 1e3) / placed, 2)]),
    ),
    rssMiB: Object.fromEntries(onPath.map((r) => [r.service.name, round(rssMiB(r.child.pid!), 1)])),
  };
}

/** Runs scripts/bench-events.ts (the whole shop) and returns the JSON of its last line. */
async function shopRun(): Promise<Record<string, unknown>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./bench-events.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    fail(`scripts/bench-events.ts printed no figures (exit ${String(child.exitCode)}):\n${out}`);
  }
}

await ensureDatabases(options.postgresAdminUrl, databases);
let running = startAll();
const baselines: ChildProcess[] = [];
try {
  await Promise.all(running.map((r) => waitReady(r, 30_000)));
  process.stderr.write(`bench: services ready, logs in ${logDir}; idle for ${parsedEnv.data.BENCH_IDLE_SECONDS} s\n`);
  const idleBefore = running.map((r) => cpuSeconds(r.child.pid!));
  await sleep(parsedEnv.data.BENCH_IDLE_SECONDS * 1000);
  const idleCpuPercent = Object.fromEntries(
    running.map((r, i) => [
      r.service.name,
      round(((cpuSeconds(r.child.pid!) - idleBefore[i]!) * 100) / parsedEnv.data.BENCH_IDLE_SECONDS, 2),
    ]),
  );

  const nodeHttpPort = options.portOffset + 3_999;
  const expressPort = options.portOffset + 3_998;
  baselines.push(await startBaseline('./bench/baseline-server.ts', nodeHttpPort));
  baselines.push(await startBaseline('./bench/bare-express-server.ts', expressPort));
  // A profile belongs to the caller's subject (x-user-id), and users answers only that caller.
  const userId = randomUUID();
  await fetch(`${urls.users}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': userId },
    body: JSON.stringify({ name: 'Bench', email: `bench-${userId}@example.com` }),
  });
  const path = `/users/${userId}`;
  const asUser = { 'x-user-id': userId };
  process.stderr.write('bench: GET /users/:id through node:http, bare Express and users\n');
  const read = {
    nodeHttp: await readRow(baselines[0]!.pid!, `http://127.0.0.1:${nodeHttpPort}${path}`, asUser),
    bareExpress: await readRow(baselines[1]!.pid!, `http://127.0.0.1:${expressPort}${path}`, asUser),
    users: await readRow(running.find((r) => r.service.name === 'users')!.child.pid!, `${urls.users}${path}`, asUser),
  };

  process.stderr.write('bench: POST /orders at 200/s, then the knee\n');
  const capped = await orderRun(running, userId, true);
  const knee = await findKnee(
    urls.orders!,
    [100, 150, 200, 250, 300, 400, 500],
    parsedEnv.data.BENCH_KNEE_SECONDS,
    50,
    () => {
      const body = JSON.stringify({ items: [{ sku: 'mug-001', quantity: 1 }] });
      return {
        method: 'POST',
        path: '/orders',
        body,
        headers: { 'content-type': 'application/json', 'x-user-id': userId, 'idempotency-key': randomUUID() },
      };
    },
  );

  process.stderr.write('bench: POST /orders at 200/s without the heap caps\n');
  await stopAll(running, 10_000);
  running = startAll('');
  await Promise.all(running.map((r) => waitReady(r, 30_000)));
  const uncapped = await orderRun(running, userId, false);
  await stopAll(running, 10_000);
  running = [];

  process.stderr.write('bench: the whole shop (scripts/bench-events.ts)\n');
  const results: BenchResults = {
    machine: machine(),
    settings: { seconds, connections },
    read,
    idleCpuPercent,
    orders: [capped, uncapped],
    knee: {
      p99LimitMs: knee.p99LimitMs,
      rate: knee.rate ?? null,
      steps: knee.steps.map((s) => ({
        rate: s.rate,
        achievedPerSecond: round(s.achievedPerSecond, 0),
        p50Ms: round(s.p50Ms, 1),
        p99Ms: round(s.p99Ms, 1),
        failed: s.failed,
      })),
    },
    shop: await shopRun(),
  };
  console.log(renderTable(results));
  if (flags.json) {
    writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(
      `bench: figures written to ${flags.out} (npm run bench:table puts them in docs/benchmarks.md)\n`,
    );
  }
} finally {
  for (const b of baselines) b.kill('SIGTERM');
  await stopAll(running, 10_000);
  await dropDatabases(options.postgresAdminUrl, databases);
}
