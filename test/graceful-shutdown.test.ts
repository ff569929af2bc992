import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request, Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../services/payments/dist/server.js', import.meta.url));
const body = JSON.stringify({ orderKey: 'k', userId: 'u', amountCents: 100, currency: 'EUR' });

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
    const port = 30_000 + Math.floor(Math.random() * 5_000);
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        PAYMENTS_ADDED_LATENCY_MS: '200',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 100; i += 1) {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200) break;
      await sleep(50);
    }

    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const outcomes: Outcome[] = [];
    const worker = async (): Promise<void> => {
      for (;;) {
        const outcome = await post(port, agent);
        outcomes.push(outcome);
        if (outcome.kind !== 'answered') return;
      }
    };
    const workers = Array.from({ length: 20 }, () => worker());
    await sleep(500);
    const sigtermAt = outcomes.length;
    child.kill('SIGTERM');
    await Promise.all(workers);
    const code = await exited;
    agent.destroy();

    const failed = outcomes.filter((o) => o.kind === 'failed' || (o.kind === 'answered' && o.status !== 201));
    expect(failed).toEqual([]);
    // Requests in flight at SIGTERM were answered: at least one per worker after the signal.
    expect(outcomes.length - sigtermAt).toBeGreaterThanOrEqual(20);
    expect(outcomes.filter((o) => o.kind === 'answered').length).toBeGreaterThan(sigtermAt);
    expect(code).toBe(0);
  });
});
