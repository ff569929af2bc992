import { Agent, request } from 'node:http';

export interface PacedResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly achievedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface PacedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Open-loop load at an even pace: one request every 1/rate s, whether or not earlier ones have
 * answered, so latency is not hidden by a closed loop nor inflated by per-second bursts (which is
 * how autocannon's `overallRate` sends). Latency is from the send to the last byte of the answer.
 */
export async function paced(
  baseUrl: string,
  ratePerSecond: number,
  seconds: number,
  next: () => PacedRequest,
): Promise<PacedResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const total = Math.round(ratePerSecond * seconds);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const spec = next();
    const sentAt = performance.now();
    inFlight.push(
      new Promise<void>((resolve) => {
        const req = request(
          { host: url.hostname, port: url.port, path: spec.path, method: spec.method, headers: spec.headers, agent },
          (res) => {
            res.resume();
            res.on('end', () => {
              latencies.push(performance.now() - sentAt);
              if ((res.statusCode ?? 0) < 300) ok += 1;
              else failed += 1;
              resolve();
            });
          },
        );
        req.on('error', () => {
          failed += 1;
          resolve();
        });
        req.end(spec.body);
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    sent: total,
    ok,
    failed,
    achievedPerSecond: ok / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
