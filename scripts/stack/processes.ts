import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlannedService } from './plan.js';

export interface RunningService {
  readonly service: PlannedService;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Starts `node [nodeArgs] <entry>` with the service's env; `nodeArgs` for flags NODE_OPTIONS refuses (`--cpu-prof`). */
export function startService(
  service: PlannedService,
  logDir: string,
  nodeArgs: readonly string[] = [],
): RunningService {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${service.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, service.entry], {
    env: { ...process.env, ...service.env },
    stdio: ['ignore', fd, fd],
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { service, child, logFile, exited };
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls /readyz until it answers 200; fails with the log tail if the process exits first. */
export async function waitReady(running: RunningService, withinMs: number): Promise<void> {
  let exitedWith: number | string | undefined;
  void running.exited.then((code) => (exitedWith = code));
  const deadline = Date.now() + withinMs;
  let lastAnswer = 'no answer on /readyz yet';
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${running.service.name} exited (${exitedWith}) before it was ready:\n${tail(running.logFile)}`);
    }
    try {
      const res = await fetch(`${running.service.url}/readyz`);
      if (res.status === 200) return;
      lastAnswer = `/readyz answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `${running.service.name} was not ready within ${withinMs} ms (${lastAnswer}):\n${tail(running.logFile)}`,
  );
}

/** SIGTERM to each, then SIGKILL to any still running after `graceMs`. */
export async function stopAll(services: readonly RunningService[], graceMs: number): Promise<(number | string)[]> {
  for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }, graceMs);
  const codes = await Promise.all(services.map((s) => s.exited));
  clearTimeout(killer);
  return codes;
}
