import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request, Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { createTestDatabase } from '../test-support/databases.js';
import { reservePortOffset } from '../test-support/port-offset.js';

const entry = fileURLToPath(new URL('../services/payments/dist/server.js', import.meta.url));
const body = JSON.stringify({ orderKey: 'k', userId: 'u', amountCents: 100, currency: 'EUR' });

/** Concurrent clients, each sending its next POST when the last is answered. */
const WORKERS = 20;

type Outcome = { kind: 'answered'; status: number } | { kind: 'refused' } | { kind: 'failed'; error: string };

/** One POST over a keep-alive agent; "refused" = the listener was already closed (never in flight). */
function post(port: number, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/authorizations',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ kind: 'answered', status: res.statusCode ?? 0 }));
        res.on('error', (error) => resolve({ kind: 'failed', error: String(error) }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ECONNREFUSED'
          ? { kind: 'refused' }
          : { kind: 'failed', error: `${error.code}: ${error.message}` },
      ),
    );
    req.end(body);
  });
}

describe('graceful shutdown', () => {
  it('finishes every in-flight request after SIGTERM under load, then exits 0', async () => {
    const ports = await reservePortOffset();
    onTestFinished(() => ports.release());
    // payments keeps its authorizations in its own database (it migrates it at start).
    const database = await createTestDatabase('payments');
    onTestFinished(() => database.drop());
    const port = ports.offset + catalog.services.find((s) => s.name === 'payments')!.port;
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        PAYMENTS_ADDED_LATENCY_MS: '200',
        // This test is about the drain. On a busy machine, opening a pooled connection (or waiting
        // for one: pg-pool times a queued wait the same way) can take longer than the cluster's
        // 250 ms, and the request answers 503 before SIGTERM, failing the test for another reason.
        DATABASE_CONNECT_TIMEOUT_MS: '5000',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Ready (migrated) before the load starts, however long a busy machine takes to start it.
    let ready = false;
    for (const deadline = Date.now() + 30_000; !ready && Date.now() < deadline; await sleep(50)) {
      ready = (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    }
    expect(ready, 'payments /readyz within 30 s').toBe(true);

    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
    const outcomes: (Outcome & { startedAt: number })[] = [];
    let sigtermAt = Number.POSITIVE_INFINITY;
    const worker = async (): Promise<void> => {
      for (;;) {
        const startedAt = performance.now();
        const outcome = await post(port, agent);
        outcomes.push({ ...outcome, startedAt });
        if (outcome.kind !== 'answered') return;
      }
    };
    const workers = Array.from({ length: WORKERS }, () => worker());
    await sleep(500);
    const answeredBefore = outcomes.length;
    sigtermAt = performance.now();
    child.kill('SIGTERM');
    await Promise.all(workers);
    const code = await exited;
    agent.destroy();

    // In flight = sent before SIGTERM. Each must be answered 201. A request sent afterwards may
    // find the listener closed (refused) or race a keep-alive socket being closed (reset): in a
    // cluster the endpoint is already out of the Service by then.
    const inFlight = outcomes.filter((o) => o.startedAt < sigtermAt && outcomes.indexOf(o) >= answeredBefore);
    expect(inFlight.length).toBeGreaterThanOrEqual(WORKERS);
    expect(inFlight.filter((o) => o.kind !== 'answered' || o.status !== 201)).toEqual([]);
    const before = outcomes.filter((o) => o.startedAt < sigtermAt);
    expect(before.filter((o) => o.kind !== 'answered' || o.status !== 201)).toEqual([]);
    expect(code).toBe(0);
  });
});
