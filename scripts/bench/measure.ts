import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface Figures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

function figures(result: autocannon.Result): Figures {
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export async function load(options: autocannon.Options): Promise<Figures> {
  return figures(await autocannon(options));
}

/** Resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

export function row(name: string, f: Figures, extra = ''): string {
  return `${name.padEnd(28)} ${f.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${f.p50Ms.toFixed(1).padStart(6)} ms   p99 ${f.p99Ms.toFixed(1).padStart(6)} ms   non-2xx ${f.non2xx}  errors ${f.errors}${extra}`;
}

/** User + system CPU seconds a process has used, from /proc (clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs the load and returns its figures plus the CPU µs the server process `pid` spent per request. */
export async function loadWithCpu(
  pid: number,
  options: autocannon.Options,
): Promise<Figures & { cpuUsPerRequest: number }> {
  const before = cpuSeconds(pid);
  const result = await autocannon(options);
  const used = cpuSeconds(pid) - before;
  return { ...figures(result), cpuUsPerRequest: (used * 1e6) / Math.max(1, result.requests.total) };
}
