import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProbe, formatTally, parseProbeOutput, probeCommand } from '../src/probe.js';

const run = promisify(execFile);
let base = '';
const seen: { method: string; url: string; body: string; key: string | undefined }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', body, key: req.headers['idempotency-key'] as string });
    if (req.url === '/busy') res.writeHead(503, { 'x-envoy-overloaded': 'true' }).end('overflow');
    else if (req.url === '/slow') setTimeout(() => res.writeHead(504).end(), 150);
    else res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"o-1"}');
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the probe as exec would in a pod: the same argv, here with the local node. */
async function probe(spec: Parameters<typeof probeCommand>[0]): Promise<ReturnType<typeof parseProbeOutput>> {
  const [bin, ...args] = probeCommand(spec);
  const { stdout } = await run(bin as string, args);
  return parseProbeOutput(stdout);
}

describe('the in-pod probe script', () => {
  it('sends method, headers and JSON body, and reports status and time', async () => {
    const [result] = await probe({
      url: `${base}/authorizations`,
      method: 'POST',
      headers: { 'idempotency-key': 'k-1' },
      json: { orderKey: 'k-1', amountCents: 1200 },
    });
    expect(result).toMatchObject({ kind: 'response', status: 201, overloaded: false });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/authorizations',
      body: '{"orderKey":"k-1","amountCents":1200}',
      key: 'k-1',
    });
  });

  it('runs a concurrent burst and marks circuit-breaker answers', async () => {
    const results = await probe({ url: `${base}/busy`, count: 12, concurrency: 4 });
    expect(results).toHaveLength(12);
    expect(results.every((r) => r.kind === 'response' && r.status === 503 && r.overloaded)).toBe(true);
    expect(formatTally(results)).toBe('12× 503');
  });

  it('times slow answers and reports refused connections as errors', async () => {
    const [slow] = await probe({ url: `${base}/slow` });
    expect(slow && slow.kind === 'response' && slow.ms).toBeGreaterThanOrEqual(140);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [refused] = await probe({ url: `http://127.0.0.1:${port}/` });
    expect(refused).toMatchObject({ kind: 'error', error: 'ECONNREFUSED' });
    expect(describeProbe(refused)).toMatch(/^failed \(ECONNREFUSED\) after \d+ ms$/);
  });

  it('refuses output that is not a result list', () => {
    expect(() => parseProbeOutput('sh: node: not found')).toThrow('probe printed no result: sh: node: not found');
    expect(() => parseProbeOutput('{"status":200}')).toThrow('not a list of results');
  });
});
