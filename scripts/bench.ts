/**
 * `npm run bench`: the figures of docs/benchmarks.md in one run, each against a baseline measured
 * in the same process tree. Prints them; asserts nothing (the targets are printed beside them).
 * `npm run bench -- --json` also writes every figure to docs/benchmarks.json (`--out <file>` for
 * another path); `npm run bench:table` renders the table of docs/benchmarks.md from that file.
 *
 * It runs under the Node.js major the image ships (scripts/bench/image-node.ts). In order: the idle
 * cost of each service; GET /users/:id through node:http, bare Express, bare Express behind the
 * runtime's first 1, 2, … layers, and the users service (interleaved rounds, medians, pinned to a
 * CPU each where taskset exists); POST /orders paced at 100/s and at 200/s with the catalog's heap
 * settings (CPU per order, RSS), each on fresh processes; the knee; 200/s again with V8's default
 * heap settings; the whole shop with the event lag (scripts/bench-events.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { catalog } from '@mesh-kit/catalog';
import { runUnderImageNode } from './bench/image-node.js';
import { findKnee } from './bench/knee.js';
import { cpuSeconds, load, loadWithCpu, rssMiB } from './bench/measure.js';
import { compareOrderStacks, newOrderRequest, startAnchor, type OrderStack } from './bench/order-anchor.js';
import { paced, type PacedRequest } from './bench/paced.js';
import {
  machine,
  renderOrderAnchor,
  renderReadRows,
  renderTable,
  type BenchResults,
  type OrderAnchor,
  type OrderRun,
  type ReadRow,
} from './bench/results.js';
import { dropDatabases, ensureDatabases } from './stack/databases.js';
import { stackOptions } from './stack/options.js';
import { planStack, withDatabase } from './stack/plan.js';
import { bootstrapStreams } from './stack/streams.js';
import { startService, stopAll, waitReady, type RunningService } from './stack/processes.js';

runUnderImageNode('bench');

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
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(20).default(3),
    /**
     * `orders`: only the order path against its anchor (and BENCH_KIT_B), nothing else. `reads`: only
     * GET /users/:id through node:http, bare Express, the runtime's layers and users; with
     * BENCH_KIT_B, node:http, bare Express and both users services.
     */
    BENCH_ONLY: z.enum(['all', 'orders', 'reads']).default('all'),
    /** Rate of the kit-against-anchor comparison. */
    BENCH_ANCHOR_RATE: z.coerce.number().int().min(1).max(2000).default(200),
    /**
     * Another checkout of the kit (built: `npx tsc -b`), run as a third stack in the same
     * interleaved rounds: a before/after comparison of a change in one process tree.
     */
    BENCH_KIT_B: z.string().min(1).optional(),
    /** NODE_OPTIONS of BENCH_KIT_B's services instead of the catalog's (heap settings compared on one checkout). */
    BENCH_KIT_B_NODE_OPTIONS: z.string().optional(),
    /** Node flags before BENCH_KIT_B's entry, for V8 flags NODE_OPTIONS refuses (`--heap-growing-percent=100`). */
    BENCH_KIT_B_NODE_ARGS: z
      .string()
      .optional()
      .transform((v) => v?.split(/\s+/).filter((a) => a !== '') ?? []),
  })
  .safeParse(process.env);
if (!parsedEnv.success) fail(parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
const {
  BENCH_SECONDS: seconds,
  BENCH_CONNECTIONS: connections,
  BENCH_ROUNDS: rounds,
  BENCH_ANCHOR_RATE: anchorRate,
  BENCH_KIT_B: kitBDir,
  BENCH_KIT_B_NODE_OPTIONS: kitBNodeOptions,
  BENCH_KIT_B_NODE_ARGS: kitBNodeArgs,
} = parsedEnv.data;

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

const baselines: ChildProcess[] = [];
const kitB =
  kitBDir === undefined
    ? []
    : planStack({ ...options, databasePrefix: `bench_${process.pid}_b_`, portOffset: options.portOffset + 50 }).map(
        (s) => ({
          ...s,
          entry: join(kitBDir, `services/${s.name}/dist/server.js`),
          env: kitBNodeOptions === undefined ? s.env : { ...s.env, NODE_OPTIONS: kitBNodeOptions },
        }),
      );
const databasesB = kitB.flatMap((s) => (s.database === undefined ? [] : [s.database]));
const startAll = (nodeOptions?: string): RunningService[] =>
  plan.map((s) =>
    startService(nodeOptions === undefined ? s : { ...s, env: { ...s.env, NODE_OPTIONS: nodeOptions } }, logDir),
  );

/**
 * A bare server of scripts/bench/ on `port` reading the users database; resolves with its first line
 * of output once it listens.
 */
async function startBaseline(
  file: string,
  port: number,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: withDatabase(options.postgresAdminUrl, `${options.databasePrefix}users`),
      // The services' heap settings, so that the rows differ by code alone.
      NODE_OPTIONS: catalog.defaults.nodeOptions,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  baselines.push(child);
  const firstLine = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]!)),
  );
  return { child, firstLine };
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));
/** The old-space limit the heap comparison adds when the catalog's settings have none. */
const OLD_SPACE_PROBE_MIB = 64;

/**
 * Pins every thread of `pid` to the CPUs `list` (taskset, Linux); false where that cannot be done.
 * Reads run with the load generator on CPU 0 and the server on CPU 1, so neither's scheduling
 * shows up as the other's cost.
 */
function pin(pid: number, list: string): boolean {
  if (cpus().length < 2) return false;
  const result = spawnSync('taskset', ['--all-tasks', '--pid', '--cpu-list', list, String(pid)], { stdio: 'ignore' });
  return result.status === 0;
}

interface ReadTarget {
  readonly pid: number;
  readonly url: string;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The read rows, interleaved: each round loads every target in turn, and each row is the median of
 * its rounds. This machine's speed drifts by tens of per cent over a minute; measured one after
 * the other, the drift would show up as a difference between the stacks.
 */
async function readRows<K extends string>(
  targets: Readonly<Record<K, ReadTarget>>,
  headers: Record<string, string>,
): Promise<{ rows: Record<K, ReadRow>; pinned: boolean }> {
  const names = Object.keys(targets) as K[];
  const samples = new Map<K, { rps: number; p50: number; p99: number; cpu: number }[]>();
  const everyCpu = `0-${cpus().length - 1}`;
  const pinned = pin(process.pid, '0') && names.every((name) => pin(targets[name].pid, '1'));
  for (const name of names) await load({ url: targets[name].url, headers, connections, duration: 2 });
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const r = await loadWithCpu(targets[name].pid, {
        url: targets[name].url,
        headers,
        connections,
        duration: seconds,
      });
      samples.set(name, [
        ...(samples.get(name) ?? []),
        { rps: r.requestsPerSecond, p50: r.p50Ms, p99: r.p99Ms, cpu: r.cpuUsPerRequest },
      ]);
    }
  }
  for (const pid of [process.pid, ...names.map((name) => targets[name].pid)]) pin(pid, everyCpu);
  const rows = Object.fromEntries(
    names.map((name) => {
      const s = samples.get(name)!;
      const row: ReadRow = {
        requestsPerSecond: round(median(s.map((x) => x.rps)), 0),
        p50Ms: median(s.map((x) => x.p50)),
        p99Ms: median(s.map((x) => x.p99)),
        cpuUsPerRequest: round(median(s.map((x) => x.cpu)), 0),
        cpuUsPerRequestRounds: s.map((x) => round(x.cpu, 0)),
      };
      return [name, row];
    }),
  ) as Record<K, ReadRow>;
  return { rows, pinned };
}

/**
 * The read's baselines (node:http, bare Express and, with `layers`, bare Express behind the
 * runtime's first 1, 2, … layers), started here, and a profile registered on the stack's users (and
 * on each of `alsoRegisterOn`, other users services with databases of their own) for them all to read.
 */
async function readBaselines(
  layers: boolean,
  alsoRegisterOn: readonly string[] = [],
): Promise<{
  targets: Record<string, ReadTarget>;
  layerNames: string[];
  userId: string;
  path: string;
  asUser: Record<string, string>;
}> {
  const nodeHttpPort = options.portOffset + 3_999;
  const expressPort = options.portOffset + 3_998;
  const nodeHttp = await startBaseline('./bench/baseline-server.ts', nodeHttpPort);
  const bareExpress = await startBaseline('./bench/bare-express-server.ts', expressPort);
  // Bare Express behind the runtime's first 1, 2, … layers: what each layer adds.
  const layerPort = (count: number): number => options.portOffset + 3_990 + count;
  const layerServer = (count: number) =>
    startBaseline('./bench/layers-server.ts', layerPort(count), { LAYERS: String(count) });
  const layerServers: Awaited<ReturnType<typeof layerServer>>[] = [];
  let layerNames: string[] = [];
  if (layers) {
    const first = await layerServer(1);
    layerNames = z.object({ names: z.array(z.string()).min(1) }).parse(JSON.parse(first.firstLine)).names;
    layerServers.push(first);
    for (let count = 2; count <= layerNames.length; count++) layerServers.push(await layerServer(count));
  }
  // A profile belongs to the caller's subject (x-user-id), and users answers only that caller.
  const userId = randomUUID();
  for (const url of [urls.users!, ...alsoRegisterOn]) {
    await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': userId },
      body: JSON.stringify({ name: 'Bench', email: `bench-${userId}@example.com` }),
    });
  }
  const path = `/users/${userId}`;
  const asUser = { 'x-user-id': userId };
  const targets: Record<string, ReadTarget> = {
    nodeHttp: { pid: nodeHttp.child.pid!, url: `http://127.0.0.1:${nodeHttpPort}${path}` },
    bareExpress: { pid: bareExpress.child.pid!, url: `http://127.0.0.1:${expressPort}${path}` },
    ...Object.fromEntries(
      layerServers.map((s, i) => [
        `layer${i + 1}`,
        { pid: s.child.pid!, url: `http://127.0.0.1:${layerPort(i + 1)}${path}` },
      ]),
    ),
  };
  return { targets, layerNames, userId, path, asUser };
}

async function orderRun(running: RunningService[], userId: string, heapCaps: boolean, rate: number): Promise<OrderRun> {
  const newOrder = (): PacedRequest => newOrderRequest(userId);
  // Warm-up: pools, keep-alive sockets, and the JIT, whose compiler threads count in the process's CPU.
  await paced(urls.orders!, 100, 5, newOrder);
  const onPath = running.filter((r) => orderPath.includes(r.service.name));
  const before = onPath.map((r) => cpuSeconds(r.child.pid!));
  const result = await paced(urls.orders!, rate, seconds, newOrder);
  const placed = Math.max(1, result.ok);
  return {
    heapCaps,
    nodeOptions: heapCaps ? catalog.defaults.nodeOptions : '',
    ratePerSecond: rate,
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

/**
 * The kit's order path against its anchor (and BENCH_KIT_B's) at BENCH_ANCHOR_RATE, interleaved
 * rounds on the processes `running` (fresh ones), the anchor started here and stopped after.
 */
async function anchorComparison(running: RunningService[]): Promise<OrderAnchor> {
  const rate = anchorRate;
  const anchor = await startAnchor({
    ports: [0, 1, 2, 3].map((i) => options.portOffset + 3_970 + i),
    databaseUrls: Object.fromEntries(plan.flatMap((s) => (s.env.DATABASE_URL ? [[s.name, s.env.DATABASE_URL]] : []))),
    natsUrl: options.natsUrl,
    nodeOptions: catalog.defaults.nodeOptions,
    eventsNamespace: options.eventsNamespace ?? '',
  });
  baselines.push(...anchor.children);
  const stackOf = (label: string, services: RunningService[]): OrderStack => ({
    label,
    ordersUrl: services.find((r) => r.service.name === 'orders')!.service.url,
    usersUrl: services.find((r) => r.service.name === 'users')!.service.url,
    pids: Object.fromEntries(
      services.filter((r) => orderPath.includes(r.service.name)).map((r) => [r.service.name, r.child.pid!]),
    ),
  });
  let runningB: RunningService[] = [];
  try {
    if (kitB.length > 0) {
      await ensureDatabases(options.postgresAdminUrl, databasesB);
      runningB = kitB.map((s) => startService(s, join(logDir, 'kit-b'), kitBNodeArgs));
      await Promise.all(runningB.map((r) => waitReady(r, 30_000)));
    }
    process.stderr.write(
      `bench: POST /orders at ${rate}/s through the kit${runningB.length > 0 ? ', BENCH_KIT_B' : ''} and the bare anchor, ${rounds} interleaved rounds of ${seconds} s\n`,
    );
    const stacks = [
      stackOf('kit', running),
      anchor.stack,
      ...(runningB.length > 0 ? [stackOf('kit B', runningB)] : []),
    ];
    const [kit, bare, b] = await compareOrderStacks(stacks, urls.users!, rate, seconds, rounds);
    return { ratePerSecond: rate, kit: kit!, bare: bare!, ...(b === undefined ? {} : { kitB: b }) };
  } finally {
    for (const child of anchor.children) child.kill('SIGTERM');
    await stopAll(runningB, 10_000);
  }
}

await ensureDatabases(options.postgresAdminUrl, databases);
await bootstrapStreams(options.natsUrl, options.eventsNamespace ?? '', catalog);
let running = startAll();
if (parsedEnv.data.BENCH_ONLY === 'orders') {
  try {
    await Promise.all(running.map((r) => waitReady(r, 30_000)));
    const result = await anchorComparison(running);
    console.log(renderOrderAnchor(result, machine()));
    console.log(JSON.stringify(result));
  } finally {
    for (const b of baselines) b.kill('SIGTERM');
    await stopAll(running, 10_000);
    await dropDatabases(options.postgresAdminUrl, [...databases, ...databasesB]);
  }
  process.exit(0);
}
if (parsedEnv.data.BENCH_ONLY === 'reads') {
  let usersB: RunningService[] = [];
  try {
    await Promise.all(running.map((r) => waitReady(r, 30_000)));
    usersB = kitB.filter((s) => s.name === 'users').map((s) => startService(s, join(logDir, 'kit-b'), kitBNodeArgs));
    if (usersB.length > 0) {
      await ensureDatabases(options.postgresAdminUrl, databasesB);
      await Promise.all(usersB.map((r) => waitReady(r, 30_000)));
    }
    // Against kit B the question is users against users: more rounds of fewer targets say it better.
    const { targets, layerNames, path, asUser } = await readBaselines(
      usersB.length === 0,
      usersB.map((r) => r.service.url),
    );
    const { rows } = await readRows<string>(
      {
        ...targets,
        users: { pid: running.find((r) => r.service.name === 'users')!.child.pid!, url: `${urls.users}${path}` },
        ...Object.fromEntries(
          usersB.map((r) => ['users (kit B)', { pid: r.child.pid!, url: `${r.service.url}${path}` }]),
        ),
      },
      asUser,
    );
    console.log(renderReadRows(rows, layerNames, machine()));
    console.log(JSON.stringify(rows));
  } finally {
    for (const b of baselines) b.kill('SIGTERM');
    await stopAll([...running, ...usersB], 10_000);
    await dropDatabases(options.postgresAdminUrl, [...databases, ...databasesB]);
  }
  process.exit(0);
}
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

  const { targets, layerNames, userId, path, asUser } = await readBaselines(true);
  // The users service again under other heap settings, to choose the catalog's from the figures.
  const usersPlan = plan.find((s) => s.name === 'users')!;
  const withoutOldSpace = catalog.defaults.nodeOptions.replace(/\s*--max-old-space-size=\d+/, '').trim();
  const heapVariants = [
    { label: "V8's defaults", nodeOptions: '' },
    withoutOldSpace === catalog.defaults.nodeOptions
      ? {
          label: `+ --max-old-space-size=${OLD_SPACE_PROBE_MIB}`,
          nodeOptions: `${catalog.defaults.nodeOptions} --max-old-space-size=${OLD_SPACE_PROBE_MIB}`,
        }
      : { label: `without --max-old-space-size (${withoutOldSpace || 'none'})`, nodeOptions: withoutOldSpace },
  ].map((variant, i) => {
    const port = options.portOffset + 3_980 + i;
    const service = {
      ...usersPlan,
      name: `users-heap-${i + 1}`,
      url: `http://127.0.0.1:${port}`,
      env: { ...usersPlan.env, PORT: String(port), NODE_OPTIONS: variant.nodeOptions },
    };
    return { ...variant, running: startService(service, logDir) };
  });
  await Promise.all(heapVariants.map((v) => waitReady(v.running, 30_000)));
  process.stderr.write('bench: GET /users/:id through node:http, bare Express, its runtime layers and users\n');
  const usersPid = running.find((r) => r.service.name === 'users')!.child.pid!;
  const { rows, pinned } = await readRows<string>(
    {
      ...targets,
      users: { pid: usersPid, url: `${urls.users}${path}` },
      ...Object.fromEntries(
        heapVariants.map((v, i) => [
          `heap${i + 1}`,
          { pid: v.running.child.pid!, url: `${v.running.service.url}${path}` },
        ]),
      ),
    },
    asUser,
  );
  const usersRss = (pid: number): number => round(rssMiB(pid), 0);
  const read: BenchResults['read'] = {
    nodeHttp: rows.nodeHttp!,
    bareExpress: rows.bareExpress!,
    users: rows.users!,
    layers: layerNames.map((name, i) => ({ name, ...rows[`layer${i + 1}`]! })),
    heapSettings: [
      {
        label: `the catalog's (${catalog.defaults.nodeOptions || 'none'})`,
        nodeOptions: catalog.defaults.nodeOptions,
        rssMiB: usersRss(usersPid),
        ...rows.users!,
      },
      ...heapVariants.map((v, i) => ({
        label: v.label,
        nodeOptions: v.nodeOptions,
        rssMiB: usersRss(v.running.child.pid!),
        ...rows[`heap${i + 1}`]!,
      })),
    ],
  };
  await stopAll(
    heapVariants.map((v) => v.running),
    10_000,
  );

  process.stderr.write(
    'bench: POST /orders at 100/s (the cost of an order below saturation), at 200/s, then the knee\n',
  );
  // Each run starts from fresh processes: the reads (or the run before) leave a heap full of
  // garbage and JIT state that would otherwise count against the next figure.
  const restart = async (nodeOptions?: string): Promise<void> => {
    await stopAll(running, 10_000);
    running = startAll(nodeOptions);
    await Promise.all(running.map((r) => waitReady(r, 30_000)));
  };
  await restart();
  const orderAnchor = await anchorComparison(running);
  await restart();
  const light = await orderRun(running, userId, true, 100);
  await restart();
  const capped = await orderRun(running, userId, true, 200);
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

  process.stderr.write("bench: POST /orders at 200/s with V8's default heap settings\n");
  await restart('');
  const uncapped = await orderRun(running, userId, false, 200);
  await stopAll(running, 10_000);
  running = [];

  process.stderr.write('bench: the whole shop (scripts/bench-events.ts)\n');
  const results: BenchResults = {
    machine: machine(),
    settings: { seconds, connections, rounds, pinned },
    read,
    idleCpuPercent,
    orders: [light, capped, uncapped],
    orderAnchor,
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
  await dropDatabases(options.postgresAdminUrl, [...databases, ...databasesB]);
}
